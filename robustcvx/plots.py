"""The figures of ``robustcvx reproduce``: pure functions from arrays to a matplotlib Figure.

Every function takes plain data (numpy arrays, numbers, small dicts; certified-accuracy
curves are anything with ``breakpoints`` and ``levels``, e.g.
:class:`robustcvx.certify.CertifiedCurve`), draws it, and returns a
:class:`matplotlib.figure.Figure`.  Nothing is computed from a model here beyond what is
drawn (the loss formulas in the explanatory figures), nothing is written to disk (use
:func:`robustcvx.io.savefig`), and pyplot's global state is never touched, so the functions
are safe to call from tests and from several threads.  matplotlib is imported lazily (on the
first call) with the Agg backend unless pyplot was already imported by the caller.

Conventions shared by the figures:

* the margin of a sample is ``y f(x)`` (positive: correct), its logit ``f(x) = w.x + b``;
* exact (certified-optimal) models are drawn with solid lines, SGD models with dashed lines;
* colours encode the training radius: :func:`epsilon_color`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "accuracy_vs_epsilon_figure",
    "box_threat_figure",
    "epsilon_color",
    "hinge_loss_figure",
    "logit_histograms_figure",
    "loss_landscape_figure",
    "nearest_misclassified_figure",
    "robust_hinge_figure",
    "step_points",
    "threat_sets_figure",
    "training_curves_figure",
    "weight_images_figure",
]

_EPS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
REGULAR_COLOR = "#404040"


def _figure(figsize: tuple[float, float]):
    """A new Figure not registered with pyplot (Agg canvas)."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def epsilon_color(epsilon: float, epsilons: Sequence[float] = ()) -> str:
    """The colour of training radius ``epsilon``: dark grey for 0, else by rank in ``epsilons``."""
    if float(epsilon) == 0.0:
        return REGULAR_COLOR
    pos = sorted({float(e) for e in epsilons if float(e) > 0} | {float(epsilon)})
    return _EPS_COLORS[pos.index(float(epsilon)) % len(_EPS_COLORS)]


def step_points(curve: Any, eps_max: float) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)`` of a certified-accuracy step curve on ``[0, eps_max]`` for ``drawstyle="steps-post"``.

    ``x`` is 0, every breakpoint below ``eps_max``, then ``eps_max``; ``y[k]`` is the accuracy on
    ``[x[k], x[k+1])`` (the last point repeats the value at ``eps_max``).
    """
    bps = np.asarray(curve.breakpoints, dtype=float)
    levels = np.asarray(curve.levels, dtype=float)
    inside = bps[bps < eps_max]
    x = np.concatenate(([0.0], inside, [float(eps_max)]))
    y = np.concatenate((levels[: inside.size + 1], [levels[inside.size]]))
    return x, y


def _suptitle(fig, title: str | None) -> None:
    if title:
        fig.suptitle(title, fontsize=12)


# ----------------------------------------------------------------------------- 1. hinge loss
def hinge_loss_figure(margins: Mapping[str, np.ndarray] | None = None, *, title: str | None = None,
                      m_range: tuple[float, float] = (-2.0, 3.0)):
    """Hinge loss ``max(0, 1 - m)`` and the 0-1 loss against the margin ``m = y f(x)``.

    The band ``0 < m < 1`` (correct but inside the margin, still penalised) is shaded.
    ``margins`` (optional, label -> array of training margins of some models) adds their
    histograms on a second axis, to show where trained models put the samples; margins
    outside ``m_range`` are not drawn and are counted in the legend.
    """
    fig = _figure((7.8, 4.6))
    ax = fig.add_subplot()
    lo, hi = m_range
    m = np.linspace(lo, hi, 501)
    ax.plot(m, np.maximum(0.0, 1.0 - m), color="C0", lw=2.5, label="hinge loss max(0, 1 - m)", gid="hinge")
    ax.plot(m, (m <= 0).astype(float), color="C3", lw=1.5, ls="--", label="0-1 loss (misclassified)",
            drawstyle="steps-post", gid="zero-one")
    ax.axvspan(0.0, 1.0, color="C1", alpha=0.15, label="0 < m < 1: correct, but inside the margin")
    ax.axvline(0.0, color="k", lw=0.8)
    ax.axvline(1.0, color="C1", lw=1.2, ls=":")
    top = max(1.0 - lo, 1.5)
    ax.annotate("zero loss needs\nmargin m >= 1", xy=(1.0, 0.02 * top), xytext=(1.0 + 0.12 * (hi - 1), 0.45 * top),
                arrowprops=dict(arrowstyle="->", color="0.3"), fontsize=9)
    ax.text(-0.05, 0.55 * top, "decision boundary f(x) = 0", rotation=90, ha="right", va="center", fontsize=8,
            color="0.2")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.03 * top, 1.02 * top)
    ax.set_xlabel("margin m = y (w.x + b)")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if margins:
        ax2 = ax.twinx()
        bins = np.linspace(lo, hi, 61)
        tallest = 1.0
        for k, (label, values) in enumerate(margins.items()):
            v = np.asarray(values, dtype=float)
            inside = v[(v >= lo) & (v <= hi)]
            outside = v.size - inside.size
            extra = f" ({outside} beyond the axis)" if outside else ""
            counts, _, _ = ax2.hist(inside, bins=bins, histtype="stepfilled", alpha=0.4,
                                    color=("C2", "C4", "C5", "C6")[k % 4], label=label + extra,
                                    edgecolor=("C2", "C4", "C5", "C6")[k % 4])
            tallest = max(tallest, float(np.max(counts)) if len(counts) else 1.0)
        ax2.set_ylim(0, 1.9 * tallest)  # keep the bars in the lower half, clear of the legend
        ax2.set_ylabel("training samples per bin")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper right", fontsize=8, framealpha=0.92)
    ax.set_title(title or "Hinge loss: zero only when the margin is at least 1")
    return fig


# ---------------------------------------------------------------------- 2. robust hinge loss
def robust_hinge_figure(shifts: Sequence[tuple], *, highlight: int | None = None,
                        margins: np.ndarray | None = None, margins_label: str = "test margins",
                        title: str | None = None, m_range: tuple[float, float] | None = None):
    """Robust hinge ``max(0, 1 - m + s)`` for each shift ``s = epsilon ||w||_1``, against the clean margin ``m``.

    ``shifts`` is a list of ``(label, s)`` or ``(label, s, color)``; ``s = 0`` is the regular
    hinge (dashed).  For the shift number ``highlight`` the band ``0 < m <= s`` is shaded:
    samples there are classified correctly but an attack of radius epsilon flips them (worst
    margin ``m - s <= 0``); the robust loss demands ``m >= 1 + s``, a tolerance of ``s`` beyond
    the regular margin.  ``margins`` (clean margins of the highlighted model on some data)
    adds their histogram on a second axis, with the number falling in the band.
    """
    fig = _figure((7.8, 4.6))
    ax = fig.add_subplot()
    smax = max([float(sh[1]) for sh in shifts] + [0.0])
    lo, hi = m_range or (-1.0, 2.0 + 1.25 * smax)
    m = np.linspace(lo, hi, 801)
    for k, sh in enumerate(shifts):
        label, s = sh[0], float(sh[1])
        color = sh[2] if len(sh) > 2 else (REGULAR_COLOR if s == 0 else _EPS_COLORS[k % len(_EPS_COLORS)])
        ax.plot(m, np.maximum(0.0, 1.0 - m + s), lw=2.2 if s else 1.6, color=color,
                ls="-" if s else "--", label=label, gid=f"robust-hinge-{k}")
        ax.plot([1.0 + s], [0.0], "o", color=color, ms=5)
    handles_extra = []
    if highlight is not None and shifts:
        s = float(shifts[highlight][1])
        band_label = f"0 < m <= {s:.3g}: correct, but flipped by the attack"
        if margins is not None:
            mm = np.asarray(margins, dtype=float)
            band_label += f" ({int(np.sum((mm > 0) & (mm <= s)))} {margins_label.split()[0]} samples)"
        ax.axvspan(0.0, s, color="C3", alpha=0.12, label=band_label)
        ax.annotate("", xy=(1.0 + s, 0.3), xytext=(1.0, 0.3), arrowprops=dict(arrowstyle="<->", color="C3"))
        ax.text(1.0 + s / 2, 0.42, f"shift {s:.3g}", ha="center", color="C3", fontsize=9)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.05, 2.0 + smax)
    ax.set_xlabel("clean margin m = y (w.x + b)")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if margins is not None:
        ax2 = ax.twinx()
        mm = np.asarray(margins, dtype=float)
        inside = mm[(mm >= lo) & (mm <= hi)]
        counts, _, _ = ax2.hist(inside, bins=np.linspace(lo, hi, 61), histtype="stepfilled", color="0.6",
                                alpha=0.35, label=f"{margins_label} ({mm.size - inside.size} beyond the axis)"
                                if mm.size > inside.size else margins_label)
        ax2.set_ylim(0, 2.2 * max(float(np.max(counts)) if len(counts) else 1.0, 1.0))
        ax2.set_ylabel("samples per bin")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper right", fontsize=7.5, framealpha=0.92)
    ax.set_title(title or "Robust hinge: the hinge shifted right by epsilon ||w||_1")
    return fig


# ------------------------------------------------------------------------- 3. loss landscape
def loss_landscape_figure(t: np.ndarray, panels: Sequence[Mapping[str, Any]], *, epsilon: float,
                          title: str | None = None):
    """1-D loss landscapes along one weight and their gradients, regular vs robust.

    ``t`` are the values of the weight; each panel (one row of the figure) is a mapping with
    ``name`` (row label), ``loss`` and ``grad`` (each a mapping label -> array over ``t``; the
    first entry is drawn solid grey, the second dashed orange) and optionally ``note`` (a line
    of text in the gradient axes).  Left column: the objective; right column: its derivative.
    """
    t = np.asarray(t, dtype=float)
    fig = _figure((10.5, 3.4 * max(1, len(panels)) + 0.6))
    axes = fig.subplots(len(panels), 2, squeeze=False)
    for r, panel in enumerate(panels):
        axl, axg = axes[r]
        for k, (label, values) in enumerate(panel["loss"].items()):
            axl.plot(t, np.asarray(values, dtype=float), lw=2, ls="-" if k == 0 else "--",
                     color=REGULAR_COLOR if k == 0 else "C1", label=label)
        for k, (label, values) in enumerate(panel["grad"].items()):
            axg.plot(t, np.asarray(values, dtype=float), lw=2, ls="-" if k == 0 else "--",
                     color=REGULAR_COLOR if k == 0 else "C1", label=label, drawstyle="steps-mid")
        axg.axhline(0.0, color="k", lw=0.8)
        for ax in (axl, axg):
            ax.axvline(0.0, color="0.5", lw=0.8, ls=":")
            ax.set_xlabel("value of the weight w_j (all other weights and the bias 0)")
            ax.set_xlim(float(t[0]), float(t[-1]))
            ax.grid(alpha=0.2)
        axl.set_ylabel("training objective")
        axg.set_ylabel("d objective / d w_j")
        axl.set_title(f"{panel['name']}: objective", fontsize=10)
        axg.set_title("its derivative", fontsize=10)
        axl.legend(fontsize=8, loc="upper center")
        axg.legend(fontsize=8, loc="upper left")
        if panel.get("note"):
            axg.text(0.98, 0.04, panel["note"], transform=axg.transAxes, ha="right", va="bottom", fontsize=8.5,
                     color="C1", bbox=dict(facecolor="white", edgecolor="C1", alpha=0.9))
    _suptitle(fig, title or f"Loss along one weight, regular vs robust (epsilon = {epsilon:g})")
    return fig


# --------------------------------------------------------------------------- 4. threat sets
def threat_sets_figure(points: np.ndarray, labels: np.ndarray, epsilon: float, *,
                       w: np.ndarray | None = None, b: float = 0.0, title: str | None = None):
    """l_inf boxes (filled), l_2 discs and l_1 diamonds of radius ``epsilon`` around 2-D points.

    With a linear model ``(w, b)`` the decision boundary is drawn and, for every point, the
    worst corner of its l_inf box (``x - epsilon y sign(w)``), the point an attack moves it to.
    """
    from matplotlib.patches import Circle, Polygon, Rectangle

    P = np.asarray(points, dtype=float).reshape(-1, 2)
    y = np.asarray(labels, dtype=float).reshape(-1)
    eps = float(epsilon)
    fig = _figure((6.4, 6.6))
    ax = fig.add_subplot()
    for i, (p, yi) in enumerate(zip(P, y)):
        c = "C0" if yi > 0 else "C3"
        ax.add_patch(Rectangle((p[0] - eps, p[1] - eps), 2 * eps, 2 * eps, facecolor=c, alpha=0.18,
                               edgecolor=c, lw=1.5, label="l_inf box (our threat)" if i == 0 else None,
                               gid=f"linf-{i}"))
        ax.add_patch(Circle(tuple(p), eps, fill=False, edgecolor="0.25", ls="--", lw=1.2,
                            label="l_2 ball" if i == 0 else None, gid=f"l2-{i}"))
        diamond = np.array([[p[0] + eps, p[1]], [p[0], p[1] + eps], [p[0] - eps, p[1]], [p[0], p[1] - eps]])
        ax.add_patch(Polygon(diamond, closed=True, fill=False, edgecolor="0.25", ls=":", lw=1.4,
                             label="l_1 ball" if i == 0 else None, gid=f"l1-{i}"))
    pos, neg = y > 0, y <= 0
    ax.scatter(P[pos, 0], P[pos, 1], c="C0", marker="o", s=40, zorder=3, label="class +1")
    ax.scatter(P[neg, 0], P[neg, 1], c="C3", marker="s", s=40, zorder=3, label="class -1")
    lo = P.min(axis=0) - 2.2 * eps
    hi = P.max(axis=0) + 2.2 * eps
    if w is not None:
        w = np.asarray(w, dtype=float).reshape(2)
        xs = np.linspace(lo[0], hi[0], 2)
        if abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b) / w[1], color="k", lw=1.5, label="decision boundary w.x + b = 0")
        else:
            ax.axvline(-b / w[0], color="k", lw=1.5, label="decision boundary w.x + b = 0")
        worst = P - eps * y[:, None] * np.sign(w)[None, :]
        for i in range(P.shape[0]):
            ax.annotate("", xy=tuple(worst[i]), xytext=tuple(P[i]),
                        arrowprops=dict(arrowstyle="->", color="0.1", lw=1.0))
        flipped = (y * (worst @ w + b) <= 0) & (y * (P @ w + b) > 0)
        ax.scatter(worst[~flipped, 0], worst[~flipped, 1], marker="x", c="k", s=30, zorder=4,
                   label="worst case x - eps y sign(w)", gid="worst")
        if flipped.any():
            ax.scatter(worst[flipped, 0], worst[flipped, 1], marker="X", c="C3", s=70, zorder=5,
                       edgecolors="k", linewidths=0.5, label="worst case across the boundary: flipped",
                       gid="worst-flipped")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, framealpha=0.9)
    _suptitle(fig, title or f"Threat sets of radius epsilon = {eps:g} around 2-D points")
    return fig


# ------------------------------------------------------------------------- 5. weight images
def weight_images_figure(rows: Sequence[tuple[str, Sequence[tuple[str, np.ndarray | None]]]],
                         image_shape: tuple[int, int], *, normalize: bool = False, sqrt_scale: bool = False,
                         title: str | None = None):
    """Weights as images: one row per training radius, one column per method.

    ``rows`` is ``[(row_label, [(column_label, w or None), ...]), ...]``.  With ``normalize``
    each ``w`` is drawn as ``w / ||w||_1`` (a linear classifier does not change when ``w`` and
    ``b`` are scaled, so this puts models of any scale side by side).  Every row has ONE
    symmetric colour scale ``[-v, v]`` (``v`` the largest drawn ``|w_j|`` in the row; red
    positive, blue negative) with a colour bar; ``sqrt_scale`` maps colour to ``sign(w) sqrt(|w|)``
    (small weights stay visible beside a few large ones; the colour bar keeps the true values).
    A ``None`` weight leaves an empty, labelled cell and a row with fewer cells leaves the rest blank.
    """
    from matplotlib.colors import FuncNorm, Normalize
    ncols = max(len(cells) for _, cells in rows)
    fig = _figure((2.35 * ncols + 1.4, 2.35 * len(rows) + 0.7))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    shape = tuple(int(s) for s in image_shape)

    def drawn(w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float)
        n1 = float(np.abs(w).sum())
        return w / n1 if (normalize and n1 > 0) else w

    for r, (row_label, cells) in enumerate(rows):
        ws = [drawn(w) for _, w in cells if w is not None]
        vmax = max([float(np.abs(w).max()) for w in ws] + [1e-12])
        if sqrt_scale:
            norm = FuncNorm((lambda v: np.sign(v) * np.sqrt(np.abs(v)), lambda v: np.sign(v) * v * v),
                            vmin=-vmax, vmax=vmax)
        else:
            norm = Normalize(vmin=-vmax, vmax=vmax)
        image = None
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(cells):
                ax.set_axis_off()
                continue
            col_label, w = cells[c]
            if w is None:
                ax.text(0.5, 0.5, "not trained", ha="center", va="center", transform=ax.transAxes, fontsize=8)
            else:
                image = ax.imshow(drawn(w).reshape(shape), cmap="RdBu_r", norm=norm, interpolation="nearest")
            ax.set_title(col_label, fontsize=8.5)
            if c == 0:
                ax.set_ylabel(row_label, fontsize=9.5)
        if image is not None:
            cb = fig.colorbar(image, ax=list(axes[r]), shrink=0.9, pad=0.02)
            cb.ax.tick_params(labelsize=7)
            cb.set_label(("w_j / ||w||_1" if normalize else "weight w_j") + (" (sqrt scale)" if sqrt_scale else ""),
                         fontsize=8)
            if sqrt_scale:
                ticks = np.array([-1, -0.25, 0, 0.25, 1.0]) * vmax
                cb.set_ticks(ticks)
                cb.set_ticklabels([f"{v:.2g}" for v in ticks])
    _suptitle(fig, title or "Model weights as images (red: evidence for class +1, blue: for class -1)")
    return fig


# ---------------------------------------------------------------------- 6. accuracy vs epsilon
def accuracy_vs_epsilon_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *,
                               title: str | None = None, marks: Sequence[float] = (),
                               zoom: Mapping[str, Any] | None = None):
    """Clean, exactly certified and attacked accuracy against the radius, one panel per group.

    Each model is a mapping with ``label``, ``group`` (panel title), ``color``, ``curve``
    (``breakpoints``/``levels``: drawn as an exact step line), ``clean`` (drawn as a dotted
    level), ``attack_eps``/``attack_acc`` (accuracy under the worst-case attack, drawn as open
    circles: for a linear model they sit on the certified steps) and optionally ``linestyle``.
    ``marks`` draws faint vertical lines (e.g. the training radii).  ``zoom`` (a mapping with
    ``label``, ``color``, ``curve``, ``attack_eps``, ``attack_acc`` and ``range = (lo, hi)``)
    adds a last panel magnifying a few steps of one model, its breakpoints marked.
    """
    from matplotlib.lines import Line2D

    groups: list[str] = []
    for m in models:
        if m["group"] not in groups:
            groups.append(m["group"])
    npanels = len(groups) + (1 if zoom else 0)
    fig = _figure((5.6 * npanels + 0.4, 4.9))
    axes = fig.subplots(1, npanels, squeeze=False)[0]
    for ax, group in zip(axes, groups):
        for m in (m for m in models if m["group"] == group):
            x, y = step_points(m["curve"], eps_max)
            ax.plot(x, y, drawstyle="steps-post", color=m["color"], lw=1.8, ls=m.get("linestyle", "-"),
                    label=m["label"], gid=f"certified:{m['label']}")
            ax.axhline(float(m["clean"]), color=m["color"], lw=0.9, ls=":", gid=f"clean:{m['label']}")
            ax.plot(np.asarray(m["attack_eps"], dtype=float), np.asarray(m["attack_acc"], dtype=float), "o",
                    mfc="none", mec=m["color"], ms=5, mew=1.1, gid=f"attacked:{m['label']}")
        for e in marks:
            ax.axvline(float(e), color="0.85", lw=0.8, zorder=0)
        ax.set_xlim(0.0, eps_max)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("radius epsilon of the l_inf attack")
        ax.set_ylabel("accuracy on the evaluation split")
        ax.set_title(group, fontsize=10)
        ax.grid(alpha=0.25)
        handles, labels = ax.get_legend_handles_labels()
        handles += [Line2D([], [], color="0.3", lw=1.8), Line2D([], [], color="0.3", marker="o", mfc="none", ls=""),
                    Line2D([], [], color="0.3", ls=":", lw=0.9)]
        labels += ["certified (exact step curve)", "attacked (worst case)", "clean"]
        ax.legend(handles, labels, fontsize=7.5, loc="best", framealpha=0.92)
    if zoom:
        ax = axes[-1]
        lo, hi = (float(v) for v in zoom["range"])
        bps = np.asarray(zoom["curve"].breakpoints, dtype=float)
        inside = bps[(bps > lo) & (bps < hi)]
        x = np.concatenate(([lo], inside, [hi]))
        y = np.asarray(zoom["curve"](x), dtype=float)
        ax.plot(x, y, drawstyle="steps-post", color=zoom["color"], lw=1.8, label="certified (exact step curve)",
                gid="zoom:certified")
        ax.plot(inside, np.asarray(zoom["curve"](inside), dtype=float), "|", color="k", ms=12,
                label=f"breakpoints = certified radii ({inside.size})", gid="zoom:breakpoints")
        ax.plot(np.asarray(zoom["attack_eps"], dtype=float), np.asarray(zoom["attack_acc"], dtype=float), "o",
                mfc="none", mec=zoom["color"], ms=5, mew=1.1, label="attacked (worst case)", gid="zoom:attacked")
        ax.set_xlim(lo, hi)
        ax.set_xlabel("radius epsilon of the l_inf attack")
        ax.set_ylabel("accuracy on the evaluation split")
        ax.set_title(f"zoom: {zoom['label']}", fontsize=10)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.grid(alpha=0.25)
        ax.legend(fontsize=7.5, loc="lower left", framealpha=0.92)
    _suptitle(fig, title or "Accuracy against the attack radius: certified = attacked for linear models")
    return fig


# ----------------------------------------------------------- 7. misclassified near the boundary
def nearest_misclassified_figure(rows: Sequence[Mapping[str, Any]], image_shape: tuple[int, int], *,
                                 class_names: Mapping[float, str] | None = None, title: str | None = None,
                                 vmin: float = 0.0, vmax: float = 1.0):
    """Misclassified samples nearest the decision boundary, as images with their logits.

    Each row is a mapping with ``label`` (row title), ``images`` (``k x d``), ``logits`` and
    ``labels`` (length ``k``, labels +-1) and ``total`` (how many samples that row's model
    gets wrong in all); a row with ``k = 0`` says so.
    """
    ncols = max([len(r["logits"]) for r in rows] + [1])
    names = class_names or {1.0: "+1", -1.0: "-1"}
    fig = _figure((1.55 * ncols + 0.6, 1.95 * len(rows) + 0.6))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    shape = tuple(int(s) for s in image_shape)
    for r, row in enumerate(rows):
        imgs = np.asarray(row["images"], dtype=float).reshape(-1, *shape) if len(row["logits"]) else []
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(imgs):
                ax.imshow(imgs[c], cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
                yl = float(row["labels"][c])
                ax.set_title(f"true {names.get(yl, yl)}\nlogit {float(row['logits'][c]):+.3g}", fontsize=8)
            else:
                for s in ax.spines.values():
                    s.set_visible(False)
                if c == 0:
                    ax.text(0.05, 0.5, "no misclassified\nsamples", transform=ax.transAxes, fontsize=8, va="center")
            if c == 0:
                ax.set_ylabel(f"{row['label']}\n({int(row['total'])} wrong)", fontsize=8)
    _suptitle(fig, title or "Misclassified samples nearest the decision boundary")
    return fig


# ------------------------------------------------------------------------ 8. logit histograms
def logit_histograms_figure(panels: Sequence[Mapping[str, Any]], *, bins: int = 30, fraction: bool = False,
                            log: bool = True, ncols: int | None = None, title: str | None = None,
                            xlabel: str = "logit of the true class y f(x) of a misclassified sample"):
    """Histograms of the logits of misclassified samples, one panel per situation.

    Each panel is a mapping with ``title`` and ``series``: a list of ``(label, logits, color)``
    or ``(label, logits, color, vline)``; ``vline`` draws a dashed vertical line in the series'
    colour (e.g. the attack's shift ``-epsilon ||w||_1``).  Empty series are listed in the
    legend as ``(none misclassified)``.  All series of a panel share the bins.  With
    ``fraction`` every series is normalised to sum to 1; with ``log`` the counts axis is
    logarithmic (a model with few errors stays visible beside one with many).  Panels are laid
    out in rows of ``ncols`` (default: all in one row).
    """
    ncols = ncols or len(panels)
    nrows = -(-len(panels) // ncols)
    fig = _figure((5.6 * ncols + 0.4, 3.9 * nrows + 0.5))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    for ax, panel in zip(axes, panels):
        values = [np.asarray(sr[1], dtype=float) for sr in panel["series"]]
        lines = [float(sr[3]) for sr in panel["series"] if len(sr) > 3 and sr[3] is not None]
        allv = np.concatenate(values + [np.asarray(lines)]) if values else np.zeros(0)
        if allv.size:
            lo, hi = float(allv.min()), float(max(allv.max(), 0.0))
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            pad = 0.02 * (hi - lo)
            edges = np.linspace(lo - pad, hi + pad, bins + 1)
        else:
            edges = np.linspace(-1.0, 1.0, bins + 1)
        for sr, v in zip(panel["series"], values):
            label, color = sr[0], sr[2]
            if v.size:
                ax.hist(v, bins=edges, color=color, alpha=0.45, label=f"{label} ({v.size} misclassified)",
                        edgecolor=color, weights=np.full(v.size, 1.0 / v.size) if fraction else None)
            else:
                ax.plot([], [], color=color, label=f"{label} (none misclassified)")
            if len(sr) > 3 and sr[3] is not None:
                ax.axvline(float(sr[3]), color=color, ls="--", lw=1.3, label=f"attack shift {float(sr[3]):.3g}")
        ax.axvline(0.0, color="k", lw=0.8)
        if log and any(v.size for v in values):
            from matplotlib.ticker import FuncFormatter, NullFormatter

            ax.set_yscale("log")
            top = max(float(np.histogram(v, edges)[0].max()) for v in values if v.size)
            ax.set_ylim(0.7, 6.0 * top)  # headroom for the legend
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("fraction of the model's errors" if fraction else "misclassified samples")
        ax.set_title(panel["title"], fontsize=10)
        ax.legend(fontsize=7.5, loc="upper left", framealpha=0.9)
    _suptitle(fig, title or "Logits of misclassified samples")
    return fig


# ------------------------------------------------------------------------- 9. training curves
def training_curves_figure(panels: Sequence[Mapping[str, Any]], *, title: str | None = None, log: bool = True,
                           zero_tol: float = 1e-9):
    """SGD training objective per epoch with the exact optimum as a horizontal line.

    Each panel is a mapping with ``title``, ``epochs``, ``objective`` (SGD, per epoch),
    ``optimum`` (the certified optimal value) and optionally ``color``.  With ``log`` the
    y-axis is logarithmic when the optimum and every value are positive; an optimum within
    ``zero_tol`` of 0 (a degenerate, separable problem) is drawn as 0 on a linear axis.
    """
    n = len(panels)
    ncols = min(n, 2) if n > 1 else 1
    nrows = -(-n // ncols)
    fig = _figure((5.2 * ncols + 0.4, 3.5 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, panel in enumerate(panels):
        ax = axes[k // ncols, k % ncols]
        ep = np.asarray(panel["epochs"], dtype=float)
        obj = np.asarray(panel["objective"], dtype=float)
        opt = float(panel["optimum"])
        color = panel.get("color", "C0")
        ax.plot(ep, obj, "-", marker="." if ep.size < 40 else None, color=color, lw=1.8,
                label="SGD: objective after each epoch" + (f" (last {obj[-1]:.4g})" if obj.size else ""))
        zero = abs(opt) <= zero_tol
        ax.axhline(opt, color="k", lw=1.4, ls="--",
                   label="exact optimum 0 (separable: zero loss)" if zero else f"exact optimum {opt:.4g}")
        if log and not zero and obj.size and obj.min() > 0:
            from matplotlib.ticker import FuncFormatter

            ax.set_yscale("log")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.tick_params(axis="y", which="minor", labelsize=7)
        elif zero and obj.size:
            top = float(np.max(obj))
            ax.set_ylim(-0.04 * top if top > 0 else -1.0, 1.06 * top if top > 0 else 1.0)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training objective (mean robust hinge)")
        ax.set_title(panel["title"], fontsize=10)
        ax.grid(alpha=0.25, which="both")
        ax.legend(fontsize=8, loc="best")
    for k in range(n, nrows * ncols):
        axes[k // ncols, k % ncols].set_axis_off()
    _suptitle(fig, title or "SGD training objective against the certified optimum")
    return fig


# ------------------------------------------------------------------------ 10. box threat model
def box_threat_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *, title: str | None = None,
                      marks: Sequence[float] = ()):
    """Certified accuracy under the ``[0, 1]`` box threat model, box-aware vs box-free models.

    Each model is a mapping with ``label``, ``curve`` (certified under the box threat),
    ``color`` and ``linestyle``; ``marks`` draws faint vertical lines at the training radii.
    """
    fig = _figure((7.5, 4.8))
    ax = fig.add_subplot()
    for m in models:
        x, y = step_points(m["curve"], eps_max)
        ax.plot(x, y, drawstyle="steps-post", color=m["color"], ls=m.get("linestyle", "-"), lw=1.8,
                label=m["label"], gid=f"box-certified:{m['label']}")
    for e in marks:
        ax.axvline(float(e), color="0.8", lw=0.8, zorder=0)
    ax.set_xlim(0.0, eps_max)
    lowest = min(float(np.min(step_points(m["curve"], eps_max)[1])) for m in models) if models else 0.0
    bottom = max(0.0, np.floor((lowest - 0.03) * 20) / 20)
    ax.set_ylim(bottom - 0.01, 1.01)
    ax.set_xlabel("radius epsilon of the l_inf attack, pixels kept in [0, 1]")
    ax.set_ylabel("certified accuracy (exact)")
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    ax.set_title(title or "Certified accuracy under the real threat model (l_inf ball inside [0, 1])")
    return fig
