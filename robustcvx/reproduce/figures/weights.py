"""Figure 5: the weights of every distinct model as images.

Each panel has its own colour scale (a linear classifier does not change when ``(w, b)`` is
scaled, so one scale for several models would compare their scales, not their shapes).  A model
that is the same classifier as one already drawn is named, not drawn again.  Pixels that are 0 in
every training image are grey: no training sample constrains their weights.  The sparsity count is
:func:`robustcvx.metrics.significant_weights` (weights above 1 % of the largest).
"""

from __future__ import annotations

from ...metrics import l1_norm, significant_weights
from ..analysis import dead_pixels
from ..facts import dead_pixel_weights
from ..models import TrainedModel, scale_between
from ..results import RunResults
from .base import Drawn, wrap


def _cell(r: RunResults, model: TrainedModel, name: str) -> tuple[str, object]:
    if model.same_as:
        other = r.models[model.same_as]
        return name, (f"same classifier as the\n{other.label}\n(w and b scaled by "
                      f"{scale_between(model, other):.3g}):\nnot drawn again")
    return (f"{name}\n||w||_1 = {l1_norm(model.coef):.3g}, {significant_weights(model.coef)} weights\n"
            f"above 1% of the largest"), model.coef


def weights(r: RunResults) -> Drawn:
    from ...plots import weight_images_figure

    rows = []
    for e in (0.0, *r.epsilons):
        cells = [_cell(r, r.m("exact", e), "exact optimum"), _cell(r, r.m("sgd", e), f"SGD, {r.cfg.epochs} epochs")]
        if e == 0 and r.svm is not None:
            cells.append(_cell(r, r.svm, "classical SVM (l2 max-margin)"))
        rows.append(("regular (eps = 0)" if e == 0 else f"robust eps = {e:g}", cells))
    mask = dead_pixels(r.task.X_train)
    names = r.names
    title = (f"Weights as images, {r.data}: red = evidence for {names[1.0]}, blue = for {names[-1.0]}; one colour "
             f"scale per panel (square-root map)"
             + (f"; grey: the {int(mask.sum())} pixels that are 0 in every training image" if mask.any() else ""))
    fig = weight_images_figure(rows, r.image_shape(), mask=mask, sqrt_scale=True, title=wrap(title, 95))
    drawn = [m for m in r.models.values() if not m.box and not m.same_as]
    sig = {m.key: significant_weights(m.coef) for m in drawn}
    exact = [sig[m.key] for m in drawn if m.method == "exact" and not m.variant]
    sgd = [sig[m.key] for m in drawn if m.method == "sgd"]
    n_dead, share = dead_pixel_weights(r, r.m("sgd", 0.0))
    cap = (f"Weights as {'x'.join(map(str, r.image_shape()))} images, each panel on its own symmetric colour scale "
           f"(its colour bar, in the model's own units; square-root map so that small weights stay visible; red "
           f"pushes towards {names[1.0]}, blue towards {names[-1.0]}). Sparsity is counted as weights above 1 % of "
           f"the model's largest: the exact l_inf optima have {_range(exact)}, the SGD models {_range(sgd)} of "
           f"{r.task.d}."
           + (f" Grey pixels are 0 in every training image ({n_dead}): no training sample constrains their "
              f"weights, so SGD keeps what its random initialisation put there (regular SGD: {100 * share:.1f}% of "
              f"its ||w||_1), while the exact optima set them to 0." if n_dead else "")
           + " A model that is the same classifier as one already shown is named instead of drawn twice.")
    return Drawn(fig=fig, title=title, caption=cap)


def _range(values: list[int]) -> str:
    if not values:
        return "none"
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo} to {hi}"
