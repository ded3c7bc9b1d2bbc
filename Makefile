# Cross entropy is maximum likelihood: set-up, notebooks, figures, HTML and tests.
# `make` builds everything that is out of date; `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := all

# Independent notebooks run in parallel, one job per core; `make -j1` (or any -jN) overrides it.
# Each job's output is printed whole when it ends, so lines do not interleave.
JOBS ?= $(shell nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
MAKEFLAGS += -j$(JOBS) --output-sync=target

# Python caches compiled bytecode beside the sources it imports (.venv, src, tools), so each
# notebook kernel after the first imports PyMC in about 2 s of CPU instead of 9. Environments that
# set PYTHONDONTWRITEBYTECODE would compile every import again in every kernel.
unexport PYTHONDONTWRITEBYTECODE

# A Python >= 3.12: $(PYTHON) if given, else the first that works of python3.13, python3.12,
# python3, then pyenv's installed 3.12+ versions. pyenv shims exist but fail when their version
# is not selected, so each candidate is run, not just looked up.
PY_OK = import sys; sys.exit(sys.version_info < (3, 12))
find_python = $(firstword $(foreach c,$(1),$(shell $(c) -c '$(PY_OK)' >/dev/null 2>&1 && echo $(c))))
PYENV_PYTHONS := $(shell ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV)
ifeq ($(origin PYTHON),undefined)
PYTHON := $(call find_python,python3.13 python3.12 python3 $(PYENV_PYTHONS))
endif

VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
LOCK := requirements.lock
INSTALLED := $(VENV)/.installed

SRC := $(shell find src -name '*.py' -not -path '*/__pycache__/*')
TOOLS := $(wildcard tools/*.py)
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))
EXECUTED := $(NOTEBOOKS:notebooks/%.ipynb=build/notebooks/%.ipynb)
# Each notebook's text twin (jupytext py:percent, paired in pyproject.toml), for review and lint.
PAIRED := $(NOTEBOOKS:.ipynb=.py)
LINTED := src tests tools benchmarks docs $(PAIRED)

SEED ?= 1
PORT ?= 8000

.PHONY: all setup notebooks html test test-fast lint sync bench lock lab serve other-seed clean distclean help check-python check-system check-browser
.SECONDARY:
.DELETE_ON_ERROR:

all: setup notebooks html ## Set up .venv, execute the notebooks, regenerate figures/ and the HTML
	@echo "Done. The site is build/html/index.html (open it in a browser, or run: make serve)."

check-python:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "error: Python >= 3.12 is required (PyMC 6) and none was found."; \
	  echo "Tried python3.13, python3.12, python3 and pyenv's versions; pass one as PYTHON=/path/to/python3.12"; \
	  exit 1; fi
	@$(PYTHON) -c '$(PY_OK)' || { echo "error: PYTHON=$(PYTHON) is older than 3.12, which PyMC 6 requires"; exit 1; }

setup: $(INSTALLED) ## Create .venv and install the locked packages and the library

# System programs the notebooks need: graphviz's dot draws the PyMC model graphs.
check-system:
	@command -v dot >/dev/null 2>&1 || { echo "error: the notebooks draw model graphs with graphviz's dot, which is missing."; \
	  echo "Install it: apt-get install graphviz (Debian/Ubuntu), or conda install -c conda-forge graphviz"; exit 1; }

$(INSTALLED): $(LOCK) pyproject.toml | check-python
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	@echo "Installing the locked packages and the library into $(VENV) (a minute on a fresh machine)"
	@$(UV) pip sync --quiet --python $(PY) $(LOCK)
	@$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@


notebooks: $(EXECUTED) ## Execute the notebooks into build/notebooks/ and write their figures

build/notebooks/%.ipynb: notebooks/%.ipynb $(SRC) tools/run_notebook.py tools/paths.py $(LOCK) | $(INSTALLED) check-system
	@$(PY) -m tools.run_notebook $< $@

html: build/html/index.html ## Render the executed notebooks and the API as a static site

build/html/index.html: $(EXECUTED) $(shell find docs -type f -not -path 'docs/generated/*') $(SRC) $(TOOLS) $(LOCK) | $(INSTALLED)
	@if [ -f docs/conf.py ]; then $(PY) -m tools.build_site $(EXECUTED) build/html; \
	else echo "docs/ has no conf.py yet: no HTML to render"; fi

# The browser tests (tests/test_html.py) drive a system Chromium through Playwright.
check-browser:
	@command -v chromium >/dev/null 2>&1 || test -x "$$CHROMIUM" || { echo "error: the browser tests need Chromium, which is missing."; \
	  echo "Install it: apt-get install chromium (Debian/Ubuntu), or point CHROMIUM=/path/to/chromium at one"; exit 1; }

test: $(INSTALLED) check-system check-browser ## Run every test: library, PyMC sampling, notebooks in fast mode, HTML in a browser
	$(PY) -m pytest

test-fast: $(INSTALLED) ## Run the tests not marked slow
	$(PY) -m pytest -m "not slow"

lint: $(INSTALLED) ## Check style: ruff check and ruff format --check (src, tests, tools, benchmarks, docs, notebooks' .py)
	status=0; \
	$(VENV)/bin/ruff check $(LINTED) || status=1; \
	$(VENV)/bin/ruff format --check $(LINTED) || status=1; \
	exit $$status

sync: $(INSTALLED) ## Bring each notebook and its paired .py up to date with whichever was edited last
	$(VENV)/bin/jupytext --sync $(NOTEBOOKS)

bench: $(INSTALLED) ## Time fit_cross_entropy against scikit-learn (N=200,000, d=20, K=10)
	$(PY) benchmarks/bench_fit.py

lock: ## Refresh requirements.lock from pyproject.toml (needs network access to PyPI)
	@test -x $(UV) || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet "uv==$(UV_VERSION)"; }
	$(UV) pip compile pyproject.toml --extra notebooks --extra docs --extra test --extra dev \
	  --universal --python-version 3.12 -o $(LOCK)

lab: $(INSTALLED) ## Open JupyterLab on the notebooks, in the project's environment
	$(VENV)/bin/jupyter lab notebooks

serve: ## Serve the built site on http://127.0.0.1:8000/ (PORT=... for another port; Ctrl-C stops)
	@test -f build/html/index.html || { echo "error: no site yet: run make first"; exit 1; }
	@echo "Serving build/html at http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	@$(PY) -m http.server $(PORT) --bind 127.0.0.1 --directory build/html

# Not part of `make test`: the asserts must hold for any seed, not only the committed one.
other-seed: $(NOTEBOOKS:notebooks/%.ipynb=build/seed-$(SEED)/%.ipynb) ## Run every notebook in full mode with another RANDOM_SEED (SEED=1) into build/seed-1/
	@echo "Every notebook's asserts hold with RANDOM_SEED = $(SEED) (outputs in build/seed-$(SEED)/)."

build/seed-$(SEED)/%.ipynb: notebooks/%.ipynb $(SRC) tools/run_notebook.py | $(INSTALLED) check-system
	@$(PY) -m tools.run_notebook $< $@ --seed $(SEED) --figures build/seed-$(SEED)/figures

clean: ## Remove build outputs (build/), keeping figures/ and .venv
	rm -rf build

distclean: clean ## Also remove .venv
	rm -rf $(VENV)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12
