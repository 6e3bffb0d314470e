"""Minimal splitting on fat-trees: the LP value (ideal spraying) with the fewest pieces.

Every answer is re-scored by ``problem.evaluate`` (``solve`` does it); the LP and the unsplittable
MILP are the real HiGHS models. Where the MILP reaches the LP with one path per flow, equal-size
flows must get one path each; where the split says one path per flow cannot reach the LP, the
MILP must agree.
"""

from __future__ import annotations

import numpy as np
import pytest

import routeopt
from routeopt.instances.network.generate import generate_network
from routeopt.instances.network.problem import fat_tree
from routeopt.solvers.network.split import equitable_colouring, tree_round

PATTERNS = ["all-to-all", "ring", "permutation", "incast"]
AMPLE = 1e6          # host links that never bind: the fabric is what is measured


def resized(p, kind: str, seed: int = 0):
    """``p`` with unequal sizes: whole numbers 1..4 (a common unit) or reals in [0.5, 2]."""
    rng = np.random.default_rng(seed)
    z = rng.integers(1, 5, p.size).astype(float) if kind == "units" else rng.uniform(0.5, 2.0, p.size)
    return p.with_flows([(int(s), int(t), float(x)) for (s, t), x in zip(p.flows.tolist(), z)])


def check_split(p, milp_limit: int = 200):
    lp = routeopt.solve(p, solver="spray")
    sp = routeopt.solve(p, solver="split", time_limit=30)
    assert lp.status == routeopt.Status.OPTIMAL
    assert sp.status == routeopt.Status.FEASIBLE, sp.violations
    assert not p.evaluate(sp.solution).violations
    assert sp.objective >= lp.objective * (1 - 1e-9)                 # never below the bound
    assert sp.objective == pytest.approx(lp.objective, rel=1e-9)      # and the bound is reached
    assert sp.metadata["lp_congestion"] == pytest.approx(lp.objective, rel=1e-9)
    assert sp.metadata["ratio_to_lp"] == pytest.approx(1.0, rel=1e-9)
    pieces = [len(route) for route in sp.solution.flows]
    assert sp.metadata["pieces_per_flow"] == pytest.approx(np.mean(pieces))
    assert sp.metadata["max_pieces"] == max(pieces)
    milp = None
    if p.size <= milp_limit:
        milp = routeopt.solve(p, solver="network-milp", time_limit=2)
        assert milp.objective >= lp.objective * (1 - 1e-7)
        if "reason" in sp.metadata and milp.status == routeopt.Status.OPTIMAL:
            # one path per flow provably cannot reach the LP: the exact unsplittable optimum agrees
            assert milp.objective > lp.objective * (1 + 1e-7), sp.metadata["reason"]
    return lp, sp, milp


@pytest.mark.parametrize("k", [4, 8])
@pytest.mark.parametrize("pattern", PATTERNS)
def test_equal_flows_reach_the_lp_with_one_path_each(k, pattern):
    # all hosts take part except all-to-all on k = 8 (flows grow as n^2; 48 hosts: 2,256 flows)
    hosts = 48 if (k == 8 and pattern == "all-to-all") else (12 if pattern == "all-to-all" else None)
    for host_capacity in (None, AMPLE):
        p = generate_network("fattree", seed=2, k=k, traffic=pattern, hosts=hosts, host_capacity=host_capacity)
        lp, sp, milp = check_split(p, milp_limit=200 if k == 4 else 0)
        if sp.metadata["pieces_needed"] == 1:
            # p = 1 balanced every cut: one path per flow, as few pieces as there can be
            assert sp.metadata["max_pieces"] == 1, sp.metadata
        if milp is not None and milp.objective <= lp.objective * (1 + 1e-7):
            assert sp.metadata["max_pieces"] == 1


@pytest.mark.parametrize("pattern", ["ring", "permutation"])
def test_equal_flows_match_the_milp_on_k8(pattern):
    p = generate_network("fattree", seed=5, k=8, traffic=pattern, hosts=40, host_capacity=AMPLE)
    lp, sp, milp = check_split(p)
    if milp.objective <= lp.objective * (1 + 1e-7):
        assert sp.metadata["max_pieces"] == 1


def test_a_cut_filled_exactly_needs_pieces_and_says_so():
    # one edge switch (2 uplinks) sends 3 equal flows across pods: 1.5 per uplink at the LP value
    net = fat_tree(4, host_capacity=AMPLE)
    q = net.with_flows([("h0", "h4", 1.0), ("h0", "h8", 1.0), ("h1", "h12", 1.0)])
    lp, sp, milp = check_split(q)
    assert lp.objective == pytest.approx(1.5)
    assert sp.metadata["pieces_needed"] == 2 and "edge0.0 sends 3 flows" in sp.metadata["reason"]
    assert milp.objective == pytest.approx(2.0)          # whole flows: 2 on one uplink
    # halves, each on one path (the fewest would split one flow only: 4 sub-flows, not always found)
    assert sp.metadata["max_pieces"] == 2 and sp.metadata["pieces_per_unit"] == 2


@pytest.mark.parametrize("k", [4, 8])
@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("sizes", ["units", "reals"])
def test_unequal_flows_reach_the_lp(k, pattern, sizes):
    hosts = 12 if pattern == "all-to-all" else (40 if k == 8 else None)
    for host_capacity in (None, AMPLE):
        p = resized(generate_network("fattree", seed=1, k=k, traffic=pattern, hosts=hosts,
                                     host_capacity=host_capacity), sizes)
        _, sp, _ = check_split(p, milp_limit=200 if k == 4 else 0)
        assert sp.metadata["max_pieces"] <= (k // 2) ** 2


def test_k16_ring_one_path_per_flow():
    p = generate_network("fattree", seed=0, k=16, traffic="ring", host_capacity=AMPLE)
    sp = routeopt.solve(p, solver="split", time_limit=60)
    assert not sp.violations
    assert sp.objective == pytest.approx(1.0) and sp.metadata["lp_congestion"] == pytest.approx(1.0)
    assert sp.metadata["max_pieces"] == 1


def test_uneven_tiers_fall_back_to_a_valid_answer():
    net = fat_tree(4, host_capacity=AMPLE)
    cap = net.capacity.copy()
    cap[np.argmax(cap < AMPLE)] = 0.5                   # one switch link half as wide: spraying is not the LP
    uneven = type(net)(list(net.nodes), list(net.hosts), net.links, cap, net.flows, net.demand, topology="fattree")
    p = uneven.with_flows([(f"h{i}", f"h{(i + 5) % 16}", 1.0) for i in range(16)])
    lp = routeopt.solve(p, solver="spray")
    sp = routeopt.solve(p, solver="split")
    assert not sp.violations and sp.objective >= lp.objective * (1 - 1e-9)
    assert "lp_congestion" not in sp.metadata             # not claimed where not known


def test_rounding_keeps_every_laminar_group_within_one():
    rng = np.random.default_rng(0)
    cells = rng.choice(144, 60, replace=False)               # distinct (row leaf, column leaf) pairs
    count = rng.integers(0, 40, 60)
    row_leaf, col_leaf = cells // 12, cells % 12
    row_top, col_top = np.arange(12) // 3, np.arange(12) % 4
    for m in (2, 3, 7):
        X = tree_round(count, row_leaf, row_top, col_leaf, col_top, m)
        groups = [np.eye(60, dtype=bool)]
        groups += [row_leaf == g for g in range(12)] + [col_leaf == g for g in range(12)]
        groups += [row_top[row_leaf] == g for g in range(4)] + [col_top[col_leaf] == g for g in range(4)]
        for mask in groups:
            mask = np.atleast_2d(mask)
            got, want = (mask * X).sum(axis=1), (mask * count).sum(axis=1) / m
            assert np.all(got >= np.floor(want)) and np.all(got <= np.ceil(want))
    M = rng.integers(0, 9, (5, 6))
    colours = equitable_colouring(M, 4)
    assert np.array_equal(colours.sum(axis=0), M)
    for axis in (1, 2):
        per = colours.sum(axis=axis)
        want = M.sum(axis=axis - 1) / 4
        assert np.all(per >= np.floor(want)) and np.all(per <= np.ceil(want))
