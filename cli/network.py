"""``routeopt network``: solve a fabric routing instance, or benchmark the routing methods.

    routeopt network solve --topology leafspine --leaves 16 --spines 16 --hosts 16 --traffic all-to-all --solver split
    routeopt network solve wan.edges --traffic-file tm.csv --solver spray
    routeopt network bench --quick
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..instances.network.problem import NetworkProblem
from ..solvers.base import Status
from ..solvers.registry import solve as solve_problem
from .common import STATUS_STYLE, console, fmt_number, fmt_time, print_json

network_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                          help="Packet routing in datacenter fabrics: ECMP, ideal spraying (LP), minimal splitting.")

METHODS = ("spray", "split", "netgreedy", "ecmp", "netmilp")
FABRIC_ONLY = 1e6       # host-link capacity in the benchmark: the fabric, not the NICs, is measured


def build(file: Path | None, topology: str | None, *, leaves: int, spines: int, hosts: int, k: int,
          traffic: str | None, traffic_file: Path | None, participants: int | None, seed: int,
          oversubscription: float = 1.0, host_capacity: float = 1.0) -> NetworkProblem:
    """The instance the options describe: a .json instance, a topology file, or a generated fabric."""
    from ..instances.network.generate import generate_network, traffic as make_traffic
    from ..instances.network.io import read_topology, read_traffic

    if (file is None) == (topology is None):
        raise InputError("give either FILE or --topology (leafspine or fattree), not both or neither")
    if topology is not None:
        word = topology.strip().lower().replace("-", "")
        params: dict[str, Any] = ({"leaves": leaves, "spines": spines, "hosts_per_leaf": hosts,
                                   "oversubscription": oversubscription, "host_capacity": host_capacity}
                                  if word == "leafspine" else {"k": k, "host_capacity": host_capacity})
        net = generate_network(word, seed, traffic=traffic or "all-to-all", hosts=participants, **params)
        if traffic_file is not None:
            net = net.with_flows(read_traffic(traffic_file, net), net.name)
        return net
    if file.suffix.lower() == ".json":
        from ..instances.io import load
        net = load(file)
        if not isinstance(net, NetworkProblem):
            raise InputError(f"a {net.family} instance, not a network one", path=file)
        return net
    net = read_topology(file)
    if traffic_file is not None:
        return net.with_flows(read_traffic(traffic_file, net), net.name)
    if traffic is None:
        raise InputError("a topology file needs --traffic PATTERN or --traffic-file CSV", path=file)
    flows = make_traffic(net, traffic, hosts=participants, seed=seed)
    return net.with_flows(flows, f"{net.name}-{traffic}")


@network_app.command()
def solve(
    file: Annotated[Optional[Path], typer.Argument(metavar="[FILE]", show_default=False,
                                                   help="Instance .json, or a topology (.edges .txt .csv .graphml).")] = None,
    topology: Annotated[Optional[str], typer.Option(help="Generate a fabric: leafspine or fattree.")] = None,
    leaves: Annotated[int, typer.Option(min=1, help="Leaf-spine: leaves.")] = 4,
    spines: Annotated[int, typer.Option(min=1, help="Leaf-spine: spines.")] = 4,
    hosts: Annotated[int, typer.Option(min=1, help="Leaf-spine: hosts per leaf.")] = 4,
    k: Annotated[int, typer.Option(min=2, help="Fat-tree: k (even).")] = 4,
    oversubscription: Annotated[float, typer.Option(help="Leaf-spine: host bandwidth over uplink bandwidth.")] = 1.0,
    traffic: Annotated[Optional[str], typer.Option(help="all-to-all, ring, permutation or incast.")] = None,
    traffic_file: Annotated[Optional[Path], typer.Option(help="Traffic matrix CSV: source,destination,size.")] = None,
    participants: Annotated[Optional[int], typer.Option(help="Hosts taking part (default: all).")] = None,
    solver: Annotated[str, typer.Option("--solver", "-s", help=f"One of {', '.join(METHODS)} or auto.")] = "auto",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds the solver may run.")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the traffic placement and of ECMP hashing.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object (without the routing).")] = False,
) -> None:
    """Route the flows of one instance and print the congestion the instance itself measures."""
    net = build(file, topology, leaves=leaves, spines=spines, hosts=hosts, k=k, traffic=traffic,
                traffic_file=traffic_file, participants=participants, seed=seed, oversubscription=oversubscription)
    result = solve_problem(net, solver, time_limit=time_limit, seed=seed)
    meta = {k_: v for k_, v in result.metadata.items() if k_ != "link_load"}
    if as_json:
        data = result.to_dict()
        data["solution"], data["metadata"] = None, meta
        data["instance"] = {"name": net.name, "nodes": len(net.nodes), "links": len(net.links), "flows": net.size}
        print_json(data)
    else:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", justify="right")
        grid.add_column()
        grid.add_row("instance", f"{net.name} · {len(net.nodes)} nodes · {len(net.links)} links · {net.size} flows")
        grid.add_row("solver", result.solver)
        grid.add_row("status", Text(str(result.status), style=STATUS_STYLE.get(str(result.status), "")))
        grid.add_row("max congestion", Text(fmt_number(result.objective, 4), style="bold"))
        if result.bound is not None:
            grid.add_row("lower bound", fmt_number(result.bound, 4))
        for key in ("max_congestion_link", "subflows_per_flow", "congestion_mean", "congestion_max"):
            if key in meta:
                value = meta[key]
                grid.add_row(key.replace("_", " "), fmt_number(value, 3) if isinstance(value, float) else str(value))
        grid.add_row("runtime", fmt_time(result.runtime))
        for v in result.violations[:5]:
            grid.add_row(Text("violation", style="red"), v.message)
        console().print(grid)
    if result.status not in (Status.OPTIMAL, Status.FEASIBLE):
        raise typer.Exit(1)


def settings(quick: bool, max_hosts: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, parameters) of each fabric in the benchmark."""
    if quick:
        fabrics = [("leafspine", {"leaves": 4, "spines": 4, "hosts_per_leaf": 4}), ("fattree", {"k": 4}),
                   ("leafspine", {"leaves": 6, "spines": 4, "hosts_per_leaf": 3})]
    else:
        fabrics = [("leafspine", {"leaves": 16, "spines": 16, "hosts_per_leaf": 16}), ("fattree", {"k": 8}),
                   ("fattree", {"k": 16})]
    out = []
    for kind, params in fabrics:
        for pattern in ("all-to-all", "ring"):
            total = params["leaves"] * params["hosts_per_leaf"] if kind == "leafspine" else params["k"] ** 3 // 4
            n = min(total, max_hosts) if pattern == "all-to-all" else total
            links = {"spine_capacity": 1.0} if kind == "leafspine" else {}
            out.append((kind, {**params, **links, "traffic": pattern, "hosts": n, "host_capacity": FABRIC_ONLY}))
    return out


@network_app.command()
def bench(
    quick: Annotated[bool, typer.Option("--quick", help="Small fabrics only (seconds).")] = False,
    solvers: Annotated[str, typer.Option(help="Comma-separated methods.")] = "spray,split,netgreedy,ecmp,netmilp",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per run.")] = 120.0,
    max_hosts: Annotated[int, typer.Option(help="All-to-all among at most this many hosts (flows grow as n^2).")] = 256,
    seed: Annotated[int, typer.Option(min=0, help="Placement and hashing seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
) -> None:
    """Each method's maximum link congestion over the LP optimum, sub-flows per flow, solve time.

    Host links get ample capacity so that the fabric is measured; participants are placed at
    random (seeded), so rings cross the fabric; ECMP shows its seed's draw and the mean over 20.
    """
    from ..instances.network.generate import generate_network
    from ..solvers.registry import solver_class

    methods = [m.strip() for m in solvers.split(",") if m.strip()]
    rows = []
    for kind, params in settings(quick, max_hosts):
        net = generate_network(kind, seed, **params)
        reference = None
        for method in methods:
            cls = solver_class(method)
            if cls.max_size is not None and net.size > cls.max_size:
                continue
            t0 = time.perf_counter()
            r = solve_problem(net, method, time_limit=time_limit, seed=seed)
            elapsed = time.perf_counter() - t0
            if method == "spray" and r.status == Status.OPTIMAL:
                reference = r.objective
            ratio = None if reference is None or r.objective is None else r.objective / reference
            mean = r.metadata.get("congestion_mean")
            rows.append({"instance": net.name, "flows": net.size, "solver": method, "status": str(r.status),
                         "congestion": r.objective, "ratio": ratio,
                         "ratio_mean": None if mean is None or reference is None else mean / reference,
                         "subflows_per_flow": r.metadata.get("subflows_per_flow"), "time": elapsed})
    if as_json:
        print_json(rows)
        return
    table = Table(title="network routing: max link congestion / LP optimum (ideal spraying)", title_justify="left")
    for name in ("instance", "flows", "solver", "status", "congestion", "/ LP", "ECMP mean / LP", "sub-flows/flow", "time"):
        table.add_column(name, justify="left" if name in ("instance", "solver", "status") else "right")
    for r in rows:
        table.add_row(r["instance"], str(r["flows"]), r["solver"],
                      Text(r["status"], style=STATUS_STYLE.get(r["status"], "")), fmt_number(r["congestion"], 3),
                      fmt_number(r["ratio"], 3), fmt_number(r["ratio_mean"], 3),
                      fmt_number(r["subflows_per_flow"], 2), fmt_time(r["time"]))
    console().print(table)
