# Everything is built from Python 3.11 and the package registry into .venv.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo results-nwucla clean

setup: $(STAMP)

$(STAMP): setup.py requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $(STAMP)

# The tests on the real files of ../shared (or $PSTL_SHARED_DIR) are skipped
# when those files are absent (one summary line says which and why);
# `make test PSTL_REQUIRE_SHARED=1` makes a missing file fail them instead.
PSTL_REQUIRE_SHARED ?= 0

test: $(STAMP)
	PSTL_REQUIRE_SHARED=$(PSTL_REQUIRE_SHARED) $(BIN)/python -m pytest -q tests

demo: $(STAMP)
	$(BIN)/python tools/demo.py

# The NW-UCLA results tables (docs/results.md), seeds 0, 1, 2; an interrupted
# run goes on where it stopped. ABLATIONS=1 adds three pretrainings (seed 0);
# EXTENDED=1 the learning curve (100 epochs per method) and the fine-tuning
# rows (5 %, 10 %, 100 % labels). Every finished step's record is written
# beside its logs in docs/results_nw_ucla/; REUSE=1 reuses those records
# whose fingerprints hold (e.g. committed ones: a fresh clone goes on where
# a committed run stopped). NW_UCLA_SRC: the NW-UCLA archive.
NW_UCLA_SRC ?= ../shared/data/nw_ucla/nw_ucla_all_sqe.tgz
ABLATIONS ?= 0
EXTENDED ?= 0
REUSE ?= 0

results-nwucla: $(STAMP)
	$(BIN)/python tools/results.py --dataset nw_ucla_xview \
		--src $(NW_UCLA_SRC) --converter nw_ucla \
		--json docs/results_nw_ucla.json --logs docs/results_nw_ucla \
		--readme README.md \
		$(if $(filter 1,$(ABLATIONS)),--ablations) \
		$(if $(filter 1,$(EXTENDED)),--extended) \
		$(if $(filter 1,$(REUSE)),--reuse-published)
	$(if $(filter 1,$(REUSE)),@echo 'feature diagnostics: not rewritten ($\
		REUSE=1 keeps no features of the runs it reuses)', $\
		$(BIN)/python tools/feature_diagnostics.py $\
		--dataset nw_ucla_xview $\
		--json docs/results_nw_ucla/feature_diagnostics.json $\
		--markdown docs/results.md)

clean:
	rm -rf $(VENV) work_dirs
