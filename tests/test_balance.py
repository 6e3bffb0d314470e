"""The balance family: evaluator, generators, every solver checked by the evaluator, the exact
BIP never beaten, BIP close to it, the causal stream mode, bad input, JSON and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

import routeopt  # noqa: E402
from routeopt.errors import InputError, UnsupportedError  # noqa: E402
from routeopt.instances.balance.problem import BalanceProblem, BalanceSolution  # noqa: E402
from routeopt.solvers.registry import solve  # noqa: E402

HEURISTICS = ["bip", "lossfree", "sinkhorn", "greedy", "expert-choice"]


def _random(seed: int) -> BalanceProblem:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(3, 7))
    k = int(rng.integers(1, m))
    n = int(rng.integers(10, 60))
    scores = rng.random((n, m)) + rng.normal(0, 0.5, m)[None, :] ** 2
    return BalanceProblem(scores, k=k, capacity_factor=float(rng.choice([1.0, 1.25])), name=f"rand{seed}")


# ----------------------------------------------------------------------------- evaluator
def test_evaluate_feasible_and_details():
    p = BalanceProblem(np.array([[3.0, 1.0, 0.0], [2.0, 0.0, 1.0], [1.0, 2.0, 0.0]]), k=1,
                       placement=np.array([0, 0, 1]))
    e = p.evaluate(BalanceSolution(np.array([[0], [2], [1]])))
    assert e.feasible and e.objective == 6.0
    assert e.details["loads"] == [1, 1, 1] and e.details["max_vio"] == 0.0
    assert e.details["device_loads"] == [2, 1]
    assert e.details["score_ratio"] == pytest.approx(6.0 / 7.0)


@pytest.mark.parametrize("experts, kind", [
    ([[0, 0], [1, 2], [1, 2]], "duplicate"),
    ([[0], [1], [2]], "wrong_k"),
    ([[0, 5], [1, 2], [0, 2]], "expert_range"),
    ([[0, -1], [1, 2], [0, 2]], "dropped"),
    ([[0, 1], [0, 1], [0, 1]], "capacity"),
])
def test_evaluate_violations(experts, kind):
    p = BalanceProblem(np.ones((3, 3)), k=2)          # capacity ceil(2*3/3) = 2
    e = p.evaluate(BalanceSolution(np.array(experts)))
    assert kind in {v.kind for v in e.violations}, e.violations


def test_evaluate_wrong_shape_never_raises():
    p = BalanceProblem(np.ones((3, 3)), k=1)
    e = p.evaluate(BalanceSolution(np.array([0, 1, 2])))
    assert [v.kind for v in e.violations] == ["shape"]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, words", [
    ({"scores": np.ones(4)}, "2-D"),
    ({"scores": np.array([[1.0, np.nan]])}, "scores[0][1] is nan"),
    ({"scores": np.ones((4, 2)), "k": 3}, "k=3"),
    ({"scores": np.ones((4, 2)), "capacity_factor": 0.5}, "capacity_factor"),
    ({"scores": np.ones((4, 2)), "placement": np.array([0, 1, 2])}, "placement"),
])
def test_bad_input(kwargs, words):
    with pytest.raises(InputError) as info:
        BalanceProblem(**kwargs)
    assert words in str(info.value) and "\n" not in str(info.value)


def test_bad_generator_input():
    with pytest.raises(InputError, match="unknown parameter"):
        routeopt.generate("balance-zipf", n=16, m=4, colour=3)
    with pytest.raises(InputError, match="k=9"):
        routeopt.generate("balance-zipf", n=16, m=4, k=9)


def test_milp_refuses_huge():
    p = BalanceProblem(np.zeros((1, 1)), k=1)
    from routeopt.solvers.balance.milp import MAX_PAIRS, BalanceMILPSolver
    big = routeopt.generate("balance-gaussian", n=MAX_PAIRS // 8 + 1, m=8, k=1)
    with pytest.raises(UnsupportedError, match="token-expert pairs"):
        BalanceMILPSolver().check(big)
    BalanceMILPSolver().check(p)


# ----------------------------------------------------------------------------- generators
@pytest.mark.parametrize("kind", ["balance-gaussian", "balance-zipf", "balance-hot", "balance-drift"])
def test_generators_seeded(kind):
    a = routeopt.generate(kind, n=64, seed=3, m=8, k=2)
    b = routeopt.generate(kind, n=64, seed=3, m=8, k=2)
    assert a.fingerprint() == b.fingerprint() and a.scores.shape == (64, 8)
    assert np.allclose(a.scores.sum(1), 1.0)                    # softmax gates
    if kind == "balance-drift":
        later = routeopt.generate(kind, n=64, seed=3, m=8, k=2, step=50)
        assert later.fingerprint() != a.fingerprint()


# ----------------------------------------------------------------------------- solvers
def test_every_solver_checked_by_the_evaluator():
    p = routeopt.generate("balance-zipf", n=200, seed=1, m=8, k=2, devices=4)
    milp = solve(p, "balance-milp", time_limit=30)
    assert milp.status.value == "OPTIMAL" and milp.bound == pytest.approx(milp.objective)
    for name in HEURISTICS:
        r = solve(p, name)
        e = p.evaluate(r.solution)
        # bip's default finish proves its answer optimal; the others are feasible (or proved so by
        # their bound when it happens to meet their objective)
        assert r.status.value in ("FEASIBLE", "OPTIMAL"), (name, r.violations)
        assert r.bound >= milp.objective - 1e-9 * milp.objective, name
        assert r.objective == pytest.approx(e.objective) and e.feasible
        assert r.objective <= milp.objective + 1e-9
    spill = solve(p, "llep", min_chunk=4)
    assert spill.status.value == "INFEASIBLE"                  # keeps top-k, ignores expert capacity
    assert {v.kind for v in spill.violations} == {"capacity"}
    assert spill.metadata["device_max_vio_after"] < spill.metadata["device_max_vio_before"]
    assert sum(spill.metadata["device_loads_after"]) == 200 * 2


@pytest.mark.parametrize("seed", range(8))
def test_milp_never_beaten(seed):
    p = _random(seed)
    milp = solve(p, "balance-milp", time_limit=30)
    assert milp.status.value == "OPTIMAL"
    for name in HEURISTICS + ["llep"]:
        r = solve(p, name)
        if r.status.value in ("FEASIBLE", "OPTIMAL"):
            assert r.objective <= milp.objective + 1e-9, name
        else:
            assert r.violations, name


@pytest.mark.parametrize("kind, k", [("balance-zipf", 2), ("balance-gaussian", 1), ("balance-hot", 2)])
def test_bip_close_to_milp(kind, k):
    p = routeopt.generate(kind, n=256, seed=0, m=8, k=k)
    milp = solve(p, "balance-milp", time_limit=30).objective
    bip = solve(p, "bip", finish="topk")                  # the paper's routing, capacity-repaired
    assert bip.status.value in ("FEASIBLE", "OPTIMAL")
    assert (milp - bip.objective) / milp <= 0.005
    assert solve(p, "bip").objective == pytest.approx(milp, rel=1e-9)     # the default exact finish


def test_greedy_drop_mode_reports_dropped():
    p = routeopt.generate("balance-hot", n=128, seed=0, m=8, k=1)
    r = solve(p, "greedy", overflow="drop", repair=False)
    assert "dropped" in {v.kind for v in r.violations}


def _sequential_repair(s, experts, capacity):
    """The repair rounds written out one token and one expert at a time (no exchanges)."""
    n, m = s.shape
    table = [list(row) for row in experts]
    for e in range(m):                      # an overloaded expert keeps its best tokens
        holders = sorted(((t, j) for t in range(n) for j, x in enumerate(table[t]) if x == e),
                         key=lambda tj: -s[tj[0], e])
        for t, j in holders[capacity:]:
            table[t][j] = -1
    load = [sum(row.count(e) for row in table) for e in range(m)]
    while True:
        offers = []                         # each token offers its open slots to its best open experts
        for t in range(n):
            open_experts = sorted((e for e in range(m) if load[e] < capacity and e not in table[t]),
                                  key=lambda e: -s[t, e])
            offers += [(t, e) for e in open_experts[:table[t].count(-1)]]
        if not offers:
            return table
        taken = []                          # each expert takes the best offers that fit
        for e in range(m):
            mine = sorted((t for t, x in offers if x == e), key=lambda t: -s[t, e])
            taken += [(t, e) for t in mine[:capacity - load[e]]]
        for t, e in sorted(taken, key=lambda te: (te[0], -s[te[0], te[1]])):
            table[t][table[t].index(-1)] = e
            load[e] += 1


@pytest.mark.parametrize("seed", range(6))
def test_repair_matches_sequential_rounds(seed):
    from routeopt.solvers.balance.common import repair
    rng = np.random.default_rng(seed)
    n, m, k = 40, 6, int(rng.integers(1, 4))
    s = rng.normal(0, 1, (n, m)) + np.array([2.0, 1.0, 0.5, 0, 0, 0])     # logits, negatives included
    capacity = int(np.ceil(k * n / m))
    start = torch.as_tensor(s, dtype=torch.float32).topk(k, dim=1).indices
    want = _sequential_repair(s.astype(np.float32), start.tolist(), capacity)
    got, moved = repair(torch.as_tensor(s, dtype=torch.float32), start, capacity, max_rounds=100)
    assert moved > 0 and got.tolist() == want


@pytest.mark.parametrize("name", ["greedy", "expert-choice"])
def test_repair_feasible_when_most_slots_overflow(name):
    """k=8 of 16 experts on a skewed stream: a large part of the slots overflow, and some are left
    with every expert that has room already held, which only an exchange between tokens fills."""
    p = routeopt.generate("balance-zipf", n=2048, seed=0, m=16, k=8)
    r = solve(p, name)
    e = p.evaluate(r.solution)
    assert r.status.value in ("FEASIBLE", "OPTIMAL") and e.feasible, e.violations
    assert e.details["max_load"] <= p.capacity and e.objective == pytest.approx(r.objective)
    assert r.objective <= p.topk_score()
    from routeopt.solvers.balance.common import repair
    s = torch.as_tensor(p.scores, dtype=torch.float32)
    start = s.topk(8, dim=1).indices
    rounds_only, moved = repair(s, start, p.capacity, max_rounds=1000)
    assert moved > 2048 and (rounds_only < 0).any()        # the rounds alone leave slots open
    if name == "greedy":
        drop = solve(p, "greedy", overflow="drop", repair=False)
        assert int((drop.solution.experts < 0).sum()) == drop.metadata["overflow_slots"] == moved


def test_spill_plan_chunks():
    from routeopt.solvers.balance.spill import spill_plan
    plan = spill_plan(np.array([100, 10, 10, 10]), np.array([0, 1, 2, 3]), alpha=1.0, min_chunk=20)
    assert all(mv[3] >= 20 for mv in plan.moves)
    assert plan.device_loads.sum() == 130 and plan.device_loads.max() < 100


# ----------------------------------------------------------------------------- streams
def test_causal_bip_balances_after_warmup():
    from routeopt.solvers.balance.simulate import simulate
    rep = simulate("balance-zipf", n=8192, m=16, k=2, steps=14, warmup=8,
                   methods=["topk", "bip", "bip-causal", "lossfree"])
    rows = {r["method"]: r for r in rep.rows()}
    assert rows["topk"]["avg_max_vio_after_warmup"] > 3
    assert rows["bip"]["sup_max_vio_after_warmup"] < 0.05
    assert rows["bip-causal"]["sup_max_vio_after_warmup"] < 0.05          # 8 blocks per batch
    assert rows["lossfree"]["avg_max_vio_after_warmup"] < rows["topk"]["avg_max_vio_after_warmup"]
    # one block per batch, prices only: the first batch has no earlier prices, so it is plain top-k
    whole = simulate("balance-zipf", n=8192, m=16, k=2, steps=2, warmup=1,
                     methods=["topk", "bip-causal", "bip-causal-raw"],
                     options={"bip-causal": {"chunks": 1}, "bip-causal-raw": {"chunks": 1}})
    rows = {r["method"]: r for r in whole.rows()}
    assert rows["bip-causal-raw"]["first_max_vio"] == pytest.approx(rows["topk"]["first_max_vio"])
    # with the capacity guard no expert ever passes capacity, from the first batch on
    assert rows["bip-causal"]["sup_max_vio"] <= 1e-9
    assert 0 < rows["bip-causal"]["guard_moved"] < 1 and rows["bip-causal-raw"]["guard_moved"] == 0


@pytest.mark.parametrize("n,m,k", [(200, 8, 1), (300, 16, 3), (97, 5, 2)])
def test_first_come_first_served_is_the_sequential_rule(n, m, k):
    """The vectorised guard equals routing token after token, each to its top-k among the
    experts with room when it arrives that keeps the rest of the batch routable."""
    import torch
    from routeopt.solvers.balance.bip import first_come_first_served
    v = torch.rand(n, m, generator=torch.Generator().manual_seed(n))
    v[:, 0] += 0.5                                   # a popular expert, so the guard has work
    cap = -(-n * k // m)
    loads = torch.zeros(m, dtype=torch.long)
    out, moved = first_come_first_served(v, k, cap, loads, window=16)
    ref_loads = [0] * m
    for i in range(n):
        left, room = n - i, [cap - x for x in ref_loads]
        big = [j for j in range(m) if room[j] >= left]
        need = max(0, len(big) - (sum(min(r, left) for r in room) - k * left))
        by_score = sorted((j for j in range(m) if room[j] > 0), key=lambda j: (-float(v[i, j]), j))
        forced = [j for j in by_score if j in big][:need]
        best = forced + [j for j in by_score if j not in forced][:k - need]
        assert sorted(out[i].tolist()) == sorted(best), i
        for j in best:
            ref_loads[j] += 1
    assert loads.tolist() == ref_loads and max(ref_loads) <= cap and moved > 0


def test_causal_bip_never_looks_ahead():
    import torch
    from routeopt.solvers.balance.bip import BIPRouter
    s = torch.rand(1024, 8, generator=torch.Generator().manual_seed(0))
    later = s.clone()
    later[512:] = torch.rand(512, 8, generator=torch.Generator().manual_seed(1)) * 5    # a different future
    a = BIPRouter(8, 2, 1.0, causal=True, chunks=8)(s)
    b = BIPRouter(8, 2, 1.0, causal=True, chunks=8)(later)
    assert torch.equal(a[:512], b[:512]) and not torch.equal(a[512:], b[512:])


# ----------------------------------------------------------------------------- files and CLI
def test_json_round_trip(tmp_path):
    p = routeopt.generate("balance-gaussian", n=32, seed=2, m=4, k=2, devices=2)
    path = routeopt.save(p, tmp_path / "b.json")
    q = routeopt.load(path)
    assert isinstance(q, BalanceProblem) and np.array_equal(q.scores, p.scores)
    assert (q.k, q.capacity, q.placement.tolist()) == (p.k, p.capacity, p.placement.tolist())
    r = solve(q, "bip")
    sol_path = routeopt.save_solution(r.solution, tmp_path / "b.sol.json", q)
    back = routeopt.load_solution(sol_path, q)
    assert q.evaluate(back).objective == pytest.approx(r.objective)


def test_cli(tmp_path):
    from typer.testing import CliRunner
    from routeopt.cli.app import app

    runner = CliRunner()
    res = runner.invoke(app, ["solve", "-g", "balance-zipf", "-p", "n=64", "-p", "m=4", "-p", "k=2",
                              "-s", "bip", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] == "OPTIMAL" and out["metadata"]["max_vio"] <= 0.0 + 1e-9
    assert out["bound"] == out["objective"]
    p = routeopt.generate("balance-hot", n=48, seed=0, m=4, k=1)
    routeopt.save(p, tmp_path / "p.json")
    res = runner.invoke(app, ["solve", str(tmp_path / "p.json"), "-s", "balance-milp"])
    assert res.exit_code == 0 and "OPTIMAL" in res.stdout
    res = runner.invoke(app, ["balance", "simulate", "--n", "256", "--m", "8", "--steps", "3", "--warmup", "1",
                              "--solvers", "topk,bip-causal", "--json"])
    assert res.exit_code == 0 and len(json.loads(res.stdout)["methods"]) == 2
    res = runner.invoke(app, ["solve", "-g", "balance-zipf", "-p", "n=16", "-p", "m=4", "-p", "k=5"])
    assert res.exit_code == 2 and "k=5" in res.output
