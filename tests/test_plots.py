"""Pictures of answers: every family draws a real solver's answer, the picture is a complete
file, and what it shows is the answer (one line per route, one bar per expert, the hottest link)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import routeopt
from routeopt import InputError
from routeopt.instances.vrp.problem import Route, VRPSolution

matplotlib = pytest.importorskip("matplotlib")


def _solved(kind: str, solver: str, **kw):
    p = routeopt.generate(kind, seed=0, **kw)
    r = routeopt.solve(p, solver, time_limit=1) if solver == "pyvrp" else routeopt.solve(p, solver)
    assert p.evaluate(r.solution).violations == []
    return p, r.solution


def _picture(path) -> np.ndarray:
    """The written PNG, checked to be a real picture: sensible size, not one flat colour."""
    from matplotlib.image import imread
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(path)
    assert img.ndim == 3 and img.shape[2] in (3, 4)
    assert 300 <= img.shape[0] <= 3000 and 300 <= img.shape[1] <= 4000
    assert img[..., :3].std() > 0.01
    assert [f.name for f in path.parent.iterdir() if f.name.startswith(".")] == []   # no temporary left
    return img


def _title(fig) -> str:
    return fig._suptitle.get_text()


# ---------------------------------------------------------------------------------------- VRP
@pytest.fixture(scope="module")
def cvrp():
    return _solved("cvrp", "pyvrp", n=30)


def test_vrp_one_line_per_route_and_loads_against_capacity(cvrp, tmp_path):
    p, s = cvrp
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax, side = fig.axes[0], fig.axes[1]
    routes = [r for r in s.routes if r.visits]
    assert len(ax.lines) == len(routes) == s.num_routes
    for line, route in zip(ax.lines, routes):          # each line runs depot, its clients, depot
        x, y = line.get_data()
        expected = p.coordinates[[0, *route.visits, 0]]
        np.testing.assert_allclose(np.column_stack([x, y]), expected)
    assert len(side.patches) == len(routes)
    assert sorted(b.get_height() for b in side.patches) == sorted(float(p.demand[r.visits, 0].sum()) for r in routes)
    objective = p.evaluate(s).objective
    title = _title(fig)
    assert p.name in title and "CVRP" in title and f"{int(objective):,}" in title
    assert f"{len(routes)} routes" in title


def test_vrp_matrix_only_instance_is_laid_out_from_the_matrix(tmp_path):
    p, s = _solved("atsp", "pyvrp", n=20)
    assert p.coordinates is None
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    assert "layout from the distance matrix" in _title(fig)
    assert len(fig.axes[0].lines) == 1 and len(fig.axes) == 1          # one tour; no capacities
    assert len(fig.axes[0].lines[0].get_xdata()) == p.num_nodes + 1


def test_mds_layout_recovers_euclidean_distances():
    from routeopt.instances.vrp.plot import mds_layout
    rng = np.random.default_rng(0)
    for n in (30, 400):                              # full eigendecomposition, then Lanczos
        pts = rng.uniform(0, 100, (n, 2))
        d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
        xy = mds_layout(d)
        np.testing.assert_allclose(np.linalg.norm(xy[:, None] - xy[None], axis=-1), d, atol=1e-6)


def test_vrp_violations_are_shown_in_red(cvrp, tmp_path):
    p, s = cvrp
    broken = VRPSolution([Route(r.visits[1:], r.vehicle_type) for r in s.routes])    # first clients dropped
    fig = broken.plot(p)
    label = fig._supxlabel.get_text()
    assert "missing" in label and fig._supxlabel.get_color() == "#c62828"
    assert "violations" in _title(fig)


# ---------------------------------------------------------------------------------------- paths
@pytest.fixture(scope="module")
def road_alternatives():
    base = routeopt.generate("road", n=900, seed=0)
    p = base.with_queries(base.sources, base.targets, alternatives=3)
    r = routeopt.solve(p, "plateau")
    assert p.evaluate(r.solution).violations == []
    assert len(r.solution.alternatives[0]) >= 1
    return p, r.solution


def test_paths_best_route_bold_and_alternatives_over_the_streets(road_alternatives, tmp_path):
    p, s = road_alternatives
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax = fig.axes[0]
    routes = [s.paths[0], *s.alternatives[0]]
    assert len(ax.lines) == len(routes)
    for line, route in zip(ax.lines, routes):
        np.testing.assert_allclose(np.column_stack(line.get_data()), p.graph.coordinates[route])
    assert ax.lines[0].get_linewidth() > max(line.get_linewidth() for line in ax.lines[1:])
    assert len({line.get_color() for line in ax.lines}) == len(routes)
    lengths = [float(p.graph.edge_weights(r[:-1], r[1:]).sum()) for r in routes]
    title = _title(fig)
    assert "query 0" in title and all(f"{x:,.1f}" in title for x in lengths)
    grey = ax.collections[0]                          # every street, each edge once
    assert len(grey.get_segments()) == p.graph.num_edges


def test_paths_big_graph_draws_only_around_the_route(monkeypatch, tmp_path):
    from routeopt.instances.paths import plot as paths_plot
    p, s = _solved("road", "dijkstra", n=900)
    monkeypatch.setattr(paths_plot, "BIG_GRAPH", 100)
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax = fig.axes[0]
    route = p.graph.coordinates[s.paths[0]]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert x0 <= route[:, 0].min() and route[:, 0].max() <= x1 and y0 <= route[:, 1].min() and route[:, 1].max() <= y1
    assert len(ax.collections[0].get_segments()) < p.graph.num_edges
    assert "around the routes" in ax.get_xlabel()


def test_paths_without_coordinates_lays_out_the_neighbourhood(tmp_path):
    from routeopt.instances.paths.plot import NEIGHBOURHOOD
    p, s = _solved("chung-lu", "dijkstra", n=500)
    assert p.graph.coordinates is None
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax = fig.axes[0]
    assert len(ax.lines) == 1 and len(ax.lines[0].get_xdata()) == s.paths[0].size
    assert "spring layout" in ax.get_xlabel()
    laid_out = ax.collections[1].get_offsets()       # grey nodes of the neighbourhood
    assert s.paths[0].size <= len(laid_out) <= NEIGHBOURHOOD
    with pytest.raises(InputError, match="query"):
        s.plot(p, query=5)


# ---------------------------------------------------------------------------------------- network
@pytest.mark.parametrize("kind, solver, tiers", [("leafspine", "spray", ["host-leaf", "leaf-spine"]),
                                                 ("fattree", "ecmp", ["host-edge", "edge-agg", "agg-core"])])
def test_network_loads_by_tier_and_the_hottest_link_named(kind, solver, tiers, tmp_path):
    p, s = _solved(kind, solver)
    details = p.evaluate(s).details
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax = fig.axes[0]
    hottest = details["max_congestion_link"]
    assert f"on {hottest}" in _title(fig)
    box = next(t.get_text() for t in ax.texts if t.get_text().startswith("hottest links"))
    assert box.splitlines()[1].split()[1] == hottest
    assert len(box.splitlines()) == 6                  # the five hottest
    assert [t.get_text().split("\n")[0] for t in ax.get_xticklabels()] == tiers
    strips = [c for c in ax.collections if (c.get_gid() or "").startswith("links")]
    assert sum(len(c.get_offsets()) for c in strips) == len(p.links)          # every link is one point
    ratio = np.concatenate([c.get_offsets()[:, 1] for c in strips])
    assert ratio.max() == pytest.approx(p.evaluate(s).objective)
    assert any(line.get_ydata()[0] == 1.0 for line in ax.lines)       # the capacity line


# ---------------------------------------------------------------------------------------- balance
@pytest.fixture(scope="module")
def balance():
    return _solved("balance-hot", "bip", n=256, m=8, k=2)


def test_balance_one_bar_per_expert_against_capacity_and_mean(balance, tmp_path):
    p, s = balance
    e = p.evaluate(s)
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    ax = fig.axes[0]
    assert len(ax.patches) == p.num_experts
    assert [b.get_height() for b in ax.patches] == e.details["loads"]
    levels = sorted(line.get_ydata()[0] for line in ax.lines)
    assert levels == sorted([p.capacity, e.details["mean_load"]])
    assert f"MaxVio {e.details['max_vio']:.3f}" in _title(fig) and "score" in _title(fig)


def test_balance_device_panel(tmp_path):
    p, s = _solved("balance-hot", "bip", n=512, m=16, k=2, devices=4)
    fig = s.plot(p, tmp_path / "x.png")
    _picture(tmp_path / "x.png")
    assert len(fig.axes) == 2 and len(fig.axes[1].patches) == p.num_devices
    assert [b.get_height() for b in fig.axes[1].patches] == p.evaluate(s).details["device_loads"]


# ---------------------------------------------------------------------------------------- files
def test_svg_and_pdf_from_the_suffix(balance, tmp_path):
    p, s = balance
    s.plot(p, tmp_path / "x.svg")
    s.plot(p, tmp_path / "x.PDF")
    assert b"<svg" in (tmp_path / "x.svg").read_bytes()[:500]
    assert (tmp_path / "x.PDF").read_bytes()[:4] == b"%PDF"


def test_bad_suffix_or_option_is_an_input_error_and_writes_nothing(balance, tmp_path):
    p, s = balance
    for name in ("x.jpg", "x"):
        with pytest.raises(InputError) as info:
            s.plot(p, tmp_path / name)
        assert str(tmp_path / name) in str(info.value)
    with pytest.raises(InputError, match="did you mean 'title'"):
        s.plot(p, tmp_path / "x.png", titel="loads")
    with pytest.raises(InputError, match="folder does not exist"):
        s.plot(p, tmp_path / "missing" / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_replaced_only_by_a_complete_picture(balance, tmp_path, monkeypatch):
    from matplotlib.figure import Figure
    p, s = balance
    target = tmp_path / "x.png"
    target.write_bytes(b"old picture")
    real_savefig = Figure.savefig

    def half_then_fail(self, fname, *args, **kwargs):
        fname.write(b"\x89PNG half")
        raise RuntimeError("renderer died")

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(RuntimeError):
        s.plot(p, target)
    assert target.read_bytes() == b"old picture" and os.listdir(tmp_path) == ["x.png"]

    monkeypatch.setattr(Figure, "savefig", real_savefig)
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(InputError, match="No space left"):
        s.plot(p, target)
    assert target.read_bytes() == b"old picture" and os.listdir(tmp_path) == ["x.png"]

    monkeypatch.setattr(os, "replace", real_replace)
    s.plot(p, target)
    _picture(target)
    assert os.listdir(tmp_path) == ["x.png"]


def test_plotting_leaves_pyplot_and_the_backend_alone(balance):
    p, s = balance
    backend = matplotlib.get_backend()
    fig = s.plot(p)
    assert matplotlib.get_backend() == backend
    import matplotlib.pyplot as plt
    assert fig not in [plt.figure(n) for n in plt.get_fignums()]      # not registered with pyplot
