"""What every figure shares: a pyplot-free Figure, the colours, step curves, aligned histogram bins.

* :func:`new_figure` makes a :class:`matplotlib.figure.Figure` that pyplot does not know about
  (Agg canvas, constrained layout), so figures are safe in tests and threads;
* :func:`epsilon_color`: dark grey for the regular model (``epsilon = 0``), else a colour by the
  rank of the training radius;
* :func:`step_points`: the corners of an exact certified-accuracy step curve;
* :func:`aligned_edges`: histogram bin edges of width ``h`` placed at ``anchor + k h``, so that a
  value exactly at the anchor (a margin of exactly 1, a distance of exactly 0) starts a bin instead
  of being split across one; :func:`snap` moves values within rounding of an edge onto it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

_EPS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
REGULAR_COLOR = "#404040"
#: colours of the extra optima of the regular problem (figure of the three optima)
SVM_COLOR = "#8c564b"


def new_figure(figsize: tuple[float, float]):
    """A new Figure not registered with pyplot (Agg canvas, constrained layout)."""
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def suptitle(fig: Any, title: str | None) -> None:
    if title:
        fig.suptitle(title, fontsize=12)


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


def aligned_edges(lo: float, hi: float, bins: int = 60, anchor: float = 0.0) -> np.ndarray:
    """Bin edges covering ``[lo, hi]`` with about ``bins`` bins, every edge at ``anchor + k h``.

    The width ``h`` is a "nice" number (1, 2 or 5 times a power of ten) near ``(hi - lo) / bins``;
    with ``anchor = 1`` both 0 and 1 are edges whenever ``1 / h`` is an integer, which a nice
    ``h <= 1`` guarantees.
    """
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    raw = (hi - lo) / max(int(bins), 1)
    p = 10.0 ** math.floor(math.log10(raw))
    h = next(m * p for m in (1.0, 2.0, 5.0, 10.0) if m * p >= raw * (1 - 1e-12))
    k0 = math.floor((lo - anchor) / h + 1e-9)
    k1 = math.ceil((hi - anchor) / h - 1e-9)
    if k1 <= k0:
        k1 = k0 + 1
    return anchor + h * np.arange(k0, k1 + 1, dtype=float)


def snap(values: np.ndarray, edges: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    """``values`` with every value within ``rtol * max(1, |edge|)`` of an edge moved onto it.

    A max-margin model puts its support vectors at margin 1 up to rounding (0.9999999999 or
    1.0000000001): snapped, they all fall in the bin that starts at 1.
    """
    v = np.asarray(values, dtype=float).copy()
    if v.size == 0 or edges.size == 0:
        return v
    idx = np.clip(np.searchsorted(edges, v), 1, edges.size - 1)
    for cand in (edges[idx - 1], edges[idx]):
        close = np.abs(v - cand) <= rtol * np.maximum(1.0, np.abs(cand))
        v[close] = cand[close]
    return v


def outside_legend(ax: Any, handles: Sequence[Any] | None = None, labels: Sequence[str] | None = None, *,
                   ncol: int = 1, fontsize: float = 8.0) -> Any:
    """A legend below the axes, so that it can never cover a curve."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=ncol,
                     fontsize=fontsize, frameon=False)
