r"""The figures of a ``K``-class reproduce run; each builder returns a :class:`~..figures.base.Drawn`.

* :func:`weights_figure`: the ``K`` weight vectors of every model as images, one row per model, one
  column per class (titled by the class name); a diverging colour map centred at 0 with one symmetric
  scale ``[-v, v]`` per model, ``v = max |W|`` (a model's rows share a scale: its decisions depend on
  the differences ``w_y - w_k``; different models are not comparable, since scaling ``(W, b)`` changes
  nothing);
* :func:`accuracy_figure`: the exact certified accuracy of every model against ``eps`` (step curves,
  exact breakpoints), with the PGD-attacked accuracy at the table radii as markers;
* :func:`sgd_gap_figure`: SGD's gap to the certified optimum, ``objective - optimum``, after every epoch,
  for the last and the averaged iterate, on the regular and the robust problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ...plots.base import new_figure, outside_legend, step_points, suptitle
from ..figures.base import Drawn, wrap

#: one colour per model key prefix (the method and formulation), the same in every figure
COLORS = {"exact-cs@0": "#404040", "exact-cs": "#1f77b4", "exact-ovr": "#2ca02c", "sgd@0": "#8c8c8c",
          "sgd": "#ff7f0e", "softmax": "#9467bd", "softmax-pgd": "#d62728"}


def color(key: str) -> str:
    return COLORS.get(key, COLORS.get(key.split("@")[0], "#17becf"))


def _image(w: np.ndarray, shape: tuple[int, ...] | None) -> np.ndarray:
    return w.reshape(shape) if shape is not None and len(shape) == 2 else w.reshape(1, -1)


def weights_figure(models: Sequence[Any], class_names: Sequence[str], image_shape: Any, title: str) -> Drawn:
    import matplotlib

    K = len(class_names)
    shape = tuple(image_shape) if image_shape is not None else None
    fig = new_figure((1.25 * K + 2.6, 1.35 * len(models) + 0.9))
    axes = fig.subplots(len(models), K, squeeze=False)
    cmap = matplotlib.colormaps["RdBu_r"]
    for r, m in enumerate(models):
        vmax = max(float(np.max(np.abs(m.coef))), 1e-12)
        image = None
        for k in range(K):
            ax = axes[r, k]
            ax.set_xticks([])
            ax.set_yticks([])
            image = ax.imshow(_image(m.coef[k], shape), cmap=cmap, vmin=-vmax, vmax=vmax, interpolation="nearest",
                              aspect="equal" if shape is not None and len(shape) == 2 else "auto")
            if r == 0:
                ax.set_title(class_names[k], fontsize=8)
        axes[r, 0].set_ylabel(wrap(m.label, 18), fontsize=7.5)
        cb = fig.colorbar(image, ax=list(axes[r, :]), shrink=0.9, pad=0.01, aspect=12)
        cb.ax.tick_params(labelsize=6.5)
        cb.set_ticks([-vmax, 0.0, vmax])
        cb.set_ticklabels([f"{-vmax:.2g}", "0", f"{vmax:.2g}"])
    suptitle(fig, wrap(title, 110))
    caption = ("The weight vector w_k of every class k of every model, drawn as an image (red: the pixel is "
               "evidence for class k, blue: against). Each row is one model with one symmetric colour scale "
               "[-max|W|, max|W|] (its colour bar, in the model's units); the scales of different models differ "
               "(scaling a linear model changes none of its decisions).")
    return Drawn(fig=fig, title=title, caption=caption)


def accuracy_figure(models: Sequence[Any], eval_epsilons: Sequence[float], split: str, title: str) -> Drawn:
    fig = new_figure((8.0, 5.6))
    ax = fig.subplots()
    eps_max = float(max(eval_epsilons))
    for m in models:
        x, y = step_points(m.curve, eps_max)
        ax.plot(x, 100 * y, drawstyle="steps-post", color=color(m.key), lw=1.6,
                ls="-" if m.method == "exact" else "--", label=m.label)
        es = sorted(m.pgd)
        ax.plot(es, [100 * m.pgd[e] for e in es], "o", mfc="none", color=color(m.key), ms=6, mew=1.2)
    ax.plot([], [], "o", mfc="none", color="0.3", label="PGD-attacked accuracy (markers)")
    ax.set_xlim(0.0, eps_max)
    ax.set_ylim(0.0, 100.0)
    ax.set_xlabel("l∞ radius ε")
    ax.set_ylabel(f"certified accuracy on the {split} split (%)")
    ax.grid(alpha=0.3)
    outside_legend(ax, ncol=2)
    suptitle(fig, wrap(title, 80))
    caption = ("Exact certified accuracy against the l∞ radius ε (a sample counts when every competing class k "
               "stays below its class under every perturbation of l∞ norm ≤ ε: (w_y − w_k)·x + b_y − b_k > "
               "ε‖w_y − w_k‖₁), solid for the exact optima, dashed for the trained baselines. Circles: accuracy "
               "under a PGD attack (every competing class in turn) at the table radii; for a linear model it "
               "equals the certified accuracy, so each circle sits on its curve.")
    return Drawn(fig=fig, title=title, caption=caption)


def sgd_gap_figure(models: Sequence[Any], title: str) -> Drawn:
    fig = new_figure((8.0, 5.2))
    ax = fig.subplots()
    floor = None
    for m in models:
        rows = m.trace
        epochs = [r["epoch"] for r in rows]
        for field, ls, what in (("gap", "-", "last iterate"), ("averaged_gap", ":", "averaged iterate")):
            gaps = np.array([np.nan if r.get(field) is None else r[field] for r in rows], dtype=float)
            if np.all(np.isnan(gaps)):
                continue
            pos = gaps[gaps > 0]
            if pos.size:
                floor = pos.min() if floor is None else min(floor, pos.min())
            ax.plot(epochs, gaps, ls=ls, color=color(m.key), lw=1.5, label=f"{m.label}: {what}")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_yscale("log")
    if floor is not None:
        ax.set_ylim(bottom=floor / 2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("objective − certified optimum (training data)")
    ax.grid(alpha=0.3, which="both")
    outside_legend(ax, ncol=2)
    suptitle(fig, wrap(title, 80))
    caption = ("SGD on the joint (Crammer-Singer) hinge objective, the same problem the exact solver solves: its "
               "gap to the certified optimum after every epoch, for the last iterate (solid) and the averaged "
               "iterate (dotted), on the regular (ε = 0) and the robust problem. The optimum is certified, so the "
               "gap is exactly how far SGD ends from the best model of its own objective.")
    return Drawn(fig=fig, title=title, caption=caption)
