"""Neural solvers in the registry: ``am``, ``pomo``, ``symnco``, ``matnet`` and the hybrid ``pomo+ls``.

They are solvers like any other: ``routeopt.solve(p, solver="pomo")`` returns a Result scored by
``p.evaluate`` in the instance's own units. Options:

- ``checkpoint=PATH``: a model trained by ``routeopt train`` (default: the shipped checkpoint in
  ``data/checkpoints`` of this model and problem whose training size is nearest the instance's);
- ``decode``: greedy | multistart | augment | sampling (see :mod:`.inference`); ``samples`` (64);
- ``device``: auto (GPU when present) | cpu | cuda | cuda:N; ``max_rollouts`` per batch chunk;
- ``any_size=True``: solve even when the instance is far outside the training size.

:func:`solve_batch` decodes many instances at once (one batch per kind and size), the way to
use a GPU; each instance's runtime is its share of the batch's time.

``pomo+ls`` decodes with POMO (x8 augmentation on a GPU, greedy on a CPU), then gives the
answer to PyVRP as its initial solution for the rest of the time limit (``ls="local"``: the
project's own local search); the better of the two answers is returned, so it is never worse
than the neural seed.

>>> import routeopt
>>> p = routeopt.generate("tsp", n=50, seed=0)
>>> routeopt.solve(p, solver="pomo").status.value        # doctest: +SKIP
'FEASIBLE'
"""

from __future__ import annotations

import time
import warnings
from typing import Any, ClassVar, Sequence

from ..errors import InputError, RouteoptError, UnsupportedError
from ..instances.vrp.problem import VRPProblem
from ..solvers.base import Budget, Option, Result, Solver, Status, option_error
from . import checkpoints as ckpts
from .convert import kind_of, neural_size
from .inference import DECODES, Answer, timed_infer

_ATTENTION = frozenset({"capacity", "time_windows", "service_times"})
_MATRIX = frozenset({"asymmetric", "capacity"})


def _decode(default: str | None, when_none: str = "") -> Option:
    """The ``decode`` option; each model has its own default."""
    return Option("decode", str, default, "decoding: greedy, multistart (one rollout per client), augment "
                  "(multistart on 8 transformed copies) or sampling" + when_none,
                  choices=DECODES, none_ok=default is None)


class NeuralSolver(Solver):
    """An rl4co policy loaded from a checkpoint, decoding one tour per instance."""

    family = "vrp"
    kind = "neural"
    library = "rl4co"
    model: ClassVar[str] = "pomo"
    OPTIONS = (
        Option("checkpoint", str, None, "a model trained by 'routeopt train' (none: the shipped checkpoint "
               "of this model and problem whose training size is nearest the instance's)", none_ok=True),
        _decode("augment"),
        Option("samples", int, 64, "rollouts per instance with decode=sampling", low=1),
        Option("device", str, "auto", "torch device: auto (GPU when present), cpu, cuda or cuda:N"),
        Option("max_rollouts", int, None, "rollouts per batch chunk (none: 8192 on a CPU, 262144 on a GPU)",
               low=1, none_ok=True),
        Option("any_size", bool, False, "solve even when the instance is far outside the training size"),
    )

    @property
    def decode(self) -> str:
        return self.options["decode"]

    def _kind(self, problem: VRPProblem) -> str:
        return kind_of(problem, matrix=self.model == "matnet")

    def checkpoint_for(self, problem: VRPProblem) -> tuple[ckpts.Checkpoint, str | None]:
        """The checkpoint that will solve ``problem``, and a warning when it is a poor fit."""
        kind = self._kind(problem)
        size = neural_size(problem, kind)
        given = self.options["checkpoint"]
        ckpt = ckpts.read(given) if given else ckpts.nearest(self.model, kind, size)
        warning = ckpts.check_match(ckpt, self.model, kind, size, problem.name,
                                    any_size=self.options["any_size"])
        return ckpt, warning

    def check(self, problem: VRPProblem) -> None:
        super().check(problem)
        ckpt, _ = self.checkpoint_for(problem)
        # torch, rl4co and the network load here, not in the timed solve
        from .inference import load_policy, resolve_device
        load_policy(ckpt, resolve_device(self.options["device"]))

    @classmethod
    def prepare(cls) -> None:
        """Import torch and rl4co, load every shipped checkpoint of this model onto the default
        device and decode one small instance with each, so that a timed solve only decodes."""
        from . import envs, models  # noqa: F401  (imports torch and rl4co once)
        from .inference import load_policy, resolve_device
        device = resolve_device("auto")
        for ckpt in ckpts.shipped():
            if (ckpt.model == "matnet") != (cls.model == "matnet"):
                continue
            try:
                load_policy(ckpt, device)
                _warm_up(ckpt, device)
            except RouteoptError:    # reported by check() when a solve asks for this checkpoint
                continue

    def _decode(self, problems: Sequence[VRPProblem], ckpt: ckpts.Checkpoint,
                budget: Budget) -> tuple[list[Answer], float]:
        import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(budget.threads)
        try:
            return timed_infer(ckpt, problems, decode=self.decode,
                               samples=self.options["samples"],
                               device=self.options["device"], seed=budget.seed,
                               max_rollouts=self.options["max_rollouts"])
        finally:
            torch.set_num_threads(threads)

    def _result(self, problem: VRPProblem, ckpt: ckpts.Checkpoint, answer: Answer, warning: str | None,
                seconds: float, batch: int) -> Result:
        meta = {"checkpoint": str(ckpt.path), "checkpoint_model": ckpt.model,
                "trained_on": f"{ckpt.kind}{ckpt.size}",
                "decode": self.decode, "rollouts": answer.rollouts, "batch": batch, "batch_time": seconds,
                "rl4co_cost": answer.claimed}
        if warning:
            meta["warning"] = warning
        return Result(self.name, problem.name, Status.FEASIBLE, solution=answer.solution,
                      runtime=seconds / max(batch, 1), message=warning or "", metadata=meta)

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        ckpt, warning = self.checkpoint_for(problem)
        if warning:
            warnings.warn(warning, stacklevel=3)
        (answer,), seconds = self._decode([problem], ckpt, budget)
        return self._result(problem, ckpt, answer, warning, seconds, 1)

    def solve_many(self, problems: Sequence[VRPProblem], budget: Budget) -> list[Result]:
        """Unscored Results for ``problems``, decoded in batches of one kind and size each."""
        groups: dict[tuple, list[int]] = {}
        found: dict[int, tuple[ckpts.Checkpoint, str | None]] = {}
        for i, p in enumerate(problems):
            self.check(p)
            ckpt, warning = found[i] = self.checkpoint_for(p)
            groups.setdefault((str(ckpt.path), neural_size(p, ckpt.kind)), []).append(i)
        results: list[Result | None] = [None] * len(problems)
        for members in groups.values():
            ckpt = found[members[0]][0]
            answers, seconds = self._decode([problems[i] for i in members], ckpt, budget)
            for i, answer in zip(members, answers):
                results[i] = self._result(problems[i], ckpt, answer, found[i][1], seconds, len(members))
        return results  # type: ignore[return-value]


_WARMED: set[tuple[str, str]] = set()


def _warm_up(ckpt: ckpts.Checkpoint, device: Any) -> None:
    """One greedy decode of a small generated instance of ``ckpt``'s kind: rl4co's environment,
    the decoding code and torch's kernels are loaded once, outside any budget."""
    key = (str(ckpt.path), str(device))
    if key in _WARMED:
        return
    from ..instances.generate import generate
    from .inference import infer

    problem = generate(ckpt.kind, n=min(ckpt.size, 10), seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        infer(ckpt, [problem], decode="greedy", device=str(device))
    _WARMED.add(key)


class AttentionModelSolver(NeuralSolver):
    name = "am"
    model = "am"
    OPTIONS = (_decode("greedy"),)
    supports = _ATTENTION
    description = ("Attention Model (Kool et al. 2019, rl4co): TSP, CVRP, VRPTW with coordinates; "
                   "one depot, one vehicle type, fleet not limited")


class POMOSolver(NeuralSolver):
    name = "pomo"
    model = "pomo"
    supports = _ATTENTION
    description = ("POMO (Kwon et al. 2020, rl4co), x8 augmentation: TSP, CVRP, VRPTW with "
                   "coordinates; one depot, one vehicle type, fleet not limited")


class SymNCOSolver(NeuralSolver):
    name = "symnco"
    model = "symnco"
    OPTIONS = (_decode("multistart"),)
    supports = _ATTENTION
    description = ("Sym-NCO (Kim et al. 2022, rl4co): TSP, CVRP, VRPTW with coordinates; one depot, "
                   "one vehicle type, fleet not limited")


class MatNetSolver(NeuralSolver):
    name = "matnet"
    model = "matnet"
    supports = _MATRIX
    description = ("MatNet (Kwon et al. 2021, rl4co) on the distance matrix: ATSP, asymmetric CVRP "
                   "(symmetric ones too); one depot, one vehicle type")


class POMOLocalSearchSolver(POMOSolver):
    """POMO's answer seeds PyVRP (or the project's local search) for the rest of the budget."""

    name = "pomo+ls"
    description = ("POMO, then PyVRP seeded with its answer for the rest of the "
                   "time limit (option ls='local': the built-in local search); never worse than POMO")
    OPTIONS = (
        _decode(None, "; none: augment on a GPU, greedy on a CPU"),
        Option("ls", str, "pyvrp", "the search that improves POMO's answer: PyVRP, or the built-in local "
               "search", choices=("pyvrp", "local")),
        Option("ls_options", dict, None, "options of that search, e.g. {'iterations': 1000} (checked "
               "against its own declared options)", none_ok=True),
    )

    def __init__(self, **options: Any):
        super().__init__(**options)
        extra = self.options["ls_options"]
        if extra:
            where = f"solver '{self.name}': option ls_options: "
            if "initial_solution" in extra:
                raise option_error(where + "initial_solution is POMO's answer, not an option", "ls_options")
            try:                                        # a bad key or value fails now, not mid-run
                self._ls_class().check_options(extra)
            except InputError as exc:
                raise option_error(where + exc.message, "ls_options") from None

    @classmethod
    def prepare(cls) -> None:
        super().prepare()
        import pyvrp  # noqa: F401  (the local search's library, imported before the clock starts)

        from ..solvers.vrp.pyvrp import PyVRPSolver
        PyVRPSolver.prepare()

    def _ls_class(self) -> type[Solver]:
        if self.options["ls"] == "local":
            from ..solvers.vrp.local import LocalSearchSolver
            return LocalSearchSolver
        from ..solvers.vrp.pyvrp import PyVRPSolver
        return PyVRPSolver

    @property
    def decode(self) -> str:
        # On a GPU x8 augmentation takes milliseconds; on a CPU even multistart (one rollout per
        # client) can eat a 1 s budget that the local search uses better, so one greedy rollout.
        if self.options["decode"] is not None:
            return self.options["decode"]
        from .inference import resolve_device
        return "augment" if resolve_device(self.options["device"]).type == "cuda" else "greedy"

    def _solve(self, problem: VRPProblem, budget: Budget) -> Result:
        start = time.perf_counter()
        seed = super()._solve(problem, budget)
        spent = time.perf_counter() - start
        remaining = budget.time_limit - spent
        seed.metadata.update(neural_time=spent, neural_objective=problem.evaluate(seed.solution).objective)
        if remaining < 0.05:
            seed.metadata["ls"] = "skipped: no time left"
            return seed
        ls = self.options["ls"]
        improved = self._improve(problem, seed, ls, Budget(remaining, budget.seed, budget.threads))
        if improved is None:
            return seed
        before = problem.evaluate(seed.solution)
        after = problem.evaluate(improved.solution) if improved.solution is not None else None
        better = after is not None and after.feasible and (
            not before.feasible or after.objective <= before.objective)
        best = improved if better else seed
        best.solver = self.name
        best.status = Status.FEASIBLE
        best.metadata = {**seed.metadata, "ls": ls, "ls_time": remaining,
                         "ls_objective": None if after is None else after.objective,
                         "ls_iterations": improved.metadata.get("iterations"),
                         "ls_kept": bool(better)}
        return best

    def _improve(self, problem: VRPProblem, seed: Result, ls: str, budget: Budget) -> Result | None:
        extra = dict(self.options["ls_options"] or {})
        if ls == "local":
            return self._ls_class()(initial_solution=seed.solution, **extra).solve(problem, budget)
        from pyvrp import Solution as PyVRPSolution

        from ..solvers.vrp.pyvrp import PyVRPSolver, build_data

        data, _ = build_data(problem)
        nd = problem.num_depots
        try:
            initial = PyVRPSolution(data, [[c - nd for c in r.visits] for r in seed.solution.routes if r.visits])
        except (RuntimeError, ValueError) as exc:   # e.g. more routes than vehicles
            seed.metadata["ls_seed_error"] = str(exc)
            initial = None
        return PyVRPSolver(initial_solution=initial, **extra).solve(problem, budget)


def solve_batch(problems: Sequence[VRPProblem], solver: str = "pomo", *, time_limit: float = 10.0,
                seed: int = 0, threads: int = 1, **options: Any) -> list[Result]:
    """Solve many instances with one neural solver, batched; every Result scored by its problem.

    >>> from routeopt.instances.generate import generate
    >>> ps = [generate("tsp", n=50, seed=s) for s in range(100)]
    >>> results = solve_batch(ps, "pomo", decode="augment")          # doctest: +SKIP
    """
    from ..solvers.registry import finalize, solver_class

    cls = solver_class(solver)
    if not issubclass(cls, NeuralSolver) or cls is POMOLocalSearchSolver:
        raise UnsupportedError(f"solve_batch batches neural solvers (am, pomo, symnco, matnet), "
                               f"not '{solver}'")
    s = cls(**options)
    budget = Budget(time_limit=time_limit, seed=seed, threads=threads)
    return [finalize(p, r, s) for p, r in zip(problems, s.solve_many(problems, budget))]


__all__ = ["NeuralSolver", "AttentionModelSolver", "POMOSolver", "SymNCOSolver", "MatNetSolver",
           "POMOLocalSearchSolver", "solve_batch"]
