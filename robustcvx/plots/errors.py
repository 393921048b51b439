"""The errors of a model: misclassified images, and how far misclassified samples are from the boundary.

The scale-free size of a mistake of a linear model is the signed distance of the sample to the
decision boundary in the threat norm, ``y f(x) / ||w||_q`` (``q`` the dual norm; for the l_inf
threat ``q = 1``): negative for a misclassified sample, and the radius an attack needs for a
correct one.  A raw logit ``y f(x)`` is not: multiplying ``(w, b)`` by 3 leaves the classifier
unchanged and triples every logit.  Histograms of distances use bins with an edge at 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import aligned_edges, new_figure, outside_legend, snap, suptitle


def nearest_misclassified_figure(rows: Sequence[Mapping[str, Any]], image_shape: tuple[int, int], *,
                                 class_names: Mapping[float, str] | None = None, title: str | None = None,
                                 score_name: str = "dist", vmin: float = 0.0, vmax: float = 1.0):
    """Misclassified samples as images, each titled with its true class and its score.

    Each row is a mapping with ``label`` (row title), ``images`` (``k x d``: the images exactly as
    the model saw them, e.g. after an attack), ``scores`` (length ``k``, e.g. the signed distance
    to the boundary), ``labels`` (length ``k``, +-1) and ``total`` (how many samples that row's
    model gets wrong in all); a row with ``k = 0`` says so.  Images are drawn on one grey scale
    ``[vmin, vmax]`` (dark = large).
    """
    ncols = max([len(r["scores"]) for r in rows] + [1])
    names = class_names or {1.0: "+1", -1.0: "-1"}
    fig = new_figure((1.5 * ncols + 1.5, 1.75 * len(rows) + 0.8))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    shape = tuple(int(s) for s in image_shape)
    for r, row in enumerate(rows):
        imgs = np.asarray(row["images"], dtype=float).reshape(-1, *shape) if len(row["scores"]) else []
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c < len(imgs):
                ax.imshow(imgs[c], cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
                yl = float(row["labels"][c])
                ax.set_title(f"true {names.get(yl, yl)}\n{score_name} {float(row['scores'][c]):+.2g}", fontsize=7.5)
            else:
                for s in ax.spines.values():
                    s.set_visible(False)
                if c == 0:
                    ax.text(0.05, 0.5, "no misclassified\nsamples", transform=ax.transAxes, fontsize=8, va="center")
            if c == 0:
                ax.set_ylabel(f"{row['label']}\n({int(row['total'])} wrong)", fontsize=7.5)
    suptitle(fig, title or "Misclassified samples nearest the decision boundary")
    return fig


def distance_histograms_figure(panels: Sequence[Mapping[str, Any]], *, bins: int = 40, log: bool = True,
                               ncols: int | None = None, title: str | None = None,
                               xlabel: str = "signed distance to the boundary y f(x) / ||w||_1"):
    """Histograms of the signed distances of misclassified samples, one panel per situation.

    Each panel is a mapping with ``title``, ``series`` (a list of ``(label, distances, color)``)
    and optionally ``vline`` (a position drawn as a dashed line, e.g. ``-epsilon``: an attack of
    radius epsilon moves a sample by at most that distance) with ``vline_label``.  All series of
    a panel share bins with an edge at 0; empty series are listed in the legend as
    ``(none misclassified)``; the median of each series is marked by a short tick above the bars.
    With ``log`` the counts axis is logarithmic when a bin holds at least 20 samples (a model with
    few errors stays visible beside one with many).  Panels are laid out in rows of ``ncols``.
    """
    ncols = ncols or len(panels)
    nrows = -(-len(panels) // ncols)
    fig = new_figure((5.8 * ncols + 0.4, 4.9 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    for ax, panel in zip(axes, panels):
        values = [np.asarray(sr[1], dtype=float) for sr in panel["series"]]
        extra = [float(panel["vline"])] if panel.get("vline") is not None else []
        allv = np.concatenate(values + [np.asarray(extra, dtype=float)])
        lo = float(allv.min()) if allv.size else -1.0
        edges = aligned_edges(lo, 0.0, bins, anchor=0.0)
        top = 1.0
        for (label, _, color), v in zip(panel["series"], values):
            if v.size:
                counts, _, _ = ax.hist(snap(v, edges), bins=edges, color=color, alpha=0.45, edgecolor=color,
                                       label=f"{label} ({v.size} wrong, median {np.median(v):+.3g})")
                top = max(top, float(counts.max()))
            else:
                ax.plot([], [], color=color, label=f"{label} (none misclassified)")
        for (_, _, color), v in zip(panel["series"], values):
            if v.size:
                ax.plot([np.median(v)], [1.0], marker="v", ms=9, color=color, mec="k", mew=0.5, ls="",
                        transform=ax.get_xaxis_transform(), clip_on=False, gid="median")
        if extra:
            ax.axvline(extra[0], color="k", ls="--", lw=1.2, label=panel.get("vline_label", f"{extra[0]:g}"))
        ax.axvline(0.0, color="k", lw=0.8)
        ax.set_xlim(edges[0], edges[-1])
        if log and top >= 20:
            from matplotlib.ticker import FuncFormatter, NullFormatter

            ax.set_yscale("log")
            ax.set_ylim(0.7, 1.6 * top)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        else:
            from matplotlib.ticker import MaxNLocator

            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylim(0, 1.1 * top)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("misclassified samples per bin")
        ax.set_title(panel["title"], fontsize=10)
        outside_legend(ax)
    suptitle(fig, title or "How far misclassified samples are from the boundary")
    return fig
