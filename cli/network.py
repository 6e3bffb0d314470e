"""``routeopt network``: what only packet routing has: instances from topology files, and the benchmark.
Instances are solved like any other: ``routeopt solve net.json -s split``,
``routeopt solve --generate leafspine -p leaves=16 -p spines=16 -p hosts_per_leaf=16 -s split``, or a
wide-area network: ``routeopt solve Abilene.graphml -s ksp-lp`` (Topology Zoo GraphML, SNDlib native)
or ``routeopt solve --generate wan -p topology=Geant2012 -s mcf-lp``.

    routeopt network build wan.edges --traffic-file tm.csv --out wan.json
    routeopt network build Abilene.graphml --traffic gravity --seed 3 --out abilene.json
    routeopt network bench --quick
"""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..solvers.base import Status
from ..solvers.registry import solve as solve_problem
from . import flags
from .common import STATUS_STYLE, console, fmt_number, fmt_time, output_path, print_json

network_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                          help="Packet routing in datacenter fabrics and wide-area networks: instances from topology "
                               "files, the benchmark (one instance: 'routeopt solve --generate leafspine', "
                               "'routeopt solve Abilene.graphml').")

FABRIC_ONLY = 1e6       # host-link capacity in the benchmark: the fabric, not the NICs, is measured


@network_app.command()
def build(
    topology: Annotated[Path, typer.Argument(metavar="TOPOLOGY", show_default=False,
                                             help="Topology file: edge list (.edges .txt .csv), .graphml "
                                                                  "(Topology Zoo too) or SNDlib native .txt.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FILE.json", show_default=False,
                                      help="Where to write the network instance.")],
    traffic: Annotated[Optional[str], typer.Option(help="A collective among the hosts: all-to-all, ring, "
                                                        "permutation or incast; or gravity (WAN traffic: "
                                                        "seeded log-normal node masses).")] = None,
    traffic_file: Annotated[Optional[Path], typer.Option(help="Traffic matrix CSV: source,destination,size.")] = None,
    participants: Annotated[Optional[int], typer.Option(min=2, help="Hosts taking part in --traffic "
                                                                     "(default: all).")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the participants' placement (and of "
                                                            "the gravity masses).")] = 0,
) -> None:
    """Make a network instance from a topology file and its traffic, to solve or compare like any other
    (fabrics are generated directly: 'routeopt instances generate leafspine --out net.json')."""
    from ..instances.io import save
    from ..instances.network.generate import traffic as make_traffic
    from ..instances.network.io import read_topology, read_traffic

    out = output_path(out, (".json",), "--out")
    flags.check_outputs({"--out": out}, [topology, traffic_file])
    if (traffic is None) == (traffic_file is None):
        raise InputError("give --traffic PATTERN or --traffic-file CSV (one of them)")
    net = read_topology(topology)
    if traffic_file is not None:
        net = net.with_flows(read_traffic(traffic_file, net), net.name)
    elif traffic.strip().lower() == "gravity":
        from ..instances.network.wan import gravity
        net = net.with_flows(gravity(net, seed, hosts=participants), f"{net.name}-gravity")
    else:
        net = net.with_flows(make_traffic(net, traffic, hosts=participants, seed=seed), f"{net.name}-{traffic}")
    path = save(net, out)
    console().print(Text.assemble("wrote ", (str(path), "bold"), f": {net.name}, {len(net.nodes)} nodes, "
                                                                  f"{len(net.links)} links, {net.size_text}"))


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
    solvers: Annotated[str, typer.Option("--solvers", "-s", help="Comma-separated methods.")] = "spray,split,network-greedy,ecmp,network-milp",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", help="Seconds per run.")] = 120.0,
    max_hosts: Annotated[int, typer.Option(help="All-to-all among at most this many hosts (flows grow as n^2).")] = 256,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Placement and hashing seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rows as JSON.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", metavar="FILE", show_default=False,
                                                help="Also write the table (or the JSON rows) to FILE, "
                                                     "e.g. benchmarks/results/network.txt.")] = None,
) -> None:
    """Each method's maximum link congestion over the LP optimum, sub-flows per flow, solve time.

    Host links get ample capacity so that the fabric is measured; participants are placed at
    random (seeded), so rings cross the fabric; ECMP shows its seed's draw and the mean over 20.
    """
    from ..instances.network.generate import generate_network
    from ..solvers.registry import solver_class

    out = output_path(out, (".txt", ".json", ".md"), "--out")
    methods = [m.strip() for m in solvers.split(",") if m.strip()]
    for method in methods:
        solver_class(method)                    # an unknown name is refused before any run
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
        if out is not None:
            import json

            from ..instances._io import atomic_write
            atomic_write(out, json.dumps(rows, indent=1) + "\n")
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
    if out is not None:
        from rich.console import Console

        from ..instances._io import atomic_write
        record = Console(record=True, width=200, file=io.StringIO(), color_system=None)
        record.print(table)
        atomic_write(out, record.export_text(styles=False))
        console().print(Text(f"wrote {out}", style="dim"))
