# egohands: `make test` runs the test suite; `make demo` renders EgoSynth,
# trains the demo config (a small CNN with a 2.5D heatmap + lifting head) on
# it, tests it and prints its metrics next to the mean-pose baselines with
# the learning curve. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# reinstall when the dependency pins change
STAMP := $(VENV)/.egohands-installed
DEMO_CONFIG := configs/integral/integral_resnet18-w32_1xb32-10e_egosynth-64x64.py
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

# deterministic for the seed: rendered once, reused by later demos (the
# marker names the generator version, so older renders are replaced)
DEMO_DATA_STAMP := $(DEMO_DATA)/.egosynth-v2
$(DEMO_DATA_STAMP): | $(STAMP)
	rm -rf $(DEMO_DATA)
	$(PY) tools/make_egosynth.py --out $(DEMO_DATA) --train 4000 --val 400 \
		--test 0 --seed 0
	touch $@

demo: $(STAMP) $(DEMO_DATA_STAMP)
	rm -rf $(DEMO_DIR)
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) $$(cat $(DEMO_DIR)/last_checkpoint) \
		--work-dir $(DEMO_DIR) --dump $(DEMO_DIR)/predictions.npz \
		--show-dir $(DEMO_DIR)/crops
	$(PY) tools/report.py $(DEMO_CONFIG) $(DEMO_DIR)/predictions.npz \
		--show-dir $(DEMO_DIR)/crops --out-dir $(DEMO_DIR) \
		--work-dir $(DEMO_DIR)

clean-venv:
	rm -rf $(VENV)
