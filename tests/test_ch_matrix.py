"""Many-to-many matrices on a contraction hierarchy (buckets) equal scipy.sparse.csgraph's Dijkstra:
on random small graphs (directed and undirected, zero-weight arcs, unreachable pairs, repeated
sources and targets) and on a generated road network with both metrics; the ``ch`` solver answers
a many-to-many problem without paths by buckets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from scipy.sparse.csgraph import dijkstra as scipy_dijkstra

import routeopt
from routeopt.instances.paths.graph import Graph
from routeopt.instances.paths.problem import PathsProblem
from routeopt.solvers.paths.ch import ContractionHierarchy, build
from routeopt.solvers.registry import solve


def _exact(g: Graph, sources) -> np.ndarray:
    return np.atleast_2d(scipy_dijkstra(g.to_scipy(), directed=True, indices=np.asarray(sources, dtype=np.int64)))


@st.composite
def cases(draw):
    n = draw(st.integers(1, 30))
    m = draw(st.integers(0, 3 * n))
    node = st.integers(0, n - 1)
    tails = draw(st.lists(node, min_size=m, max_size=m))
    heads = draw(st.lists(node, min_size=m, max_size=m))
    weights = draw(st.lists(st.one_of(st.just(0.0), st.integers(0, 5).map(float), st.floats(0.0, 10.0)),
                            min_size=m, max_size=m))
    g = Graph.from_edges(n, tails, heads, weights, directed=draw(st.booleans()))
    sources = draw(st.lists(node, min_size=0, max_size=8))
    targets = draw(st.lists(node, min_size=0, max_size=8))
    return g, sources, targets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_bucket_matrix_equals_scipy_on_random_graphs(case):
    g, sources, targets = case
    index = ContractionHierarchy(g)
    got = index.matrix(sources, targets)
    assert got.shape == (len(sources), len(targets))
    if sources and targets:
        want = _exact(g, sources)[:, targets]
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=0)


@pytest.mark.parametrize("metric", ["length", "travel_time"])
def test_bucket_matrix_equals_scipy_on_a_road_network(metric):
    g = routeopt.generate("road", n=5000, seed=0).graph.with_metric(metric)
    rng = np.random.default_rng(1)
    sources, targets = rng.integers(g.num_nodes, size=100), rng.integers(g.num_nodes, size=100)
    got = build(g).matrix(sources, targets)
    np.testing.assert_allclose(got, _exact(g, sources)[:, targets], rtol=1e-9, atol=0)
    assert np.isfinite(got).all()


def test_ch_solver_answers_many_to_many_by_buckets():
    g = routeopt.generate("road", n=2000, seed=3).graph.with_metric("travel_time")
    rng = np.random.default_rng(2)
    sources, targets = rng.integers(g.num_nodes, size=12), rng.integers(g.num_nodes, size=9)
    sources[3] = sources[0]                       # repeats keep their rows
    problem = PathsProblem.many_to_many(g, sources, targets, check_exact=True)
    r = solve(problem, "ch", time_limit=600)
    assert r.status == routeopt.Status.OPTIMAL and r.violations == []
    assert r.metadata["method"] == "buckets" and r.metadata["bucket_entries"] > 0
    assert r.metadata["answered"] == sources.size * targets.size
    np.testing.assert_allclose(r.solution.distances.reshape(12, 9), _exact(g, sources)[:, targets], rtol=1e-9)
    with_paths = solve(problem.with_queries(sources, targets, return_paths=True), "ch", time_limit=600)
    assert with_paths.metadata["method"] == "pairwise queries" and with_paths.violations == []
