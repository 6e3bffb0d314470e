"""The exact balance solver and the proved bounds: ``exact`` (and ``bip``'s exact finish) equal
the MILP optimum on every generator, and every balance solver's bound is at least the optimum and
at least its own objective. Real HiGHS through ``balance-milp``; answers scored by the problem."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)

import routeopt  # noqa: E402
from routeopt.errors import InputError  # noqa: E402
from routeopt.instances.balance.generate import BALANCE_GENERATORS  # noqa: E402
from routeopt.instances.balance.problem import BalanceProblem  # noqa: E402
from routeopt.solvers.registry import solve  # noqa: E402

REL = 1e-9
ALL = ["bip", "exact", "lossfree", "sinkhorn", "balance-greedy", "expert-choice", "llep", "balance-milp"]

# every generator, plus raw logits with strongly preferred experts (per-expert offsets far above
# the token noise), the case where BIP's top-k routing is furthest from the optimum
CASES = [(kind, {}) for kind in BALANCE_GENERATORS] + [
    ("balance-gaussian", {"spread": 2.0, "activation": "none"}),
    ("balance-hot", {"boost": 4.0, "activation": "none", "hot": 3}),
    ("balance-zipf", {"exponent": 2.0, "activation": "sigmoid", "capacity_factor": 1.25}),
]


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-12)


@pytest.fixture(scope="module", params=range(len(CASES)), ids=lambda i: f"{CASES[i][0]}-{i}")
def case(request):
    kind, law = CASES[request.param]
    p = routeopt.generate(kind, n=384, seed=request.param, m=12, k=2, **law)
    milp = solve(p, "balance-milp", time_limit=60)
    assert milp.status.value == "OPTIMAL"
    return p, milp.objective


def test_exact_equals_the_milp_optimum(case):
    p, opt = case
    r = solve(p, "exact")
    assert r.status.value == "OPTIMAL" and not r.violations
    assert _close(r.objective, opt) and r.bound == r.objective
    assert p.evaluate(r.solution).objective == r.objective


def test_bip_exact_finish_equals_the_optimum(case):
    p, opt = case
    r = solve(p, "bip")                                   # the default finish
    assert r.status.value == "OPTIMAL" and _close(r.objective, opt)
    plain = solve(p, "bip", finish="topk")                # the paper's routing, repaired
    assert plain.status.value in ("FEASIBLE", "OPTIMAL") and plain.objective <= opt * (1 + REL)


@pytest.mark.parametrize("name", ALL)
def test_every_bound_holds(case, name):
    p, opt = case
    r = solve(p, name, **({"min_chunk": 4} if name == "llep" else {}))
    assert r.bound is not None, name
    assert r.bound >= opt - REL * abs(opt), (name, r.bound, opt)
    if r.status.value in ("OPTIMAL", "FEASIBLE"):
        assert r.bound >= r.objective - REL * abs(r.objective), name
        assert r.proved_gap is not None and r.proved_gap >= -1e-7       # maximisation: bound above
    if r.status.value == "OPTIMAL":
        assert _close(r.objective, opt), name


@pytest.mark.parametrize("seed", range(12))
def test_exact_on_random_shapes_ties_and_slack(seed):
    """Odd sizes, integer scores full of ties, spare capacity (an expert may end with room and
    must then be free in the dual), k up to m."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(2, 9))
    k = int(rng.integers(1, m + 1))
    n = int(rng.integers(1, 70))
    scores = (rng.integers(0, 3, (n, m)).astype(float) if seed % 2
              else rng.normal(0, 1, (n, m)) + rng.normal(0, 3, m))
    p = BalanceProblem(scores, k=k, capacity_factor=float(rng.choice([1.0, 1.3, 3.0])))
    opt = solve(p, "balance-milp", time_limit=30).objective
    r = solve(p, "exact")
    assert r.status.value == "OPTIMAL" and _close(r.objective, opt), (seed, r.objective, opt)


def test_bound_is_the_lagrangian_of_any_prices():
    from routeopt.solvers.balance.bound import lagrangian_bound

    p = routeopt.generate("balance-hot", n=200, seed=3, m=8, k=2)
    opt = solve(p, "balance-milp").objective
    s = torch.as_tensor(p.scores, dtype=torch.float64)
    rng = np.random.default_rng(0)
    for _ in range(20):
        q = torch.as_tensor(rng.exponential(0.05, 8))
        assert lagrangian_bound(s, 2, p.capacity, q) >= opt - 1e-12
    assert lagrangian_bound(s, 2, p.capacity, torch.zeros(8)) == pytest.approx(p.topk_score())


def test_causal_bip_is_not_an_oracle():
    p = routeopt.generate("balance-zipf", n=256, seed=0, m=8, k=2)
    r = solve(p, "bip", causal=True)                # the default exact finish would see the batch
    assert r.status.value in ("FEASIBLE", "OPTIMAL") and r.bound is not None
    with pytest.raises(InputError, match="causal=true forbids") as err:
        solve(p, "bip", causal=True, finish="exact")
    assert err.value.field == "finish" and "\n" not in str(err.value)


def test_exact_time_limit_keeps_a_feasible_answer():
    p = routeopt.generate("balance-zipf", n=2048, seed=0, m=32, k=4)
    r = solve(p, "exact", time_limit=0.01)
    assert r.status.value in ("FEASIBLE", "OPTIMAL") and not r.violations
    assert r.bound >= r.objective - REL * abs(r.objective)


def test_comparator_shows_the_proved_gap():
    """A maximisation: the proved gap is (bound - objective) / objective, 0 for the exact answer."""
    p = routeopt.generate("balance-gaussian", n=256, seed=0, m=8, k=2, spread=2.0, activation="none")
    report = routeopt.compare([p], ["exact", "balance-greedy"], time_limit=30, workers=1, progress=False)
    rows = {r["solver"]: r for r in report.rows}
    assert rows["exact"]["status"] == "OPTIMAL" and rows["exact"]["proved_gap"] == pytest.approx(0.0, abs=1e-9)
    greedy = rows["balance-greedy"]
    assert greedy["proved_gap"] == pytest.approx(100 * (greedy["bound"] - greedy["objective"]) / greedy["objective"])
    assert greedy["proved_gap"] > 0.0
    summary = report.summary().set_index("solver")
    assert summary.loc["exact", "optimal"] == 1 and summary.loc["balance-greedy", "proved_gap"] > 0.0
