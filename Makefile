# egohands: `make test` runs the test suite, `make demo` trains and tests the
# tiny estimator on a toy dataset. Both create .venv on first use.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# reinstall when the dependency pins change
STAMP := $(VENV)/.egohands-installed
DEMO_CONFIG := configs/tiny/tiny_simplecnn_1xb8-4e_toy-64x64.py
DEMO_DIR := work_dirs/demo_tiny
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

demo: $(STAMP)
	$(PY) -c "from egohands.testing import make_toy_hand_dataset as make; make('data/toy', num_images=48, seed=0)"
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_DIR)
	$(PY) tools/test.py $(DEMO_CONFIG) $$(cat $(DEMO_DIR)/last_checkpoint) --work-dir $(DEMO_DIR)

clean-venv:
	rm -rf $(VENV)
