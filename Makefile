# The two commands of the README are `make book` and `make test`; everything else supports them.
# Both create the environment (.venv, pinned by requirements/lock.txt) and fetch the data if missing.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.mnn-installed
JB_FLAGS ?= -W --keep-going

.PHONY: book test env data lab lint bench clean clean-data distclean lock

# MPLBACKEND is dropped for the build: set to a non-inline backend (Agg), it would make every
# executed notebook lose its figures without an error.
book: $(STAMP) data
	env -u MPLBACKEND $(BIN)/jupyter-book build . $(JB_FLAGS)
	@echo "The book is in _build/html/index.html"

test: $(STAMP) data
	MPLBACKEND=Agg $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env $(PYTEST_ARGS)

env: $(STAMP)

$(STAMP): requirements/lock.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "$(PYTHON) is not Python 3.11: the lock file is for 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned environment into $(VENV) (a minute or two)..."
	$(BIN)/python -m pip install -qq --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install -qq --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

data: $(STAMP)
	$(BIN)/python -m mnn.data fetch

lab: $(STAMP) data
	$(BIN)/jupyter lab notebooks/

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

bench: $(STAMP) data
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-data:
	$(BIN)/python -m mnn.data clean

distclean: clean
	rm -rf $(VENV)

lock: $(STAMP)
	{ sed -n '1,2p' requirements/lock.txt; \
	  $(BIN)/python -m pip freeze --all --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > requirements/lock.new
	mv requirements/lock.new requirements/lock.txt
