"""Every figure function of robustcvx.plots: the data it draws (artists), not pixels, and where legends sit."""

from __future__ import annotations

import numpy as np
import pytest

from robustcvx import plots
from robustcvx.certify import certified_curve


def _lines(ax):
    return [ln for ln in ax.get_lines()]


def _line(ax, label=None, gid=None):
    for ln in ax.get_lines():
        if (label is not None and ln.get_label() == label) or (gid is not None and ln.get_gid() == gid):
            return ln
    raise AssertionError(f"no line {label or gid!r}; have {[(ln.get_label(), ln.get_gid()) for ln in ax.get_lines()]}")


def _bar_heights(ax):
    from matplotlib.patches import Rectangle

    return np.array([p.get_height() for p in ax.patches if isinstance(p, Rectangle)])


@pytest.fixture()
def small_curve():
    X = np.array([[0.1, 0.2], [0.4, 0.9], [0.8, 0.1], [0.3, 0.3], [0.9, 0.7]])
    y = np.array([1.0, 1.0, -1.0, -1.0, 1.0])
    return certified_curve((np.array([1.0, -0.5]), 0.05), X, y)


def test_figures_do_not_touch_pyplot_state():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = plots.hinge_loss_figure()
    assert type(fig).__name__ == "Figure"
    assert plt.get_fignums() == before


def test_epsilon_color_is_stable_and_grey_for_zero():
    eps = (0.05, 0.1, 0.2)
    assert plots.epsilon_color(0.0, eps) == plots.REGULAR_COLOR
    cols = [plots.epsilon_color(e, eps) for e in eps]
    assert len(set(cols)) == 3
    assert plots.epsilon_color(0.1, eps) == plots.epsilon_color(0.1, (0.2, 0.1, 0.05))


def test_step_points_match_the_curve(small_curve):
    x, y = plots.step_points(small_curve, 0.3)
    assert x[0] == 0.0 and x[-1] == 0.3
    assert np.all(np.diff(x) > 0)
    # the value on [x_k, x_{k+1}) is the curve's value at x_k
    np.testing.assert_allclose(y[:-1], small_curve(x[:-1]))
    assert y[-1] == small_curve(0.3 - 1e-12)


def test_hinge_loss_figure_draws_the_hinge_and_the_margin_histograms():
    margins = {"model A": np.array([-0.5, 0.5, 1.0, 1.5, 2.0, 9.0])}
    fig = plots.hinge_loss_figure(margins, title="hinge on toy data", m_range=(-2, 3))
    ax = fig.axes[0]
    hinge = _line(ax, gid="hinge")
    m = hinge.get_xdata()
    np.testing.assert_allclose(hinge.get_ydata(), np.maximum(0, 1 - m))
    zero_one = _line(ax, gid="zero-one")
    np.testing.assert_allclose(zero_one.get_ydata(), (m <= 0).astype(float))
    ax2 = fig.axes[1]
    # one stepfilled histogram: the 5 margins inside the axis; 9.0 is reported as beyond it
    labels = ax2.get_legend_handles_labels()[1]
    assert labels == ["model A (1 beyond the axis)"]
    assert fig._suptitle is None and ax.get_title() == "hinge on toy data"
    assert ax.get_xlabel().startswith("margin")


def test_robust_hinge_figure_shifts_the_hinge_and_shades_the_flip_band():
    shifts = [("regular", 0.0), ("eps 0.1", 0.7, "C1"), ("eps 0.2", 1.4)]
    margins = np.array([-1.0, 0.3, 0.6, 2.0, 5.0])
    fig = plots.robust_hinge_figure(shifts, highlight=1, margins=margins, margins_label="test margins")
    ax = fig.axes[0]
    for k, (_, s, *_) in enumerate(shifts):
        ln = _line(ax, gid=f"robust-hinge-{k}")
        np.testing.assert_allclose(ln.get_ydata(), np.maximum(0, 1 - ln.get_xdata() + s))
    assert _line(ax, gid="robust-hinge-1").get_color() == "C1"
    band = [p for p in ax.patches if "flipped" in str(p.get_label())]
    assert len(band) == 1
    xs = np.asarray(band[0].get_path().transformed(band[0].get_patch_transform()).vertices)[:, 0]
    assert xs.min() == pytest.approx(0.0) and xs.max() == pytest.approx(0.7)
    assert "(2 test samples)" in band[0].get_label()  # 0.3 and 0.6 are in (0, 0.7]


def test_loss_landscape_figure_draws_the_given_curves():
    t = np.linspace(-1, 1, 11)
    panels = [{"name": "strong", "loss": {"reg": t ** 2, "rob": t ** 2 + 0.1 * abs(t)},
               "grad": {"reg": 2 * t, "rob": 2 * t + 0.1 * np.sign(t)}, "note": "a note"},
              {"name": "weak", "loss": {"reg": abs(t), "rob": 2 * abs(t)}, "grad": {"reg": np.sign(t), "rob": t}}]
    fig = plots.loss_landscape_figure(t, panels, epsilon=0.1, title="toy")
    axes = fig.axes
    assert len(axes) == 4
    np.testing.assert_allclose(_line(axes[0], "rob").get_ydata(), t ** 2 + 0.1 * abs(t))
    np.testing.assert_allclose(_line(axes[1], "rob").get_ydata(), 2 * t + 0.1 * np.sign(t))
    np.testing.assert_allclose(_line(axes[3], "reg").get_ydata(), np.sign(t))
    assert "strong" in axes[0].get_title()
    assert any(txt.get_text() == "a note" for txt in axes[1].texts)


def test_threat_sets_figure_draws_boxes_balls_and_worst_corners():
    from matplotlib.patches import Circle, Polygon, Rectangle

    P = np.array([[0.2, 0.6], [0.6, 0.65], [0.7, 0.2]])
    y = np.array([1.0, 1.0, -1.0])
    eps = 0.1
    w, b = np.array([-1.0, 1.0]), 0.0
    fig = plots.threat_sets_figure(P, y, eps, w=w, b=b)
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle) and str(p.get_gid()).startswith("linf")]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    diamonds = [p for p in ax.patches if isinstance(p, Polygon) and str(p.get_gid()).startswith("l1")]
    assert len(rects) == len(circles) == len(diamonds) == 3
    for i, p in enumerate(P):
        r = next(r for r in rects if r.get_gid() == f"linf-{i}")
        np.testing.assert_allclose(r.get_xy(), p - eps)
        assert r.get_width() == pytest.approx(2 * eps) and r.get_height() == pytest.approx(2 * eps)
        c = next(c for c in circles if c.get_gid() == f"l2-{i}")
        assert c.get_radius() == pytest.approx(eps)
        np.testing.assert_allclose(c.center, p)
        d = next(d for d in diamonds if d.get_gid() == f"l1-{i}")
        np.testing.assert_allclose(np.abs(d.get_xy()[:4] - p).sum(axis=1), eps)  # vertices on the l1 sphere
    worst = P - eps * y[:, None] * np.sign(w)
    kept = next(c for c in ax.collections if c.get_gid() == "worst").get_offsets()
    flipped = next(c for c in ax.collections if c.get_gid() == "worst-flipped").get_offsets()
    # the second point (margin 0.05 < eps ||w||_1 = 0.2) is flipped: drawn apart, in red
    np.testing.assert_allclose(flipped, worst[[1]])
    np.testing.assert_allclose(kept, worst[[0, 2]])
    # points given by the caller (e.g. a threat's worst_delta) are drawn instead
    given = P + np.array([[0.7, 0.0], [0.0, 0.0], [0.0, 0.0]])     # point 0 moved across the boundary
    fig = plots.threat_sets_figure(P, y, eps, w=w, b=b, worst=given)
    moved = next(c for c in fig.axes[0].collections if c.get_gid() == "worst-flipped").get_offsets()
    np.testing.assert_allclose(moved, given[[0]])


def test_weight_images_figure_one_colour_scale_per_panel_masks_and_text_cells():
    rng = np.random.default_rng(0)
    w1, w2, w3 = rng.normal(size=16), 5 * rng.normal(size=16), rng.normal(size=16)
    mask = np.zeros(16, dtype=bool)
    mask[[0, 5]] = True
    w1[0] = 100.0                                       # a masked pixel never sets the scale
    rows = [("row A", [("exact", w1), ("sgd", w2)]), ("row B", [("exact", w3), ("copy", "same as exact, row A")])]
    fig = plots.weight_images_figure(rows, (4, 4), mask=mask, title="weights")
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3                             # the text cell draws no image
    for im, w in zip(images, (w1, w2, w3)):
        arr = im.get_array()
        assert np.ma.isMaskedArray(arr) and list(np.flatnonzero(np.ma.getmaskarray(arr).ravel())) == [0, 5]
        np.testing.assert_allclose(arr.ravel()[~mask], w[~mask])
        v = np.abs(w[~mask]).max()                      # each panel: its own symmetric scale
        assert im.norm.vmin == pytest.approx(-v) and im.norm.vmax == pytest.approx(v)
    assert images[0].norm.vmax != pytest.approx(images[1].norm.vmax)
    assert any(t.get_text() == "same as exact, row A" for ax in fig.axes for t in ax.texts)
    # square-root colour map: a quarter of the scale sits half way up
    fig2 = plots.weight_images_figure(rows, (4, 4), sqrt_scale=True)
    im = [ax.images[0] for ax in fig2.axes if ax.images][1]
    v = np.abs(w2).max()
    assert im.norm(0.25 * v) == pytest.approx(0.5 + 0.5 * 0.5)


def test_accuracy_vs_epsilon_figure_draws_steps_attacks_and_zoom(small_curve):
    att_eps = np.linspace(0, 0.3, 7)
    att_acc = small_curve(att_eps)
    models = [{"label": "m1", "group": "exact", "color": "C0", "curve": small_curve, "clean": 0.8,
               "attack_eps": att_eps, "attack_acc": att_acc},
              {"label": "m2", "group": "SGD", "color": "C1", "curve": small_curve, "clean": 0.8,
               "attack_eps": att_eps, "attack_acc": att_acc, "linestyle": "--"}]
    zoom = {"label": "m1", "color": "C0", "curve": small_curve, "attack_eps": att_eps, "attack_acc": att_acc,
            "range": (0.0, 0.3)}
    fig = plots.accuracy_vs_epsilon_figure(models, 0.3, zoom=zoom)
    ax_exact, ax_sgd, ax_zoom = fig.axes
    x, y = plots.step_points(small_curve, 0.3)
    cert = _line(ax_exact, gid="certified:m1")
    np.testing.assert_allclose(cert.get_xdata(), x)
    np.testing.assert_allclose(cert.get_ydata(), y)
    assert cert.get_drawstyle() == "steps-post"
    attacked = _line(ax_sgd, gid="attacked:m2")
    np.testing.assert_allclose(attacked.get_ydata(), att_acc)
    np.testing.assert_allclose(_line(ax_exact, gid="clean:m1").get_ydata(), [0.8, 0.8])
    bps = _line(ax_zoom, gid="zoom:breakpoints")
    np.testing.assert_allclose(bps.get_xdata(), small_curve.breakpoints[small_curve.breakpoints < 0.3])
    assert ax_exact.get_title() == "exact" and ax_sgd.get_title() == "SGD"


def test_nearest_misclassified_figure_shows_images_and_scores():
    imgs = np.arange(2 * 9, dtype=float).reshape(2, 9) / 20
    rows = [{"label": "model A clean", "images": imgs, "scores": np.array([0.01, -0.2]),
             "labels": np.array([-1.0, 1.0]), "total": 5},
            {"label": "model B", "images": np.zeros((0, 9)), "scores": np.zeros(0), "labels": np.zeros(0), "total": 0}]
    fig = plots.nearest_misclassified_figure(rows, (3, 3), class_names={-1.0: "zero", 1.0: "one"})
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 2
    np.testing.assert_allclose(drawn[0].images[0].get_array(), imgs[0].reshape(3, 3))
    assert drawn[0].get_title() == "true zero\ndist +0.01"
    assert drawn[1].get_title() == "true one\ndist -0.2"
    assert "(5 wrong)" in fig.axes[0].get_ylabel()
    assert any("no misclassified" in t.get_text() for ax in fig.axes for t in ax.texts)


def test_distance_histograms_bins_start_at_zero_and_count_the_values():
    a = np.array([-0.31, -0.05, -0.04, -0.01, 0.0])
    b = np.array([-0.2])
    panels = [{"title": "clean", "series": [("reg", a, "C0"), ("rob", b, "C1")], "vline": -0.1},
              {"title": "attacked", "series": [("reg", np.zeros(0), "C0")]}]
    fig = plots.distance_histograms_figure(panels, bins=10, log=False)
    ax = fig.axes[0]
    heights = _bar_heights(ax)
    edges = plots.aligned_edges(-0.31, 0.0, 10, anchor=0.0)
    assert edges[-1] == 0.0 and np.any(np.isclose(edges, -0.1))
    np.testing.assert_allclose(heights[: edges.size - 1], np.histogram(a, edges)[0])
    np.testing.assert_allclose(heights[edges.size - 1:], np.histogram(b, edges)[0])
    labels = ax.get_legend_handles_labels()[1]
    assert "reg (5 wrong, median -0.04)" in labels
    assert _line(ax, label=labels[-1]).get_xdata()[0] == -0.1
    medians = [ln for ln in ax.get_lines() if ln.get_gid() == "median"]
    assert sorted(float(m.get_xdata()[0]) for m in medians) == [-0.2, -0.04]
    assert "(none misclassified)" in fig.axes[1].get_legend_handles_labels()[1][0]
    many = plots.distance_histograms_figure([{"title": "t", "series": [("x", -np.linspace(0, 1, 500), "C0")]}],
                                            bins=10, log=True)
    assert many.axes[0].get_yscale() == "log"            # counts of 20+ per bin: logarithmic axis


def test_training_curves_figure_draws_last_best_averaged_and_optimum():
    panels = [{"title": "eps 0", "epochs": [1, 2, 3], "objective": [0.3, 0.1, 0.0], "optimum": 1e-17},
              {"title": "eps 0.2", "epochs": [1, 2, 3], "objective": [0.5, 0.2, 0.35], "optimum": 0.1, "color": "C2",
               "best": True, "averaged": [0.5, 0.3, 0.25]},
              {"title": "eps 0.3", "epochs": [1, 2], "objective": [0.9, 0.8], "optimum": 0.7}]
    fig = plots.training_curves_figure(panels)
    ax0, ax1, ax2 = fig.axes[:3]
    np.testing.assert_allclose(_line(ax1, gid="sgd:last").get_ydata(), [0.5, 0.2, 0.35])
    np.testing.assert_allclose(_line(ax1, gid="sgd:best").get_ydata(), [0.5, 0.2, 0.2])   # running minimum
    np.testing.assert_allclose(_line(ax1, gid="sgd:averaged").get_ydata(), [0.5, 0.3, 0.25])
    np.testing.assert_allclose(_line(ax1, gid="optimum").get_ydata(), [0.1, 0.1])
    assert ax1.get_yscale() == "log"
    assert ax0.get_yscale() == "linear"  # optimum 0 (degenerate): linear axis, drawn at 0
    assert "separable" in _line(ax0, gid="optimum").get_label()
    assert not [ln for ln in ax2.get_lines() if ln.get_gid() in ("sgd:best", "sgd:averaged")]
    assert not fig.axes[3].axison  # 3 panels in a 2 x 2 grid: the 4th is blank


def test_optima_figure_draws_each_curve_and_the_radii(small_curve):
    radii = np.array([-0.1, 0.05, 0.1, 0.2, np.inf])
    models = [{"label": "SGD", "color": "C0", "curve": small_curve, "radii": radii},
              {"label": "max-margin", "color": "C3", "curve": small_curve, "radii": radii + 0.1}]
    fig = plots.optima_figure(models, 0.3, epsilon=0.1)
    ax, axh = fig.axes[:2]
    _x, y = plots.step_points(small_curve, 0.3)
    np.testing.assert_allclose(_line(ax, gid="optimum:SGD").get_ydata(), y)
    acc = small_curve(0.1)
    assert f"{100 * acc:.1f}% at eps = 0.1" in _line(ax, gid="optimum:SGD").get_label()
    labels = axh.get_legend_handles_labels()[1]
    assert labels == ["SGD: 3 at or below eps", "max-margin: 1 at or below eps"]   # radii <= 0.1


def test_box_threat_figure_draws_each_curve(small_curve):
    models = [{"label": "box-aware", "curve": small_curve, "color": "C0"},
              {"label": "box-free", "curve": small_curve, "color": "C0", "linestyle": "--"}]
    fig = plots.box_threat_figure(models, 0.3, marks=[0.1])
    ax = fig.axes[0]
    _x, y = plots.step_points(small_curve, 0.3)
    ln = _line(ax, gid="box-certified:box-free")
    np.testing.assert_allclose(ln.get_ydata(), y)
    assert ln.get_linestyle() == "--"
    assert ax.get_ylim()[1] == pytest.approx(1.01)


def test_aligned_edges_put_an_edge_on_the_anchor_and_snap_rounding_onto_it():
    edges = plots.aligned_edges(-2.0, 7.3, 60, anchor=1.0)
    h = edges[1] - edges[0]
    assert edges[0] <= -2.0 and edges[-1] >= 7.3
    assert np.any(edges == 1.0) and np.any(np.isclose(edges, 0.0))
    np.testing.assert_allclose(np.diff(edges), h)
    assert h in (0.1, 0.2, 0.5) or np.isclose(h / 10 ** np.floor(np.log10(h)), [1, 2, 5]).any()
    v = plots.snap(np.array([0.9999999999, 1.0000000001, 0.95]), edges)
    assert list(v[:2]) == [1.0, 1.0] and v[2] == 0.95
    counts = np.histogram(v, edges)[0]
    assert counts[np.searchsorted(edges, 1.0)] == 2     # both in the bin that starts at 1


def _overlaps(fig, ax):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    legend = ax.get_legend()
    return legend.get_window_extent(renderer).overlaps(ax.get_window_extent(renderer))


def test_legends_of_data_figures_sit_outside_the_axes(small_curve):
    att = np.linspace(0, 0.3, 7)
    m = {"label": "m1", "group": "exact", "color": "C0", "curve": small_curve, "clean": 0.8, "attack_eps": att,
         "attack_acc": small_curve(att)}
    figs = [plots.accuracy_vs_epsilon_figure([m], 0.3),
            plots.box_threat_figure([{"label": "b", "curve": small_curve, "color": "C0"}], 0.3),
            plots.optima_figure([{"label": "o", "color": "C0", "curve": small_curve, "radii": np.ones(3)}], 0.3,
                                epsilon=0.1),
            plots.distance_histograms_figure([{"title": "t", "series": [("x", -np.ones(3), "C0")]}]),
            plots.training_curves_figure([{"title": "t", "epochs": [1, 2], "objective": [0.5, 0.4],
                                           "optimum": 0.1}])]
    for fig in figs:
        for ax in fig.axes:
            if ax.get_legend() is not None:
                assert not _overlaps(fig, ax), fig.texts
