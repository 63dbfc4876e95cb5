# egohands: `make test` runs the test suite; `make demo` renders EgoSynth,
# trains the small HP-ViT config on it, tests it with flip TTA and prints its
# metrics next to the mean-pose baselines. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# reinstall when the dependency pins change
STAMP := $(VENV)/.egohands-installed
DEMO_CONFIG := configs/hpvit/hpvit_vit-t_1xb64-5e_egosynth-128x96.py
DEMO_DATA := data/egosynth
DEMO_DIR := work_dirs/demo
PYTEST_ARGS ?=

.PHONY: test demo venv clean-venv

venv: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt requirements/coco.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install torch==2.14.1 torchvision==0.29.1
	grep -hE '^(numpy|Cython|setuptools)' requirements/runtime.txt requirements/tests.txt > $(VENV)/build-requirements.txt
	$(PIP) install -r $(VENV)/build-requirements.txt
	$(PIP) install --no-build-isolation --no-binary xtcocotools -r requirements/coco.txt
	$(PIP) install --no-build-isolation -e .[tests]
	touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# deterministic for the seed: rendered once, reused by later demos
$(DEMO_DATA)/annotations/val.json: | $(STAMP)
	$(PY) tools/make_egosynth.py --out $(DEMO_DATA) --train 4000 --val 400 \
		--test 0 --size 256 --seed 0

demo: $(STAMP) $(DEMO_DATA)/annotations/val.json
	rm -rf $(DEMO_DIR)/crops
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) $$(cat $(DEMO_DIR)/last_checkpoint) \
		--tta --work-dir $(DEMO_DIR) --dump $(DEMO_DIR)/predictions.pkl \
		--show-dir $(DEMO_DIR)/crops
	$(PY) tools/report.py $(DEMO_CONFIG) $(DEMO_DIR)/predictions.pkl \
		--show-dir $(DEMO_DIR)/crops --out-dir $(DEMO_DIR)

clean-venv:
	rm -rf $(VENV)
