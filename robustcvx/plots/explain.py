"""The explanatory figures: the hinge, the robust hinge, 1-D loss landscapes, threat sets.

Pure functions from arrays to a :class:`matplotlib.figure.Figure` (see :mod:`robustcvx.plots`).
The margin of a sample is ``m = y f(x)`` with ``f(x) = w.x + b``; histograms of margins use bins
aligned at ``m = 1`` (:func:`~robustcvx.plots.base.aligned_edges`), where a max-margin model puts
its support vectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import _EPS_COLORS, REGULAR_COLOR, aligned_edges, new_figure, snap, suptitle


# ----------------------------------------------------------------------------- 1. hinge loss
def hinge_loss_figure(margins: Mapping[str, np.ndarray] | None = None, *, title: str | None = None,
                      m_range: tuple[float, float] = (-2.0, 3.0)):
    """Hinge loss ``max(0, 1 - m)`` and the 0-1 loss against the margin ``m = y f(x)``.

    The band ``0 < m < 1`` (correct but inside the margin, still penalised) is shaded.
    ``margins`` (optional, label -> array of training margins of some models) adds their
    histograms on a second axis, to show where trained models put the samples; margins
    outside ``m_range`` are not drawn and are counted in the legend.  The bins have edges at
    0 and 1 (a margin of exactly 1 starts the bin right of the margin line).
    """
    fig = new_figure((7.8, 4.6))
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
    # both texts sit where no curve and no histogram bar can be: above the hinge, left of m = 1
    ax.annotate("zero loss needs\nmargin m >= 1", xy=(1.0, 0.02 * top), xytext=(0.06, 0.62 * top),
                arrowprops=dict(arrowstyle="->", color="0.3"), fontsize=9, ha="left")
    ax.text(-0.05, 0.98 * top, "decision boundary f(x) = 0", rotation=90, ha="right", va="top", fontsize=8,
            color="0.2")
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.03 * top, 1.02 * top)
    ax.set_xlabel("margin m = y (w.x + b)")
    ax.set_ylabel("loss")
    handles, labels = ax.get_legend_handles_labels()
    if margins:
        ax2 = ax.twinx()
        bins = aligned_edges(lo, hi, 60, anchor=1.0)
        tallest = 1.0
        for k, (label, values) in enumerate(margins.items()):
            v = snap(np.asarray(values, dtype=float), bins)
            inside = v[(v >= bins[0]) & (v <= bins[-1])]
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
    adds their histogram on a second axis (bins with edges at 0 and 1), with the number
    falling in the band.
    """
    fig = new_figure((7.8, 4.6))
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
        bins = aligned_edges(lo, hi, 60, anchor=1.0)
        mm = snap(np.asarray(margins, dtype=float), bins)
        inside = mm[(mm >= bins[0]) & (mm <= bins[-1])]
        counts, _, _ = ax2.hist(inside, bins=bins, histtype="stepfilled", color="0.6",
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
    fig = new_figure((10.5, 3.4 * max(1, len(panels)) + 0.6))
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
    suptitle(fig, title or f"Loss along one weight, regular vs robust (epsilon = {epsilon:g})")
    return fig


# --------------------------------------------------------------------------- 4. threat sets
def threat_sets_figure(points: np.ndarray, labels: np.ndarray, epsilon: float, *,
                       w: np.ndarray | None = None, b: float = 0.0, worst: np.ndarray | None = None,
                       title: str | None = None):
    """l_inf boxes (filled), l_2 discs and l_1 diamonds of radius ``epsilon`` around 2-D points.

    With a linear model ``(w, b)`` the decision boundary is drawn and, for every point, the
    point an attack moves it to: ``worst`` (one row per point, e.g. ``x + delta`` with the
    threat's :meth:`~robustcvx.threats.Threat.worst_delta`), by default the worst corner of its
    l_inf box ``x - epsilon y sign(w)``; points moved across the boundary are marked.
    """
    from matplotlib.patches import Circle, Polygon, Rectangle

    P = np.asarray(points, dtype=float).reshape(-1, 2)
    y = np.asarray(labels, dtype=float).reshape(-1)
    eps = float(epsilon)
    fig = new_figure((6.4, 6.6))
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
        worst = P - eps * y[:, None] * np.sign(w)[None, :] if worst is None else \
            np.asarray(worst, dtype=float).reshape(P.shape)
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
    suptitle(fig, title or f"Threat sets of radius epsilon = {eps:g} around 2-D points")
    return fig


