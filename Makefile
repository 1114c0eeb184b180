# Two entry points a fresh machine needs: `make run` and `make test`.
# Each creates the virtual environment on first use (Python 3.11+).
VENV ?= .venv
PY := $(VENV)/bin/python
ARGS ?=

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

.PHONY: run test bench
run: $(VENV)/.installed
	$(VENV)/bin/carte run $(ARGS)

test: $(VENV)/.installed
	$(PY) -m ruff check engine tests bench
	$(PY) -m pytest $(ARGS)

bench: $(VENV)/.installed
	$(PY) bench/run.py $(ARGS)
