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


# ------------------------------------------------------------ two metrics: road_matrices / road_path
from routeopt.errors import InputError  # noqa: E402
from routeopt.solvers.paths.matrix import road_matrices, road_path  # noqa: E402


def _along(g: Graph, path: np.ndarray) -> tuple[float, float]:
    """Length and travel time summed over the arcs of ``path`` (each arc must exist)."""
    if path.size < 2:
        return 0.0, 0.0
    arcs = g.arc_ids(path[:-1], path[1:])
    assert (arcs >= 0).all(), "the path uses an arc the graph does not have"
    return float(g.weights[arcs].sum()), float(g.durations[arcs].sum())


@st.composite
def two_metric_cases(draw):
    n = draw(st.integers(1, 25))
    m = draw(st.integers(0, 3 * n))
    node = st.integers(0, n - 1)
    value = st.one_of(st.just(0.0), st.integers(0, 4).map(float), st.floats(0.0, 10.0))
    tails = draw(st.lists(node, min_size=m, max_size=m))
    heads = draw(st.lists(node, min_size=m, max_size=m))
    lengths = draw(st.lists(value, min_size=m, max_size=m))
    times = draw(st.lists(value, min_size=m, max_size=m))
    g = Graph.from_edges(n, tails, heads, lengths, durations=times, directed=draw(st.booleans()))
    return g, draw(st.lists(node, min_size=1, max_size=6)), draw(st.lists(node, min_size=1, max_size=6))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=two_metric_cases())
def test_road_matrices_equal_dijkstra_and_their_paths(case):
    """Both methods, both metrics: the routing metric is scipy's exact distance; the other one is
    the sum along the path road_path returns, which also sums to the routing metric (zero
    weights, ties and unreachable pairs included)."""
    g, sources, targets = case
    for by, routing in (("time", g.with_metric("travel_time")), ("length", g)):
        want = _exact(routing, sources)[:, targets]
        for method in ("ch", "dijkstra"):
            primary, secondary = road_matrices(g, sources, targets, by=by, method=method)
            np.testing.assert_allclose(primary, want, rtol=1e-9, atol=1e-12)
            for i, s in enumerate(sources):
                for j, t in enumerate(targets):
                    path = road_path(g, s, t, by=by, method=method)
                    if not np.isfinite(want[i, j]):
                        assert path.size == 0 and secondary[i, j] == np.inf
                        continue
                    assert path[0] == s and path[-1] == t
                    length, time = _along(g, path)
                    got = (time, length) if by == "time" else (length, time)
                    np.testing.assert_allclose(got, (primary[i, j], secondary[i, j]), rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=two_metric_cases())
def test_batched_distances_equal_single_queries(case):
    g, sources, targets = case
    k = min(len(sources), len(targets))
    index = ContractionHierarchy(g)
    got = index.distances(sources[:k], targets[:k])
    want = [index.query(s, t, False)[0] for s, t in zip(sources[:k], targets[:k])]
    np.testing.assert_array_equal(got, want)


def test_road_matrices_on_a_road_network_agree_across_methods():
    g = routeopt.generate("road", n=3000, seed=2).graph
    rng = np.random.default_rng(4)
    sources, targets = rng.integers(g.num_nodes, size=30), rng.integers(g.num_nodes, size=20)
    time_ch, length_ch = road_matrices(g, sources, targets, method="ch")
    time_dj, length_dj = road_matrices(g, sources, targets, method="dijkstra")
    np.testing.assert_allclose(time_ch, time_dj, rtol=1e-9)
    np.testing.assert_allclose(time_ch, _exact(g.with_metric("travel_time"), sources)[:, targets], rtol=1e-9)
    # real-valued lengths: ties between equally quick routes do not happen, so the lengths agree too
    np.testing.assert_allclose(length_ch, length_dj, rtol=1e-9)
    length, time = _along(g, road_path(g, sources[0], targets[0], method="ch"))
    np.testing.assert_allclose((time, length), (time_ch[0, 0], length_ch[0, 0]), rtol=1e-9)


def test_road_matrices_choose_dijkstra_for_small_jobs_and_validate():
    g = routeopt.generate("road", n=300, seed=1).graph
    road_matrices(g, [0, 1], [2, 3])
    assert not any(key.startswith("ch:") for key in g.cache["routed:time"].cache)      # no index built
    with pytest.raises(InputError, match="targets has node 300"):
        road_matrices(g, [0], [300])
    with pytest.raises(InputError, match="source has node -1"):
        road_path(g, -1, 3)
    with pytest.raises(InputError, match="by must be"):
        road_matrices(g, [0], [1], by="speed")
    with pytest.raises(InputError, match="no travel times"):
        road_matrices(Graph.from_edges(2, [0], [1], [1.0]), [0], [1])
    with pytest.raises(InputError, match="sources has node 9"):
        ContractionHierarchy(g).distances([9_999], [0])


# ------------------------------------------------ contraction in rounds of independent nodes, threads
import numba  # noqa: E402


def _threads_to_try() -> list[int]:
    return sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def _built_on(threads: int, g: Graph, **options) -> ContractionHierarchy:
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return ContractionHierarchy(g, **options)
    finally:
        numba.set_num_threads(before)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_rounds_give_exact_distances_and_one_hierarchy_for_any_thread_count(case):
    """Witness searches of one round run side by side and may not see each other's nodes
    (zero-weight arcs and ties make that matter): every distance stays scipy's, and the
    hierarchy does not depend on the thread count."""
    g, _, _ = case
    want = _exact(g, np.arange(g.num_nodes))
    built = [_built_on(t, g, rounds=True) for t in _threads_to_try()]
    for index in built:
        np.testing.assert_allclose(index.matrix(np.arange(g.num_nodes), np.arange(g.num_nodes)), want,
                                   rtol=1e-9, atol=0)
    for a, b in zip(built, built[1:]):
        np.testing.assert_array_equal(a.rank, b.rank)
        np.testing.assert_array_equal(a.up_head, b.up_head)
        np.testing.assert_array_equal(a.dn_w, b.dn_w)


@pytest.mark.parametrize("metric", ["travel_time", "length"])
def test_rounds_on_a_road_network_equal_scipy_and_the_sequential_order(metric):
    g = routeopt.generate("road", n=6000, seed=4).graph.with_metric(metric)
    rng = np.random.default_rng(5)
    sources, targets = rng.integers(g.num_nodes, size=40), rng.integers(g.num_nodes, size=40)
    want = _exact(g, sources)[:, targets]
    a, b = np.repeat(sources, 40), np.tile(targets, 40)
    sequential = _built_on(1, g, rounds=False)
    np.testing.assert_allclose(sequential.distances(a, b).reshape(40, 40), want, rtol=1e-9, atol=0)
    for threads in _threads_to_try():
        index = _built_on(threads, g, rounds=True)
        np.testing.assert_allclose(index.distances(a, b).reshape(40, 40), want, rtol=1e-9, atol=0)
        np.testing.assert_allclose(index.matrix(sources, targets), want, rtol=1e-9, atol=0)
        # about as many shortcuts as one node at a time (the order differs, not its quality)
        assert index.shortcuts <= 1.1 * sequential.shortcuts
