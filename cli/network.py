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
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from . import flags
from .common import STATUS_STYLE, console, fmt_number, fmt_time, output_path, print_json

network_app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich",
                          help="Packet routing in datacenter fabrics and wide-area networks: instances from topology "
                               "files, the benchmark (one instance: 'routeopt solve --generate leafspine', "
                               "'routeopt solve Abilene.graphml').")



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
    """Each method's maximum link congestion over the LP optimum, sub-flows per flow, solve time:
    leaf-spine and fat-trees (k = 8, 16; all-to-all, ring, permutation, incast).

    Host links get ample capacity so that the fabric is measured; participants are placed at
    random (seeded), so traffic crosses the fabric; ECMP shows its seed's draw and the mean over 20.
    """
    from ..solvers.network.bench import run_bench
    from ..solvers.registry import solver_class

    out = output_path(out, (".txt", ".json", ".md"), "--out")
    methods = [m.strip() for m in solvers.split(",") if m.strip()]
    for method in methods:
        solver_class(method)                    # an unknown name is refused before any run
    rows = run_bench(quick=quick, methods=methods, time_limit=time_limit, max_hosts=max_hosts, seed=seed,
                     say=None if as_json else lambda line: console().print(Text(line, style="dim")))
    if as_json:
        print_json(rows)
        if out is not None:
            import json

            from ..instances._io import atomic_write
            atomic_write(out, json.dumps(rows, indent=1) + "\n")
        return
    tables = [_leaf_spine_table([r for r in rows if r["fabric"] == "leafspine"]),
              _fat_tree_table([r for r in rows if r["fabric"] == "fattree"], methods)]
    reasons = sorted({f"{r['instance']}: {r['reason']}" for r in rows if r["solver"] == "split" and r["reason"]})
    notes = "\n".join(["MILP: '-' where it was not run (over its size limit); '*' not proved optimal in time.",
                        *reasons])
    for table in tables:
        console().print(table)
    console().print(Text(notes, style="dim"))
    if out is not None:
        from rich.console import Console

        from ..instances._io import atomic_write
        record = Console(record=True, width=220, file=io.StringIO(), color_system=None)
        for table in tables:
            record.print(table)
        record.print(notes)
        atomic_write(out, record.export_text(styles=False))
        console().print(Text(f"wrote {out}", style="dim"))


def _leaf_spine_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="leaf-spine: max link congestion / LP optimum (ideal spraying)", title_justify="left")
    for name in ("instance", "flows", "solver", "status", "congestion", "/ LP", "ECMP mean / LP", "sub-flows/flow",
                 "time"):
        table.add_column(name, justify="left" if name in ("instance", "solver", "status") else "right")
    for r in rows:
        table.add_row(r["instance"], str(r["flows"]), r["solver"],
                      Text(r["status"], style=STATUS_STYLE.get(r["status"], "")), fmt_number(r["congestion"], 3),
                      fmt_number(r["ratio"], 3), fmt_number(r["ratio_mean"], 3),
                      fmt_number(r["subflows_per_flow"], 2), fmt_time(r["time"]))
    return table


def _fat_tree_table(rows: list[dict[str, Any]], methods: list[str]) -> Table:
    """One line per instance: the LP, split beside it, the other methods' ratios for reference."""
    table = Table(title="fat-tree: max link congestion / LP optimum (ideal spraying), minimal splitting beside it",
                  title_justify="left")
    table.add_column("instance", justify="left", no_wrap=True)
    columns = ["flows", "LP", "LP time"]
    if "split" in methods:
        columns += ["split / LP", "pieces/flow", "split time"]
    others = [m for m in methods if m not in ("spray", "split")]
    short = {"network-greedy": "greedy", "network-milp": "MILP", "ecmp": "ECMP"}
    columns += [f"{short.get(m, m)} / LP" for m in others] + (["ECMP mean / LP"] if "ecmp" in others else [])
    columns += ["MILP time"] if "network-milp" in others else []
    for name in columns:
        table.add_column(name, justify="right")
    by_instance: dict[str, dict[str, dict[str, Any]]] = {}
    for r in rows:
        by_instance.setdefault(r["instance"], {})[r["solver"]] = r
    for name, cells in by_instance.items():
        first = next(iter(cells.values()))
        spray = cells.get("spray")
        line = [name, str(first["flows"]), fmt_number(first["lp"], 3), fmt_time(spray["time"]) if spray else "-"]
        if "split" in methods:
            sp = cells.get("split")
            line += ["-", "-", "-"] if sp is None else [fmt_number(sp["ratio"], 4),
                                                        fmt_number(sp["subflows_per_flow"], 3), fmt_time(sp["time"])]
        for m in others:
            r = cells.get(m)
            mark = "" if r is None or m != "network-milp" or r["status"] == "OPTIMAL" else "*"
            line.append("-" if r is None else fmt_number(r["ratio"], 3) + mark)
        if "ecmp" in others:
            line.append("-" if cells.get("ecmp") is None else fmt_number(cells["ecmp"]["ratio_mean"], 3))
        if "network-milp" in others:
            line.append("-" if cells.get("network-milp") is None else fmt_time(cells["network-milp"]["time"]))
        table.add_row(*line)
    return table
