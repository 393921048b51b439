"""SGD's training objective per epoch against the certified optimum of the same problem.

One panel per training problem.  Besides the objective of the current (last) iterate after each
epoch, a panel may draw the best objective seen so far and the objective of the averaged iterate
(Polyak averaging): SGD with a constant step oscillates, so one last-epoch number is noise, and
the three together say how far SGD really is from the optimum.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .base import new_figure, outside_legend, suptitle


def _log_axis(ax: Any, lo: float, hi: float) -> None:
    """A logarithmic y-axis labelled at 1, 2, 5 times powers of ten, or at every integer multiple
    when fewer than three of those fall inside ``[lo, hi]`` (a range within one decade)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_yscale("log")
    decades = range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
    nice = [m * 10.0 ** k for k in decades for m in (1.0, 2.0, 5.0) if lo <= m * 10.0 ** k <= hi]
    subs = (1.0, 2.0, 5.0) if len(nice) >= 3 else tuple(float(m) for m in range(1, 10))
    ax.yaxis.set_major_locator(LogLocator(base=10.0, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(LogLocator(base=10.0, subs=tuple(float(m) for m in range(1, 10))))
    ax.yaxis.set_minor_formatter(NullFormatter())


def training_curves_figure(panels: Sequence[Mapping[str, Any]], *, title: str | None = None, log: bool = True,
                           zero_tol: float = 1e-9):
    """SGD training objective per epoch with the exact optimum as a horizontal line.

    Each panel is a mapping with ``title``, ``epochs``, ``objective`` (the iterate after each
    epoch), ``optimum`` (the certified optimal value) and optionally ``color``, ``best`` (drawn:
    the running minimum of ``objective``) and ``averaged`` (the averaged iterate's objective per
    epoch, drawn when given).  With ``log`` the y-axis is logarithmic when the optimum and every
    value are positive; an optimum within ``zero_tol`` of 0 (a separable problem) is drawn as 0 on
    a linear axis.
    """
    n = len(panels)
    ncols = min(n, 2) if n > 1 else 1
    nrows = -(-n // ncols)
    fig = new_figure((5.6 * ncols + 0.4, 4.6 * nrows + 0.6))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for k, panel in enumerate(panels):
        ax = axes[k // ncols, k % ncols]
        ep = np.asarray(panel["epochs"], dtype=float)
        obj = np.asarray(panel["objective"], dtype=float)
        opt = float(panel["optimum"])
        color = panel.get("color", "C0")
        ax.plot(ep, obj, "-", marker="." if ep.size < 40 else None, color=color, lw=1.4, alpha=0.85,
                label="last iterate after each epoch" + (f" (final {obj[-1]:.4g})" if obj.size else ""),
                gid="sgd:last")
        shown = [obj]
        if panel.get("best", False) and obj.size:
            best = np.minimum.accumulate(obj)
            ax.plot(ep, best, color=color, lw=2.2, ls=(0, (1, 1)), label=f"best so far (final {best[-1]:.4g})",
                    gid="sgd:best")
        averaged = panel.get("averaged")
        if averaged is not None and len(averaged):
            av = np.asarray(averaged, dtype=float)
            ax.plot(ep[: av.size], av, color="k", lw=1.6, label=f"averaged iterate (final {av[-1]:.4g})",
                    gid="sgd:averaged")
            shown.append(av)
        zero = abs(opt) <= zero_tol
        ax.axhline(opt, color="k", lw=1.2, ls="--",
                   label="exact optimum 0 (separable: zero loss)" if zero else f"exact optimum {opt:.4g}",
                   gid="optimum")
        values = np.concatenate(shown) if shown else np.zeros(0)
        if log and not zero and values.size and values.min() > 0:
            _log_axis(ax, min(float(values.min()), opt), float(values.max()))
        elif zero and values.size:
            top = float(np.max(values))
            ax.set_ylim(-0.04 * top if top > 0 else -1.0, 1.06 * top if top > 0 else 1.0)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training objective (mean robust hinge)")
        ax.set_title(panel["title"], fontsize=10)
        ax.grid(alpha=0.25, which="both")
        outside_legend(ax, fontsize=7.5)
    for k in range(n, nrows * ncols):
        axes[k // ncols, k % ncols].set_axis_off()
    suptitle(fig, title or "SGD training objective against the certified optimum")
    return fig
