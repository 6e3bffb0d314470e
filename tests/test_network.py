"""Network family: evaluation, the LP bound, minimal splitting's optimality, MILP, bad input, I/O, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import routeopt
from routeopt.errors import InputError
from routeopt.instances.network.problem import NetworkProblem, NetworkSolution, fat_tree, leaf_spine
from routeopt.instances.network.generate import generate_network
from routeopt.instances.network.io import read_topology, read_traffic

SOLVERS = ["spray", "split", "network-greedy", "ecmp", "network-milp"]


def _random_case(seed: int) -> NetworkProblem:
    rng = np.random.default_rng(seed)
    if seed % 2:
        net = leaf_spine(int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(1, 4)))
    else:
        net = fat_tree(4)
    hosts = net.hosts
    flows = []
    for _ in range(int(rng.integers(3, 14))):
        s, t = rng.choice(len(hosts), 2, replace=False)
        flows.append((hosts[s], hosts[t], float(rng.choice([1.0, 2.0, 0.5, 3.0]))))
    return net.with_flows(flows, f"random-{seed}")


@pytest.mark.parametrize("seed", range(8))
def test_lp_is_a_lower_bound_and_every_answer_is_checked(seed):
    p = _random_case(seed)
    lp = routeopt.solve(p, solver="spray", time_limit=10)
    assert lp.status == routeopt.Status.OPTIMAL and lp.bound == pytest.approx(lp.objective, rel=1e-6)
    for name in SOLVERS:
        r = routeopt.solve(p, solver=name, time_limit=10, seed=seed)
        assert r.status in (routeopt.Status.OPTIMAL, routeopt.Status.FEASIBLE), (name, r.violations)
        assert not p.evaluate(r.solution).violations
        assert r.objective >= lp.objective - 1e-7, name
    milp = routeopt.solve(p, solver="network-milp", time_limit=10)
    greedy = routeopt.solve(p, solver="network-greedy")
    assert lp.objective - 1e-7 <= milp.objective <= greedy.objective + 1e-7


@pytest.mark.parametrize("shape", [(4, 4, 4), (6, 4, 3), (5, 3, 2), (3, 6, 2)])
@pytest.mark.parametrize("pattern", ["all-to-all", "ring", "permutation"])
def test_minimal_splitting_reaches_the_lp_on_leaf_spine(shape, pattern):
    leaves, spines, per_leaf = shape
    p = generate_network("leafspine", seed=3, leaves=leaves, spines=spines, hosts_per_leaf=per_leaf,
                         spine_capacity=1.0, host_capacity=1e6, traffic=pattern)
    lp = routeopt.solve(p, solver="spray")
    sp = routeopt.solve(p, solver="split")
    assert sp.status == routeopt.Status.FEASIBLE
    assert sp.objective == pytest.approx(lp.objective, rel=1e-9, abs=1e-9)
    # pieces per flow never exceed s / gcd(r, s) <= spines
    assert max(len(route) for route in sp.solution.flows) <= spines


def test_minimal_splitting_on_full_fat_tree_all_to_all():
    p = generate_network("fattree", k=4, traffic="all-to-all", host_capacity=1e6)
    lp, sp = routeopt.solve(p, solver="spray"), routeopt.solve(p, solver="split")
    assert sp.objective == pytest.approx(lp.objective)


def test_evaluation_flags_every_kind_of_mistake():
    net = leaf_spine(2, 2, 1, flows=[("h0", "h1", 2.0), ("h1", "h0", 1.0)])
    good = net.resolve(NetworkSolution([[(["h0", "leaf0", "spine0", "leaf1", "h1"], 0.5),
                                 (["h0", "leaf0", "spine1", "leaf1", "h1"], 0.5)],
                                [(["h1", "leaf1", "spine0", "leaf0", "h0"], 1.0)]]))
    ev = net.evaluate(good)
    assert not ev.violations and ev.objective == pytest.approx(2.0)   # host link h0->leaf0, capacity 1
    assert ev.details["subflows"] == 3

    def kinds(flows):
        return {v.kind for v in net.evaluate(net.resolve(NetworkSolution(flows))).violations}

    back = [(["h1", "leaf1", "spine0", "leaf0", "h0"], 1.0)]
    assert kinds([[(["h0", "leaf0", "spine0", "leaf1", "h1"], 0.7)], back]) == {"fractions"}
    assert kinds([[(["h0", "leaf0", "leaf1", "h1"], 1.0)], back]) == {"invalid_path"}
    assert kinds([[(["h0", "leaf0", "spine0", "leaf1"], 1.0)], back]) == {"endpoints"}
    assert "negative_fraction" in kinds([[(["h0", "leaf0", "spine0", "leaf1", "h1"], -0.5),
                                          (["h0", "leaf0", "spine1", "leaf1", "h1"], 1.5)], back])
    assert {v.kind for v in net.evaluate(NetworkSolution([[]])).violations} == {"flow_count"}


def test_ecmp_reports_monte_carlo_and_is_seeded():
    p = generate_network("leafspine", seed=0, leaves=4, spines=4, hosts_per_leaf=4, traffic="all-to-all")
    a = routeopt.solve(p, solver="ecmp", seed=5)
    b = routeopt.solve(p, solver="ecmp", seed=5)
    assert a.objective == b.objective and a.metadata["samples"] == 20
    assert a.metadata["congestion_min"] <= a.metadata["congestion_mean"] <= a.metadata["congestion_max"]


def test_bad_input_gives_one_line_errors(tmp_path):
    net = leaf_spine(2, 2, 2)
    with pytest.raises(InputError, match="unknown host 'h9'"):
        net.with_flows([("h0", "h9", 1.0)])
    with pytest.raises(InputError, match="size must be positive"):
        net.with_flows([("h0", "h1", -1.0)])
    tm = tmp_path / "tm.csv"
    tm.write_text("source,destination,size\nh0,h3,1\nh1,h7,2\n")
    with pytest.raises(InputError, match=r"tm.csv:3: unknown host 'h7'"):
        read_traffic(tm, net)
    tm.write_text("h0,h3,-2\n")
    with pytest.raises(InputError, match=r"tm.csv:1: negative size"):
        read_traffic(tm, net)
    topo = tmp_path / "wan.edges"
    topo.write_text("a b 10\nb c\nc a 5 9\n")
    with pytest.raises(InputError, match=r"wan.edges:3: expected 'U V \[CAPACITY\]'") as exc:
        read_topology(topo)
    assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match="unknown traffic"):
        generate_network("fattree", traffic="broadcast")


def test_topology_files_and_traffic_matrix(tmp_path):
    topo = tmp_path / "wan.edges"
    topo.write_text("# a ring of four with a chord\na b 10\nb c 10\nc d 10\nd a 10\na c 5\n")
    net = read_topology(topo)
    assert len(net.links) == 10
    tm = tmp_path / "tm.csv"
    tm.write_text("a,c,6\nb,d,4\n")
    p = net.with_flows(read_traffic(tm, net))
    for name in SOLVERS:
        r = routeopt.solve(p, solver=name, time_limit=10)
        assert r.status in (routeopt.Status.OPTIMAL, routeopt.Status.FEASIBLE) and not r.violations
    import networkx as nx
    g = nx.Graph()
    g.add_edge("x", "y", capacity=2.0)
    g.add_edge("y", "z", capacity=4.0)
    nx.write_graphml(g, tmp_path / "g.graphml")
    gnet = read_topology(tmp_path / "g.graphml").with_flows([("x", "z", 4.0)])
    assert routeopt.solve(gnet, solver="spray").objective == pytest.approx(2.0)


def test_json_round_trip(tmp_path):
    p = routeopt.generate("fattree", n=8, seed=2, k=4, traffic="ring")
    assert p.family == "network" and p.size == 8
    path = routeopt.save(p, tmp_path / "ft.json")
    q = routeopt.load(path)
    assert isinstance(q, NetworkProblem) and q.fingerprint() == p.fingerprint()
    r = routeopt.solve(q, solver="split")
    routeopt.save_solution(r.solution, tmp_path / "ft.sol.json", q)
    sol = routeopt.load_solution(tmp_path / "ft.sol.json", q)
    assert q.evaluate(sol).objective == pytest.approx(r.objective)


def test_cli_solve_and_bench(tmp_path):
    from routeopt.cli.app import app

    runner = CliRunner()
    res = runner.invoke(app, ["solve", "--generate", "leafspine", "-p", "leaves=4", "-p", "spines=4",
                              "-p", "hosts_per_leaf=2", "-p", "traffic=all-to-all", "--solver", "split", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["status"] == "FEASIBLE" and data["objective"] > 0
    topo = tmp_path / "t.edges"
    topo.write_text("a b\nb c\n")
    res = runner.invoke(app, ["network", "build", str(topo), "--traffic-file", str(tmp_path / "nope.csv"),
                              "--out", str(tmp_path / "t.json")])
    assert res.exit_code == 2 and "no such file" in res.output and not (tmp_path / "t.json").exists()
    res = runner.invoke(app, ["network", "build", str(topo), "--traffic", "ring", "--out", str(tmp_path / "t.json")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["solve", str(tmp_path / "t.json"), "-s", "spray", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["status"] == "OPTIMAL"
    res = runner.invoke(app, ["network", "bench", "--quick", "--solvers", "spray,split,ecmp", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert all(r["ratio"] >= 1 - 1e-9 for r in rows)
