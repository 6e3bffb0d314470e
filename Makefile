# The two commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.routeopt-installed

.PHONY: demo test bench bench-roads clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: this version installs from a local CPU build; any other spec pulls GBs.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,distributed]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) -m routeopt demo --out data/demo

test: $(STAMP)
	$(PY) -m pytest

# The comparator on the 25 X instances, 30 s per run; resumable through its .db.
bench: $(STAMP)
	$(PY) -m routeopt compare ../shared/instances/cvrp-x --solvers pyvrp,ortools,local,vrp-milp --time-limit 30 \
		--db benchmarks/results/x-30s.db --plot benchmarks/results/x-30s.png \
		--markdown benchmarks/results/x-30s.md --csv benchmarks/results/x-30s.csv

# Road matrices beside pandana, igraph and scipy (the anchors are the 'bench' extra, not dependencies).
bench-roads: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) benchmarks/road_matrix.py --out benchmarks/results/road_matrix.txt

clean:
	rm -rf $(VENV) data/demo .pytest_cache
