"""Accuracy against the attack radius: exact certified step curves, attacks, the box threat, optima.

A certified-accuracy curve is anything with ``breakpoints`` and ``levels`` (and callable on radii),
e.g. :class:`robustcvx.certify.CertifiedCurve`; it is drawn as the exact step function.  Legends
sit below the axes (:func:`~robustcvx.plots.base.outside_legend`) so that they never cover a curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import aligned_edges, new_figure, outside_legend, step_points, suptitle


def _accuracy_axes(ax: Any, eps_max: float, marks: Sequence[float], ylabel: str) -> None:
    for e in marks:
        ax.axvline(float(e), color="0.85", lw=0.8, zorder=0)
    ax.set_xlim(0.0, eps_max)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("radius epsilon of the l_inf attack")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25)


def accuracy_vs_epsilon_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *,
                               title: str | None = None, marks: Sequence[float] = (),
                               zoom: Mapping[str, Any] | None = None):
    """Clean, exactly certified and attacked accuracy against the radius, one panel per group.

    Each model is a mapping with ``label``, ``group`` (panel title), ``color``, ``curve``
    (drawn as an exact step line), ``clean`` (drawn as a dotted level), ``attack_eps`` /
    ``attack_acc`` (accuracy under the worst-case attack, drawn as open circles: for a linear
    model they sit on the certified steps) and optionally ``linestyle``.  ``marks`` draws faint
    vertical lines (e.g. the training radii).  ``zoom`` (a mapping with ``label``, ``color``,
    ``curve``, ``attack_eps``, ``attack_acc`` and ``range = (lo, hi)``) adds a last panel
    magnifying a few steps of one model, its breakpoints marked.
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    groups: list[str] = []
    for m in models:
        if m["group"] not in groups:
            groups.append(m["group"])
    npanels = len(groups) + (1 if zoom else 0)
    fig = new_figure((5.4 * npanels + 0.4, 6.4))
    axes = fig.subplots(1, npanels, squeeze=False)[0]
    for ax, group in zip(axes, groups):
        for m in (m for m in models if m["group"] == group):
            x, y = step_points(m["curve"], eps_max)
            ax.plot(x, y, drawstyle="steps-post", color=m["color"], lw=1.8, ls=m.get("linestyle", "-"),
                    label=m["label"], gid=f"certified:{m['label']}")
            ax.axhline(float(m["clean"]), color=m["color"], lw=0.9, ls=":", gid=f"clean:{m['label']}")
            ax.plot(np.asarray(m["attack_eps"], dtype=float), np.asarray(m["attack_acc"], dtype=float), "o",
                    mfc="none", mec=m["color"], ms=5, mew=1.1, gid=f"attacked:{m['label']}")
        _accuracy_axes(ax, eps_max, marks, "accuracy on the evaluation split")
        ax.set_title(group, fontsize=10)
        handles, labels = ax.get_legend_handles_labels()
        handles += [Line2D([], [], color="0.3", lw=1.8), Line2D([], [], color="0.3", marker="o", mfc="none", ls=""),
                    Line2D([], [], color="0.3", ls=":", lw=0.9)]
        labels += ["certified (exact step curve)", "attacked (worst case)", "clean"]
        outside_legend(ax, handles, labels)
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
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.grid(alpha=0.25)
        outside_legend(ax)
    suptitle(fig, title or "Accuracy against the attack radius: certified = attacked for linear models")
    return fig


def box_threat_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *, title: str | None = None,
                      marks: Sequence[float] = ()):
    """Certified accuracy under the ``[0, 1]`` box threat model, box-aware vs box-free models.

    Each model is a mapping with ``label``, ``curve`` (certified under the box threat),
    ``color`` and ``linestyle``; ``marks`` draws faint vertical lines at the training radii.
    """
    fig = new_figure((7.5, 6.4))
    ax = fig.add_subplot()
    for m in models:
        x, y = step_points(m["curve"], eps_max)
        ax.plot(x, y, drawstyle="steps-post", color=m["color"], ls=m.get("linestyle", "-"), lw=1.8,
                label=m["label"], gid=f"box-certified:{m['label']}")
    _accuracy_axes(ax, eps_max, marks, "certified accuracy (exact)")
    lowest = min(float(np.min(step_points(m["curve"], eps_max)[1])) for m in models) if models else 0.0
    bottom = max(0.0, np.floor((lowest - 0.03) * 20) / 20)
    ax.set_ylim(bottom - 0.01, 1.01)
    ax.set_xlabel("radius epsilon of the l_inf attack, pixels kept in [0, 1]")
    outside_legend(ax, ncol=2)
    ax.set_title(title or "Certified accuracy under the real threat model (l_inf ball inside [0, 1])", fontsize=10)
    return fig


def optima_figure(models: Sequence[Mapping[str, Any]], eps_max: float, *, epsilon: float,
                  title: str | None = None):
    """Several models of one training problem: certified accuracy against the radius, and their radii.

    Each model is a mapping with ``label``, ``color``, ``curve`` (certified accuracy on the
    evaluation split), ``radii`` (the certified radius of every evaluation sample) and optionally
    ``linestyle``.  Left: the step curves, the accuracy at ``epsilon`` marked and in the legend.
    Right: histograms of the certified radii (bins with an edge at ``epsilon``; samples with radius
    at most ``epsilon`` are the ones the attack at ``epsilon`` breaks; radii outside the axis are
    counted in the first or last bin).
    """
    fig = new_figure((12.0, 5.6))
    ax, axh = fig.subplots(1, 2)
    for m in models:
        x, y = step_points(m["curve"], eps_max)
        acc = float(m["curve"](epsilon))
        ax.plot(x, y, drawstyle="steps-post", color=m["color"], lw=2.0, ls=m.get("linestyle", "-"),
                label=f"{m['label']}: {100 * acc:.1f}% at eps = {epsilon:g}", gid=f"optimum:{m['label']}")
        ax.plot([epsilon], [acc], "o", color=m["color"], ms=6, gid=f"optimum-at-eps:{m['label']}")
    _accuracy_axes(ax, eps_max, [epsilon], "certified accuracy on the evaluation split")
    ax.set_title("certified accuracy against the radius", fontsize=10)
    outside_legend(ax)
    finite = [np.asarray(m["radii"], dtype=float) for m in models]
    finite = [r[np.isfinite(r)] for r in finite]
    hi = max([float(np.percentile(r, 99)) for r in finite if r.size] + [2 * epsilon])
    edges = aligned_edges(0.0, hi, 50, anchor=epsilon)
    edges = edges[edges >= 0.0] if np.sum(edges >= 0.0) > 1 else edges
    for m, r in zip(models, finite):
        shown = np.clip(r, edges[0], edges[-1])
        axh.hist(shown, bins=edges, histtype="step", lw=1.8, color=m["color"], ls=m.get("linestyle", "-"),
                 label=f"{m['label']}: {int(np.sum(r <= epsilon))} at or below eps", gid=f"radii:{m['label']}")
    axh.axvline(epsilon, color="k", lw=1.0, ls="--")
    axh.set_xlabel("certified radius y f(x) / ||w||_1 of an evaluation sample")
    axh.set_ylabel("samples per bin")
    axh.set_title(f"where the samples' certified radii lie (dashed: eps = {epsilon:g})", fontsize=10)
    axh.grid(alpha=0.25)
    outside_legend(axh)
    suptitle(fig, title or "Optima of one training problem, certified")
    return fig
