"""The package's shape: no import cycles, dependencies pointing one way, one folder per family."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = ("vrp", "paths", "balance", "network")


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("tests", "benchmarks", ".venv", "data") or rel.parts[0].startswith("."):
            continue
        parts = ["routeopt", *rel.with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports(name: str, path: Path, known: set[str], top_level_only: bool) -> set[str]:
    """The package's modules that ``name`` imports (at import time only, or anywhere)."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def graph(top_level_only: bool) -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    for name, path in mods.items():
        g.add_node(name)
        for target in imports(name, path, set(mods), top_level_only):
            g.add_edge(name, target)
    return g


def test_no_import_cycles():
    g = graph(top_level_only=True)
    # a package's __init__ re-exporting its own submodules is not a cycle of the code itself
    g.remove_edges_from([(a, b) for a, b in list(g.edges) if b.startswith(a + ".")])
    cycles = list(nx.simple_cycles(g))
    assert not cycles, f"import cycles: {cycles[:5]}"


@pytest.mark.parametrize("low, high", [("instances", "solvers"), ("instances", "neural"), ("instances", "cli"),
                                       ("solvers", "cli"), ("neural", "cli"), ("errors", "instances")])
def test_dependencies_point_one_way(low, high):
    g = graph(top_level_only=False)          # function-level (lazy) imports count too
    bad = [(a, b) for a, b in g.edges if a.startswith(f"routeopt.{low}") and b.startswith(f"routeopt.{high}")]
    assert not bad, f"{low} must not import {high}: {bad[:5]}"


def test_one_folder_per_family_in_instances_and_solvers():
    for family in FAMILIES:
        assert (ROOT / "instances" / family / "problem.py").is_file()
        assert (ROOT / "instances" / family / "generate.py").is_file()
        assert (ROOT / "instances" / family / "io.py").is_file()
        assert (ROOT / "solvers" / family).is_dir()
    flat = sorted(p.name for p in (ROOT / "instances").glob("*.py"))
    assert flat == ["__init__.py", "_io.py", "_plot.py", "base.py", "generate.py", "io.py", "jsonio.py",
                    "limits.py", "params.py"], flat


def test_problem_and_solution_names_follow_the_family():
    import routeopt
    for family, prefix in (("vrp", "VRP"), ("paths", "Paths"), ("balance", "Balance"), ("network", "Network")):
        problem, solution = getattr(routeopt, f"{prefix}Problem"), getattr(routeopt, f"{prefix}Solution")
        assert problem.family == family and issubclass(solution, routeopt.Solution)
        assert problem.size_unit in ("clients", "nodes", "tokens", "flows")
    assert routeopt.VRP is routeopt.VRPProblem
