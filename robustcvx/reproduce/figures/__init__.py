"""The figures of ``robustcvx reproduce``: one small builder per figure, its caption beside it.

:data:`FIGURES` is the ordered list the pipeline draws (and counts for its progress lines); a
figure marked ``needs_box`` is drawn only for pixel data (the box threat figure).  Builders read
a :class:`~robustcvx.reproduce.results.RunResults` and draw with :mod:`robustcvx.plots`.

Modules: :mod:`.explain` (figures 1-4), :mod:`.weights` (5), :mod:`.accuracy` (6, 7, 11),
:mod:`.errors` (8, 9), :mod:`.training` (10), :mod:`.base` (records and helpers).
"""

from __future__ import annotations

from dataclasses import dataclass

from . import accuracy, errors, explain, training, weights
from .base import Drawn, FigureSpec, wrap


@dataclass(frozen=True)
class Planned:
    """A figure of :data:`FIGURES`; ``needs_box``: drawn only for pixel data (a box threat exists)."""

    spec: FigureSpec
    needs_box: bool = False

    def applies(self, has_box: bool) -> bool:
        return has_box or not self.needs_box


FIGURES: tuple[Planned, ...] = (
    Planned(FigureSpec("01-hinge-loss.png", explain.hinge, "The hinge loss and the margin it demands")),
    Planned(FigureSpec("02-robust-hinge.png", explain.robust_hinge, "The robust hinge: a shift by eps ||w||_1")),
    Planned(FigureSpec("03-loss-landscape.png", explain.landscape, "1-D loss landscapes and the gradient near zero")),
    Planned(FigureSpec("04-threat-sets.png", explain.threat_sets, "Threat sets: l_inf boxes, l_2 and l_1 balls")),
    Planned(FigureSpec("05-weights.png", weights.weights, "Model weights as images")),
    Planned(FigureSpec("06-accuracy-vs-epsilon.png", accuracy.accuracy,
                       "Clean, certified and attacked accuracy against eps")),
    Planned(FigureSpec("07-regular-optima.png", accuracy.optima,
                       "Three optima of the regular problem: brittleness is SGD's, not the objective's")),
    Planned(FigureSpec("08-misclassified-nearest.png", errors.misclassified,
                       "Misclassified samples nearest the boundary, as the model saw them")),
    Planned(FigureSpec("09-distances-misclassified.png", errors.distances,
                       "How far misclassified samples are from the boundary")),
    Planned(FigureSpec("10-sgd-vs-optimum.png", training.sgd_vs_optimum,
                       "SGD's training objective against the certified optimum")),
    Planned(FigureSpec("11-box-threat-model.png", accuracy.box,
                       "Box-aware vs box-free robust models under the [0, 1] threat"),
            needs_box=True),
)


def planned(has_box: bool) -> list[FigureSpec]:
    """The figures a run draws, in order (``has_box``: the data are pixels inside the box)."""
    return [p.spec for p in FIGURES if p.applies(has_box)]


__all__ = ["FIGURES", "Drawn", "FigureSpec", "Planned", "planned", "wrap"]
