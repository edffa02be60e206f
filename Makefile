# synquant: `make book` builds the book, `make test` runs the tests.
# Both create the virtual environment .venv and install the pinned packages when needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
WEIGHTS := data/weights/paper-seed0.npz
# Keras keeps its settings and downloads here, not in the home folder, for every target.
export KERAS_HOME ?= $(CURDIR)/.cache/keras
export KERAS_BACKEND := jax
export JAX_PLATFORMS := cpu
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: install book student pdf test unit lint bench weights tolerances sweeps aware insitu clean constraints help outputs
.DEFAULT_GOAL := help

help:
	@echo "make book    build the book into _build/html (installs, trains if no cached weights)"
	@echo "make test    build the book and its student edition, then run the whole test suite"
	@echo "make student the book without its solutions, into _build/student/html (after make book)"
	@echo "make pdf     both editions as PDFs: _build/html/synquant.pdf, _build/student/html/synquant-student.pdf"
	@echo "make unit    the unit tests alone (no book, no chapters, no training), in seconds"
	@echo "make lint    ruff on the package, the tests and the chapters"
	@echo "make outputs store the outputs nbval checks, from the last make book"
	@echo "make bench   speed benchmarks (ratios to numpy's matmul throughput on this machine)"
	@echo "make sweeps  the results chapter for every device and seed, on Dask (SEEDS, DEVICES, WORKERS)"
	@echo "make tolerances  re-measure the held-out seeds 5-9 behind the claims' tolerances"
	@echo "make aware   the device-aware networks and their comparison (about an hour of CPU)"
	@echo "make insitu  on-chip training of every device (INSITU_SEEDS, INSITU_EPOCHS) into data/results/insitu.csv"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: Python 3.11 or newer is needed (PYTHON=$(PYTHON))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[book,test,scale]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(STAMP)

# Cached weights are committed; train only when they are missing.
$(WEIGHTS): | $(STAMP)
	$(BIN)/python -m synquant train --recipe paper --seed 0

# Seeds 5-9 of the paper's recipe are held out from every verdict: their spread sets the
# tolerances of the paper's claims (synquant.book.paper), cached in $(SPREAD).
HELD_OUT := $(foreach k,5 6 7 8 9,data/weights/paper-seed$(k).npz)
SPREAD := data/results/tolerance-seeds.json
$(HELD_OUT): data/weights/paper-seed%.npz: | $(STAMP)
	$(BIN)/python -m synquant train --recipe paper --seed $*

$(SPREAD): | $(HELD_OUT) $(STAMP)
	$(BIN)/python -m synquant.book.tolerances

weights: $(WEIGHTS) $(HELD_OUT)

tolerances: $(HELD_OUT) | $(STAMP)
	$(BIN)/python -m synquant.book.tolerances --force

# MathJax, served by the book itself so that its math renders offline (tools/mathjax.py:
# the npm registry's package, pinned and checked, downloaded once into .cache/).
MATHJAX := .cache/static/mathjax/tex-svg-full.js
$(MATHJAX): tools/mathjax.py
	$(PYTHON) tools/mathjax.py $(dir $@)

# Every notebook is executed afresh (execute_notebooks: force); -W turns warnings into errors.
book: $(STAMP) $(WEIGHTS) $(SPREAD) $(MATHJAX)
	$(BIN)/jupyter-book clean . > /dev/null
	$(BIN)/jupyter-book build . -W -n --keep-going

# The student edition: the executed chapters of the last `make book` without their cells
# tagged `solution`, built with sphinx-exercise's hide_solutions (no execution).
student: $(STAMP) $(MATHJAX)
	@test -d _build/jupyter_execute || { echo "error: run make book first"; exit 1; }
	rm -rf _build/student/src
	$(BIN)/python -m synquant.book.student student . _build/student/src --executed _build/jupyter_execute
	$(BIN)/jupyter-book build _build/student/src -W -n --keep-going
	rm -rf _build/student/html
	mv _build/student/src/_build/html _build/student/html

# Both editions as PDFs: Chromium's print of the built pages (synquant/book/pdf.py: a
# title page, the contents with page numbers, every chapter, the bibliography), linked from
# each edition's download menu. Needs Debian's chromium, chromium-driver and poppler-utils.
pdf: $(STAMP)
	@test -d _build/html/chapters || { echo "error: run make book first"; exit 1; }
	@test -d _build/student/html/chapters || { echo "error: run make student first"; exit 1; }
	$(BIN)/python -m synquant.book.pdf . _build/html _build/html/synquant.pdf
	$(BIN)/python -m synquant.book.pdf _build/student/src _build/student/html _build/student/html/synquant-student.pdf

# The book is the execution of the chapters; the tests read what it left (no second run).
test: book
	$(MAKE) student
	@if command -v chromium > /dev/null && command -v pdftotext > /dev/null; then $(MAKE) pdf; \
	else echo "no chromium or poppler-utils here: no PDFs (their test skips)"; fi
	$(BIN)/python -m pytest

# The unit tests alone: no book build, no chapter runs (marker book), no training (slow).
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 tests -m "not book and not slow" --ignore=tests/test_book_html.py

# The outputs that nbval checks (cells tagged nbval-check-output), copied from the last
# `make book` into the chapters after a change meant to change them.
outputs: $(STAMP)
	@test -d _build/jupyter_execute || { echo "error: run make book first"; exit 1; }
	$(BIN)/python tools/checked_outputs.py

lint: $(STAMP)
	$(BIN)/ruff check synquant tests chapters

bench: $(STAMP) $(WEIGHTS)
	$(BIN)/python tests/benchmarks.py

SEEDS   ?= 0 1 2 3 4
DEVICES ?= PCMO Ag:a-Si TaOx/HfOx AlOx/HfO2 "GST PCM" EpiRAM "HZO FeFET"
sweeps: $(STAMP) $(WEIGHTS)
	$(BIN)/python -m synquant.book.sweeps --seeds $(SEEDS) --devices $(DEVICES) --force $(if $(WORKERS),--workers $(WORKERS))

# Device-aware training (synquant.aware): trains what is not cached yet (networks beyond
# the few kept in data/weights/aware go to ~/.cache/synquant), then rewrites the results.
aware: $(STAMP) $(WEIGHTS)
	nice $(BIN)/python -m synquant.aware grid --force
# On-chip training (NeuroSim V3.0) of the seven devices and the ideal one: minutes per run
# (make bench times one), one process; the cached CSV (and its .json) is what the chapter reads.
INSITU_SEEDS  ?= 0 1 2
INSITU_EPOCHS ?= 125
insitu: $(STAMP)
	nice $(BIN)/python -m synquant insitu --seeds $(INSITU_SEEDS) --epochs $(INSITU_EPOCHS) --force

constraints: $(STAMP)
	{ echo "# Pinned versions, resolved on $$(date +%F) with Python 3.11 (Linux x86_64): make installs with -c constraints.txt."; \
	  echo "# Refresh: make constraints"; $(BIN)/pip freeze --exclude-editable | grep -v '^-e' | sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf _build .pytest_cache .hypothesis
