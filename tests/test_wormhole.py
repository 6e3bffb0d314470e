"""WormHole across power-law exponents: the automatic core size keeps >= 95 % of answers exact on
Chung-Lu graphs at exponents 2.1, 2.5 and 2.9, every answer within +2 of the BFS distance and never
below it, every certified bound holding, and the core size it chose reported; the core's distance
table never understates a distance and its paths are real."""

from __future__ import annotations

import numpy as np
import pytest

import routeopt
from routeopt.instances.paths.generate import chung_lu
from routeopt.instances.paths.problem import PathsProblem
from routeopt.solvers.paths import wormhole
from routeopt.solvers.paths.bidirectional import BFSEngine
from routeopt.solvers.paths.wormhole_core import MAX_CORE, automatic_core_size, core_path
from routeopt.solvers.registry import solve as _solve

PAIRS = 400


def solve(problem, solver, **kw):
    """routeopt.solve with room for a first numba compilation (it counts in the budget)."""
    kw.setdefault("time_limit", 600)
    return _solve(problem, solver, **kw)


@pytest.fixture(scope="module", params=[2.1, 2.5, 2.9])
def social(request):
    exponent = request.param
    graph = chung_lu(30_000, seed=3, exponent=exponent, queries=0).graph
    pool = graph.largest_component_nodes()
    rng = np.random.default_rng(5)
    src, dst = pool[rng.integers(pool.size, size=PAIRS)], pool[rng.integers(pool.size, size=PAIRS)]
    bfs = BFSEngine(graph)
    exact = np.array([bfs.query(int(s), int(t), False)[0] for s, t in zip(src, dst)])
    return exponent, graph, src, dst, exact


def test_automatic_core_is_accurate_at_every_exponent(social):
    exponent, graph, src, dst, exact = social
    problem = PathsProblem(graph, src, dst, check_exact=True)        # evaluate checks paths and bounds too
    r = solve(problem, "wormhole")
    assert r.status == routeopt.Status.FEASIBLE and r.violations == [], (exponent, r.violations)
    err = r.solution.distances - exact
    assert (err >= 0).all() and (err <= 2).all(), (exponent, err.min(), err.max())
    assert (err <= r.solution.error_bounds).all()                   # the certified bound holds
    assert (err == 0).mean() >= 0.95, (exponent, (err == 0).mean())
    assert r.metadata["exact"] == int((err == 0).sum())             # the problem's own count agrees
    assert r.metadata["core_size"] == automatic_core_size(graph.indptr, 0.25)
    assert r.metadata["core_rule"].startswith("automatic")
    assert r.metadata["certified_exact"] <= int((err == 0).sum())  # "certified exact" is never wrong


def test_core_size_follows_the_degree_distribution():
    graphs = {e: chung_lu(50_000, seed=1, exponent=e, queries=0).graph for e in (2.1, 2.9)}
    floor = int(8 * np.sqrt(50_000))
    assert automatic_core_size(graphs[2.1].indptr, 0.25) == floor    # hubs hold a quarter with few nodes
    weak = automatic_core_size(graphs[2.9].indptr, 0.25)
    assert weak > floor                                             # weak hubs: more nodes for the same share
    degrees = np.sort(np.diff(graphs[2.9].indptr))[::-1]
    assert degrees[:weak].sum() >= 0.25 * degrees.sum() > degrees[:weak - 1].sum()
    assert automatic_core_size(graphs[2.9].indptr, 1.0) == MAX_CORE    # the table stays within 256 MiB
    assert automatic_core_size(graphs[2.9].indptr, 0.4) > weak


def test_core_size_stays_overridable(social):
    exponent, graph, src, dst, exact = social
    problem = PathsProblem(graph, src[:100], dst[:100], check_exact=True)
    r = solve(problem, wormhole.WormHoleSolver(core_size=200))
    assert r.violations == [] and r.metadata["core_size"] == 200 and r.metadata["core_rule"] == "given"
    err = r.solution.distances - exact[:100]
    assert (err >= 0).all() and (err <= r.solution.error_bounds).all() and (err <= 2).all()
    bigger = solve(problem, wormhole.WormHoleSolver(core_coverage=0.4))
    assert bigger.metadata["core_size"] == automatic_core_size(graph.indptr, 0.4)
    with pytest.raises(routeopt.errors.InputError, match="core_coverage"):
        wormhole.WormHoleSolver(core_coverage=1.5)


def test_core_table_never_understates_and_its_paths_are_real():
    graph = chung_lu(5_000, seed=2, exponent=2.9, queries=0).graph
    wh = wormhole.WormHole(graph, core_size=300)
    assert wh.bridges.size > 0                  # a thin core: some distances go through bridges
    bfs = BFSEngine(graph)
    k = wh.core.size
    rng = np.random.default_rng(0)
    through_bridge = 0
    for ci, cj in rng.integers(k, size=(300, 2)):
        table = int(wh.cdist[ci, cj])
        if table == 255:
            continue
        assert table >= bfs.query(int(wh.core[ci]), int(wh.core[cj]), False)[0]
        path = core_path(wh.cptr, wh.cadj, wh.cnodes, wh.cdist, ci, cj)
        assert path[0] == wh.core[ci] and path[-1] == wh.core[cj] and path.size == table + 1
        for u, v in zip(path[:-1], path[1:]):
            assert v in graph.indices[graph.indptr[u]:graph.indptr[u + 1]]
        through_bridge += int((wh.where[path] < 0).any())
    assert through_bridge > 0                   # the bridged steps were exercised
