# The two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.routeopt-installed

.PHONY: demo test bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: this version installs from a local CPU build; any other spec pulls GBs.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m routeopt demo --out data/demo

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) -m routeopt bench-vrp ../shared/instances/cvrp-x --solvers local,ortools,pyvrp --time-limit 30

clean:
	rm -rf $(VENV) data/demo .pytest_cache
