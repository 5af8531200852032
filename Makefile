# Everything is built from Python 3.11 and the package registry into .venv.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo clean

setup: $(STAMP)

$(STAMP): setup.py requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

# The tests on the real files of ../shared (or $PSTL_SHARED_DIR) fail when
# those files are absent; `make test PSTL_REQUIRE_SHARED=0` skips them instead.
PSTL_REQUIRE_SHARED ?= 1

test: $(STAMP)
	PSTL_REQUIRE_SHARED=$(PSTL_REQUIRE_SHARED) $(BIN)/python -m pytest -q tests

demo: $(STAMP)
	$(BIN)/python tools/demo.py

clean:
	rm -rf $(VENV) work_dirs
