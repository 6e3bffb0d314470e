"""Every registered solver declares its options; an unknown or invalid one is a one-line InputError
that names it (and the nearest valid name); the declared defaults are what the code runs with."""

from __future__ import annotations

import inspect
import math
import string

import pytest

import routeopt
from routeopt import InputError
from routeopt.solvers.base import Option, Status
from routeopt.solvers.registry import solver_class, solver_names

NAMES = solver_names()
BUDGET = ("time_limit", "seed", "threads")           # the Budget's, never options


def _options(name: str) -> dict[str, Option]:
    return solver_class(name).declared_options()


def _misspelt(word: str, taken) -> str:
    """``word`` with one letter changed, and not itself a valid name."""
    for i in range(len(word) - 1, -1, -1):
        for c in string.ascii_lowercase:
            if c != word[i]:
                candidate = word[:i] + c + word[i + 1:]
                if candidate not in taken:
                    return candidate
    raise AssertionError(word)


def _numeric() -> list[tuple[str, str]]:
    return [(n, o.name) for n in NAMES for o in _options(n).values() if o.type in (int, float)]


def _worded() -> list[tuple[str, str]]:
    return [(n, o.name) for n in NAMES for o in _options(n).values() if o.choices]


def _out_of_range(opt: Option):
    if opt.low is not None:
        return opt.low - 1
    return opt.high + 1


# ----------------------------------------------------------------------------- declarations
@pytest.mark.parametrize("name", NAMES)
def test_options_are_declared_with_help_and_valid_defaults(name):
    cls = solver_class(name)
    assert isinstance(cls.OPTIONS, tuple)
    declared = cls.declared_options()
    for opt in declared.values():
        assert isinstance(opt, Option) and opt.name.isidentifier()
        assert isinstance(opt.help, str) and opt.help.strip(), f"{name}.{opt.name} has no help"
        assert opt.name not in BUDGET, f"{name}.{opt.name} belongs to the Budget"
        assert opt.validate(opt.default, name) == opt.default
        if opt.default is None:
            continue
        if opt.choices:
            assert all(c == c.lower() for c in opt.choices)     # validation lowercases the word
            assert opt.default in opt.choices
        if opt.type in (int, float):
            assert (opt.low is None or opt.low <= opt.default) and (opt.high is None or opt.default <= opt.high)
        assert opt.describe()["help"] == opt.help
    # construction fills every declared option with its default
    assert cls().options == {key: opt.default for key, opt in declared.items()}
    assert [o["name"] for o in cls.describe()["options"]] == list(declared)


def test_the_budget_is_not_an_option():
    for name in NAMES:
        assert not set(_options(name)) & set(BUDGET), name


# ----------------------------------------------------------------------------- unknown names
@pytest.mark.parametrize("name", NAMES)
def test_unknown_option_names_it_and_the_nearest(name):
    declared = _options(name)
    if declared:
        first = next(iter(declared))
        bad = _misspelt(first, declared)
    else:
        first, bad = None, "bogus"
    with pytest.raises(InputError) as err:
        solver_class(name)(**{bad: 1})
    message = str(err.value)
    assert "\n" not in message and err.value.field == bad
    assert f"no option {bad!r}" in message and f"'{name}'" in message
    if first is not None:
        assert f"did you mean {first!r}" in message
    else:
        assert "its options: none" in message


# ----------------------------------------------------------------------------- bad values
@pytest.mark.parametrize("name, option", _numeric(), ids=lambda x: x)
def test_numeric_option_rejects_wrong_type_and_out_of_range(name, option):
    opt = _options(name)[option]
    for bad in ("abc", [1], True, math.nan):
        with pytest.raises(InputError, match=option) as err:
            solver_class(name)(**{option: bad})
        assert err.value.field == option and "\n" not in str(err.value)
    if opt.type is int:
        with pytest.raises(InputError, match=f"{option} must be an integer"):
            solver_class(name)(**{option: 2.5})
    assert opt.low is not None or opt.high is not None, f"{name}.{option}: no range declared"
    with pytest.raises(InputError, match=f"{option}=.* is out of range") as err:
        solver_class(name)(**{option: _out_of_range(opt)})
    assert err.value.field == option
    # a command-line string in range converts to the option's type
    good = opt.default if opt.default is not None else opt.low
    assert solver_class(name)(**{option: str(good)}).options[option] == good


@pytest.mark.parametrize("name, option", _worded(), ids=lambda x: x)
def test_word_option_rejects_unknown_word_with_hint(name, option):
    opt = _options(name)[option]
    near = _misspelt(opt.choices[-1], opt.choices)
    with pytest.raises(InputError) as err:
        solver_class(name)(**{option: near})
    message = str(err.value)
    assert err.value.field == option and "\n" not in message
    assert f"solver '{name}'" in message and option in message and repr(near) in message
    assert f"did you mean '{opt.choices[-1]}'" in message
    with pytest.raises(InputError, match=option):
        solver_class(name)(**{option: 3})
    # case is ignored, as on a command line
    assert solver_class(name)(**{option: opt.choices[0].upper()}).options[option] == opt.choices[0]


def test_bool_and_typed_options():
    with pytest.raises(InputError, match="repair must be true or false"):
        solver_class("bip")(repair="maybe")
    assert solver_class("bip")(repair="false").options["repair"] is False
    with pytest.raises(InputError, match="initial_solution"):
        solver_class("local")(initial_solution="routes.sol")
    with pytest.raises(InputError, match="ls_options"):
        solver_class("pomo+ls")(ls_options="iterations=5")
    with pytest.raises(InputError, match="iterations"):                 # checked against pyvrp's own
        solver_class("pomo+ls")(ls_options={"iteratons": 5})
    with pytest.raises(InputError, match="neighbours"):                 # ... or local's
        solver_class("pomo+ls")(ls="local", ls_options={"neighbours": 0})
    with pytest.raises(InputError, match="initial_solution"):
        solver_class("pomo+ls")(ls_options={"initial_solution": None})
    assert solver_class("pomo+ls")(ls="local", ls_options={"iterations": 50}).options["ls_options"] == {
        "iterations": 50}
    # none stands for "decide yourself" only where declared so
    assert solver_class("pyvrp")(iterations=None).options["iterations"] is None
    with pytest.raises(InputError, match="samples"):
        solver_class("ecmp")(samples=None)


# ----------------------------------------------------------------------------- through solve
@pytest.fixture(scope="module")
def problems():
    return {
        "balance": routeopt.generate("balance-gaussian", n=64, seed=0, m=8, k=2),
        "vrp": routeopt.generate("cvrp", n=10, seed=0),
        "network": routeopt.generate("leafspine", seed=0),
        "paths": routeopt.generate("road", n=400, seed=0),
    }


@pytest.mark.parametrize("family, solver, bad, message", [
    ("balance", "bip", {"iterations": 0}, r"iterations=0 is out of range \[1, inf\]"),
    ("balance", "bip", {"iteration": 4}, "did you mean 'iterations'"),
    ("balance", "sinkhorn", {"eps": "abc"}, "eps must be a number"),
    ("balance", "llep", {"alpha": 0.5}, r"alpha=0.5 is out of range"),
    ("vrp", "pyvrp", {"iterations": 0}, r"iterations=0 is out of range"),
    ("vrp", "local", {"construction": "savngs"}, "did you mean 'savings'"),
    ("vrp", "ortools", {"first_solution": "nope"}, "first_solution.*'nope'"),
    ("vrp", "pyvrp", {"time_limt": 1}, "has no option 'time_limt'"),
    ("network", "ecmp", {"samples": 0}, r"samples=0 is out of range"),
    ("network", "spray", {"method": "ipn"}, "did you mean 'ipm'"),
    ("network", "split", {"bogus": 1}, "its options: none"),
    ("paths", "penalty", {"max_sharing": 1.5}, r"max_sharing=1.5 is out of range \[0, 1\]"),
    ("paths", "ch", {"settle_limit": "abc"}, "settle_limit must be an integer"),
    ("paths", "dijkstra", {"bogus": 1}, "solver 'dijkstra' has no option 'bogus'"),
])
def test_bad_option_through_solve(problems, family, solver, bad, message):
    (key,) = bad
    with pytest.raises(InputError, match=message) as err:
        routeopt.solve(problems[family], solver, time_limit=1, **bad)
    assert err.value.field == key and key in str(err.value) and "\n" not in str(err.value)


def test_bad_option_for_auto_names_the_chosen_solver(problems):
    with pytest.raises(InputError, match="solver 'bip' has no option 'bogus'"):
        routeopt.solve(problems["balance"], "auto", bogus=1)


@pytest.mark.parametrize("family", ["balance", "vrp", "network", "paths"])
def test_defaults_still_solve(problems, family):
    p = problems[family]
    r = routeopt.solve(p, time_limit=0.3 if family == "vrp" else 5)
    assert r.status in (Status.FEASIBLE, Status.OPTIMAL), r.message
    assert not p.evaluate(r.solution).violations and not r.violations


def test_declared_options_reach_the_solver(problems):
    p = problems["balance"]
    plain = routeopt.solve(p, "balance-greedy", overflow="drop", repair=False)
    assert plain.metadata["overflow"] == "drop"
    r = routeopt.solve(problems["network"], "ecmp", samples="3")
    assert r.metadata["samples"] == 3
    r = routeopt.solve(problems["network"], "spray", method="simplex")
    assert r.status == Status.OPTIMAL


def test_ch_index_built_by_hand_is_the_solvers_default(problems):
    from routeopt.instances.paths.problem import PathsProblem
    from routeopt.solvers.paths import ch

    graph = routeopt.generate("road", n=100, seed=1, queries=4).graph
    ch.build(graph)                                   # the keyword defaults ...
    r = routeopt.solve(PathsProblem.pair(graph, 0, 5), "ch")
    assert r.metadata["index_cached"] is True         # ... are the declared ones: one index


# ----------------------------------------------------------------------------- no second default
def _keyword_defaults(fn) -> dict:
    return {k: p.default for k, p in inspect.signature(fn).parameters.items()
            if p.default is not inspect.Parameter.empty}


@pytest.mark.parametrize("solver, target, differ", [
    ("ch", "routeopt.solvers.paths.ch:ContractionHierarchy", ()),
    ("wormhole", "routeopt.solvers.paths.wormhole:WormHole", ("budget",)),     # None there means 40
    ("penalty", "routeopt.solvers.paths.alternatives:penalty", ()),
    ("plateau", "routeopt.solvers.paths.alternatives:plateau", ()),
    ("balance-greedy", "routeopt.solvers.balance.greedy:GreedyRouter", ()),
    ("sinkhorn", "routeopt.solvers.balance.sinkhorn:SinkhornRouter", ()),
    ("lossfree", "routeopt.solvers.balance.lossfree:LossFreeRouter", ()),
    ("bip", "routeopt.solvers.balance.bip:BIPRouter", ("iterations",)),       # one batch: 16, a stream: 4
    ("llep", "routeopt.solvers.balance.spill:spill_plan", ()),
])
def test_helper_defaults_agree_with_declarations(solver, target, differ):
    """Where an option is passed down to a helper that has its own keyword default, the two agree
    (except where documented), so the helper used alone behaves like the solver."""
    import importlib

    module, _, attr = target.partition(":")
    helper = getattr(importlib.import_module(module), attr)
    defaults = _keyword_defaults(helper)
    declared = _options(solver)
    shared = [k for k in declared if k in defaults and k not in differ]
    assert shared, f"{solver}: no option reaches {attr}"
    for key in shared:
        assert defaults[key] == declared[key].default, f"{solver}.{key}: {attr} says {defaults[key]!r}"
