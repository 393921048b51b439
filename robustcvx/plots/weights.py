"""Model weights drawn as images, one colour scale per panel.

A linear classifier is unchanged when ``(w, b)`` is scaled, so panels of different models are
not comparable on one colour scale: every panel gets its own symmetric scale ``[-v, v]`` with
``v = max |w_j|`` over the drawn pixels, and its own colour bar (in the model's true units).
Pixels given in ``mask`` (e.g. pixels that are 0 in every training image: no training sample
constrains their weights, so a trained model keeps whatever its initialisation put there) are
drawn in light grey and left out of the scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .base import new_figure, suptitle

MASK_COLOR = "0.82"


def _norm(vmax: float, sqrt_scale: bool) -> Any:
    from matplotlib.colors import FuncNorm, Normalize

    if sqrt_scale:
        return FuncNorm((lambda v: np.sign(v) * np.sqrt(np.abs(v)), lambda v: np.sign(v) * v * v),
                        vmin=-vmax, vmax=vmax)
    return Normalize(vmin=-vmax, vmax=vmax)


def _colorbar(fig: Any, image: Any, ax: Any, vmax: float, sqrt_scale: bool) -> None:
    cb = fig.colorbar(image, ax=ax, shrink=0.85, pad=0.02, aspect=15)
    cb.ax.tick_params(labelsize=6.5)
    ticks = np.array([-1.0, -0.25, 0.0, 0.25, 1.0]) * vmax if sqrt_scale else np.linspace(-vmax, vmax, 5)
    cb.set_ticks(ticks)
    cb.set_ticklabels([f"{v:.2g}" for v in ticks])


def weight_images_figure(rows: Sequence[tuple[str, Sequence[tuple[str, Any]]]], image_shape: tuple[int, int], *,
                         mask: np.ndarray | None = None, sqrt_scale: bool = False, title: str | None = None):
    """Weights as images: one row per training radius, one cell per model.

    ``rows`` is ``[(row_label, [(cell_title, content), ...]), ...]`` where ``content`` is a weight
    vector (drawn) or a string (written in an empty cell instead, e.g. "same classifier as ...";
    this is how a model that duplicates another is shown without a duplicate panel).  Every
    drawn panel has its own symmetric colour scale and colour bar (red positive, blue negative);
    ``sqrt_scale`` maps colour to ``sign(w) sqrt(|w|)`` so that small weights stay visible beside
    a few large ones (the colour bar keeps the true values).  ``mask`` (boolean, one per pixel)
    greys out those pixels and excludes them from the scale.
    """
    import matplotlib

    ncols = max(len(cells) for _, cells in rows)
    fig = new_figure((2.75 * ncols + 0.8, 2.45 * len(rows) + 0.8))
    axes = fig.subplots(len(rows), ncols, squeeze=False)
    shape = tuple(int(s) for s in image_shape)
    hidden = np.zeros(int(np.prod(shape)), dtype=bool) if mask is None else np.asarray(mask, dtype=bool).ravel()
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad=MASK_COLOR)
    for r, (row_label, cells) in enumerate(rows):
        for c in range(ncols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(cells):
                ax.set_axis_off()
                continue
            cell_title, content = cells[c]
            ax.set_title(cell_title, fontsize=8)
            if c == 0:
                ax.set_ylabel(row_label, fontsize=9)
            if isinstance(content, str):
                for spine in ax.spines.values():
                    spine.set_visible(False)
                ax.text(0.5, 0.5, content, ha="center", va="center", transform=ax.transAxes, fontsize=8,
                        wrap=True, color="0.25")
                continue
            w = np.asarray(content, dtype=float).ravel()
            shown = np.ma.masked_array(w, mask=hidden)
            vmax = float(np.max(np.abs(w[~hidden]))) if np.any(~hidden) else 0.0
            vmax = max(vmax, 1e-12)
            image = ax.imshow(shown.reshape(shape), cmap=cmap, norm=_norm(vmax, sqrt_scale), interpolation="nearest")
            _colorbar(fig, image, ax, vmax, sqrt_scale)
    suptitle(fig, title or "Model weights as images (red: evidence for class +1, blue: for class -1)")
    return fig
