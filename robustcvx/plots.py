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
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = [
    "epsilon_color", "step_points", "hinge_loss_figure", "robust_hinge_figure", "loss_landscape_figure",
    "threat_sets_figure", "weight_images_figure", "accuracy_vs_epsilon_figure", "nearest_misclassified_figure",
    "logit_histograms_figure", "training_curves_figure", "box_threat_figure",
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
    histograms on a second axis, to show where trained models put the samples.
    """
    fig = _figure((7.5, 4.4))
    ax = fig.add_subplot()
    m = np.linspace(m_range[0], m_range[1], 501)
    ax.plot(m, np.maximum(0.0, 1.0 - m), color="C0", lw=2.5, label="hinge loss max(0, 1 - m)", gid="hinge")
    ax.plot(m, (m <= 0).astype(float), color="C3", lw=1.5, ls="--", label="0-1 loss (misclassified)",
            drawstyle="steps-post", gid="zero-one")
    ax.axvspan(0.0, 1.0, color="C1", alpha=0.15, label="0 < m < 1: correct, but inside the margin")
    ax.axvline(0.0, color="k", lw=0.8)
    ax.axvline(1.0, color="C1", lw=1.2, ls=":")
    ax.annotate("margin demanded:\nm >= 1 for zero loss", xy=(1.0, 0.0), xytext=(1.4, 1.6),
                arrowprops=dict(arrowstyle="->", color="0.3"), fontsize=9)
    ax.annotate("decision boundary\nf(x) = 0", xy=(0.0, 2.2), xytext=(-1.9, 2.4), fontsize=9,
                arrowprops=dict(arrowstyle="->", color="0.3"))
    ax.set_xlim(*m_range)
    ax.set_ylim(-0.05, 3.1)
    ax.set_xlabel("margin m = y (w.x + b)")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if margins:
        ax2 = ax.twinx()
        bins = np.linspace(m_range[0], m_range[1], 51)
        for k, (label, values) in enumerate(margins.items()):
            v = np.clip(np.asarray(values, dtype=float), m_range[0], m_range[1])
            _, _, patches = ax2.hist(v, bins=bins, histtype="stepfilled", alpha=0.35, color=f"C{k + 4}",
                                     label=label)
        ax2.set_ylabel("training samples per bin")
        h2, l2 = ax2.get_legend_handles_labels()
        handles, labels = handles + h2, labels + l2
    ax.legend(handles, labels, loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title(title or "Hinge loss: zero only when the margin is at least 1")
    return fig


# ---------------------------------------------------------------------- 2. robust hinge loss
def robust_hinge_figure(shifts: Sequence[tuple[str, float]], *, highlight: int | None = None,
                        title: str | None = None, m_range: tuple[float, float] | None = None):
    """Robust hinge ``max(0, 1 - m + s)`` for each shift ``s = epsilon ||w||_1``, against the clean margin ``m``.

    ``shifts`` is a list of ``(label, s)``; ``s = 0`` is the regular hinge.  For the shift
    number ``highlight`` the band ``0 < m <= s`` is shaded: samples there are classified
    correctly but an attack of radius epsilon flips them (worst margin ``m - s <= 0``); the
    robust loss demands ``m >= 1 + s``, i.e. a tolerance of ``s`` beyond the regular margin.
    """
    fig = _figure((7.5, 4.4))
    ax = fig.add_subplot()
    smax = max([float(s) for _, s in shifts] + [0.0])
    lo, hi = m_range or (-1.0, 2.0 + 1.2 * smax)
    m = np.linspace(lo, hi, 801)
    for k, (label, s) in enumerate(shifts):
        s = float(s)
        color = REGULAR_COLOR if s == 0 else _EPS_COLORS[k % len(_EPS_COLORS)]
        ax.plot(m, np.maximum(0.0, 1.0 - m + s), lw=2.2 if s else 1.6, color=color,
                ls="-" if s else "--", label=label, gid=f"robust-hinge-{k}")
        if s > 0:
            ax.plot([1.0 + s], [0.0], "o", color=color, ms=5)
    if highlight is not None and shifts:
        label, s = shifts[highlight]
        s = float(s)
        ax.axvspan(0.0, s, color="C3", alpha=0.12,
                   label=f"0 < m <= {s:.3g}: correct, flipped by the attack")
        ax.annotate("", xy=(1.0 + s, 0.35), xytext=(1.0, 0.35),
                    arrowprops=dict(arrowstyle="<->", color="C3"))
        ax.text(1.0 + s / 2, 0.45, f"shift {s:.3g}", ha="center", color="C3", fontsize=9)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.05, 2.0 + smax)
    ax.set_xlabel("clean margin m = y (w.x + b)")
    ax.set_ylabel("loss")
    ax.legend(loc="upper right", fontsize=8, framealpha=0.9)
    ax.set_title(title or "Robust hinge: the hinge shifted right by epsilon ||w||_1")
    return fig


# ------------------------------------------------------------------------- 3. loss landscape
def loss_landscape_figure(t: np.ndarray, panels: Sequence[Mapping[str, Any]], *, epsilon: float,
                          title: str | None = None):
    """1-D loss landscapes along one weight and their gradients, regular vs robust.

    ``t`` are the values of the weight; each panel (one row of the figure) is a mapping with
    ``name`` (row label), ``loss`` and ``grad`` (each a mapping label -> array over ``t``),
    and optionally ``signal`` (the weight's data signal, drawn as a reference level on the
    gradient axis).  Left column: the objective; right column: its derivative.
    """
    t = np.asarray(t, dtype=float)
    fig = _figure((10.0, 3.3 * max(1, len(panels)) + 0.5))
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
            ax.set_xlabel("value of the weight")
        axl.set_ylabel("training objective")
        axg.set_ylabel("d objective / d weight")
        axl.set_title(f"{panel['name']}: loss", fontsize=10)
        axg.set_title(f"{panel['name']}: gradient", fontsize=10)
        axl.legend(fontsize=8, loc="upper center")
        axg.legend(fontsize=8, loc="upper left")
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
    fig = _figure((6.4, 5.8))
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
        ax.scatter(worst[:, 0], worst[:, 1], marker="x", c="k", s=30, zorder=4,
                   label="worst case x - eps y sign(w)")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_aspect("equal")
    ax.set_xlabel("feature 1")
    ax.set_ylabel("feature 2")
    ax.legend(fontsize=8, loc="best", framealpha=0.9)
    ax.set_title(title or f"Threat sets of radius epsilon = {eps:g} around 2-D points")
    return fig


# ------------------------------------------------------------------------- 5. weight images
def weight_images_figure(rows: Sequence[tuple[str, Sequence[tuple[str, np.ndarray | None]]]],
                         image_shape: tuple[int, int], *, title: str | None = None):
    """Weights as images: one row per training radius, one column per method.

    ``rows`` is ``[(row_label, [(column_label, w or None), ...]), ...]``.  Every row has its own
    symmetric colour scale ``[-v, v]`` (``v`` the largest ``|w_j|`` in the row; red positive,
    blue negative) with a colour bar; a ``None`` weight leaves an empty, labelled cell.
    """
    ncols = max(len(cells) for _, cells in rows)
    fig = _figure((2.3 * ncols + 1.3, 2.25 * len(rows) + 0.5))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    shape = tuple(int(s) for s in image_shape)
    for r, (row_label, cells) in enumerate(rows):
        ws = [np.asarray(w, dtype=float) for _, w in cells if w is not None]
        vmax = max([float(np.abs(w).max()) for w in ws] + [1e-12])
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
                image = ax.imshow(np.asarray(w, dtype=float).reshape(shape), cmap="RdBu_r", vmin=-vmax,
                                  vmax=vmax, interpolation="nearest")
            ax.set_title(col_label, fontsize=9)
            if c == 0:
                ax.set_ylabel(row_label, fontsize=9)
        if image is not None:
            cb = fig.colorbar(image, ax=list(axes[r]), shrink=0.9, pad=0.02)
            cb.ax.tick_params(labelsize=7)
            cb.set_label("weight", fontsize=8)
    _suptitle(fig, title or "Model weights as images (red: evidence for class +1, blue: for class -1)")
    return fig


# ---------------------------------------------------------------------- 6. accuracy vs epsilon
def accuracy_vs_epsilon_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *,
                               title: str | None = None, marks: Sequence[float] = ()):
    """Clean, exactly certified and attacked accuracy against the radius, one panel per group.

    Each model is a mapping with ``label``, ``group`` (panel title), ``color``, ``curve``
    (``breakpoints``/``levels``: drawn as an exact step line), ``clean`` (drawn as a dotted
    level), and ``attack_eps``/``attack_acc`` (accuracy under the worst-case attack, drawn as
    open circles: for a linear model they sit on the certified steps).  ``marks`` draws faint
    vertical lines (e.g. the training radii).
    """
    from matplotlib.lines import Line2D

    groups: list[str] = []
    for m in models:
        if m["group"] not in groups:
            groups.append(m["group"])
    fig = _figure((6.0 * len(groups) + 0.4, 4.8))
    axes = fig.subplots(1, len(groups), squeeze=False, sharey=True)[0]
    for ax, group in zip(axes, groups):
        for m in (m for m in models if m["group"] == group):
            x, y = step_points(m["curve"], eps_max)
            ax.plot(x, y, drawstyle="steps-post", color=m["color"], lw=1.8, label=m["label"],
                    gid=f"certified:{m['label']}")
            ax.axhline(float(m["clean"]), color=m["color"], lw=0.9, ls=":", gid=f"clean:{m['label']}")
            ax.plot(np.asarray(m["attack_eps"], dtype=float), np.asarray(m["attack_acc"], dtype=float), "o",
                    mfc="none", mec=m["color"], ms=5, mew=1.1, gid=f"attacked:{m['label']}")
        for e in marks:
            ax.axvline(float(e), color="0.8", lw=0.8, zorder=0)
        ax.set_xlim(0.0, eps_max)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("radius epsilon of the l_inf attack")
        ax.set_title(group, fontsize=10)
        ax.grid(alpha=0.25)
        handles, labels = ax.get_legend_handles_labels()
        handles += [Line2D([], [], color="0.3", lw=1.8), Line2D([], [], color="0.3", marker="o", mfc="none", ls=""),
                    Line2D([], [], color="0.3", ls=":", lw=0.9)]
        labels += ["certified (exact, step)", "attacked (worst case)", "clean"]
        ax.legend(handles, labels, fontsize=7.5, loc="lower left", framealpha=0.9)
    axes[0].set_ylabel("accuracy on the evaluation split")
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
                ax.set_title(f"true {names.get(yl, yl)}\nlogit {float(row['logits'][c]):+.3f}", fontsize=8)
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
def logit_histograms_figure(panels: Sequence[Mapping[str, Any]], *, bins: int = 30, title: str | None = None):
    """Histograms of the logits of misclassified samples, one panel per situation.

    Each panel is a mapping with ``title`` and ``series``: a list of ``(label, logits, color)``;
    empty series are listed in the legend as ``(none)``.  All series of a panel share the bins.
    """
    fig = _figure((5.4 * len(panels) + 0.4, 4.2))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        values = [np.asarray(v, dtype=float) for _, v, _ in panel["series"]]
        allv = np.concatenate(values) if values else np.zeros(0)
        if allv.size:
            lo, hi = float(allv.min()), float(allv.max())
            if hi - lo < 1e-9:
                lo, hi = lo - 0.5, hi + 0.5
            edges = np.linspace(lo, hi, bins + 1)
        else:
            edges = np.linspace(-1.0, 1.0, bins + 1)
        for (label, _, color), v in zip(panel["series"], values):
            if v.size:
                ax.hist(v, bins=edges, color=color, alpha=0.55, label=f"{label} ({v.size})", edgecolor=color)
            else:
                ax.plot([], [], color=color, label=f"{label} (none)")
        ax.axvline(0.0, color="k", lw=0.8)
        ax.set_xlabel("logit f(x) = w.x + b of a misclassified sample")
        ax.set_ylabel("misclassified samples")
        ax.set_title(panel["title"], fontsize=10)
        ax.legend(fontsize=8)
    _suptitle(fig, title or "Logits of misclassified samples")
    return fig


# ------------------------------------------------------------------------- 9. training curves
def training_curves_figure(panels: Sequence[Mapping[str, Any]], *, title: str | None = None, log: bool = True):
    """SGD training objective per epoch with the exact optimum as a horizontal line.

    Each panel is a mapping with ``title``, ``epochs``, ``objective`` (SGD, per epoch),
    ``optimum`` (the certified optimal value) and optionally ``color``.  With ``log`` the
    y-axis is logarithmic when every value is positive (symmetric-log otherwise).
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
                label="SGD: objective after each epoch")
        ax.axhline(opt, color="k", lw=1.4, ls="--", label=f"exact optimum {opt:.4g}")
        if log:
            if opt > 0 and obj.size and obj.min() > 0:
                ax.set_yscale("log")
            else:
                scale = max(float(np.max(np.abs(obj))) if obj.size else 1.0, 1e-12)
                ax.set_yscale("symlog", linthresh=max(1e-4 * scale, 1e-6))
        ax.set_xlabel("epoch")
        ax.set_ylabel("training objective (mean robust hinge)")
        ax.set_title(panel["title"], fontsize=10)
        ax.grid(alpha=0.25, which="both")
        ax.legend(fontsize=8)
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
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("radius epsilon of the l_inf attack, pixels kept in [0, 1]")
    ax.set_ylabel("certified accuracy (exact)")
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, loc="lower left", framealpha=0.9)
    ax.set_title(title or "Certified accuracy under the real threat model (l_inf ball inside [0, 1])")
    return fig
