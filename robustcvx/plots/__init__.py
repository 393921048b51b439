"""The figures of ``robustcvx reproduce``: pure functions from arrays to a matplotlib Figure.

Every function takes plain data (numpy arrays, numbers, small dicts; certified-accuracy curves
are anything with ``breakpoints`` and ``levels``, e.g. :class:`robustcvx.certify.CertifiedCurve`),
draws it, and returns a :class:`matplotlib.figure.Figure`.  Nothing is computed from a model here
beyond what is drawn, nothing is written to disk (:func:`robustcvx.reproduce.png.save_png` does
that), and pyplot's global state is never touched, so the functions are safe to call from tests
and threads.  matplotlib is imported lazily with the Agg backend unless pyplot was already
imported by the caller.

Modules: :mod:`.base` (shared pieces), :mod:`.explain` (hinge, robust hinge, loss landscape,
threat sets), :mod:`.weights` (weight images), :mod:`.accuracy` (accuracy against the radius, the
box threat, several optima of one problem), :mod:`.errors` (misclassified images, distances to
the boundary), :mod:`.training` (SGD against the optimum).

Conventions: the margin of a sample is ``y f(x)`` (positive: correct) with ``f(x) = w.x + b``;
colours encode the training radius (:func:`epsilon_color`); legends sit outside the axes.
"""

from __future__ import annotations

from .accuracy import accuracy_vs_epsilon_figure, box_threat_figure, optima_figure
from .base import REGULAR_COLOR, SVM_COLOR, aligned_edges, epsilon_color, new_figure, snap, step_points
from .errors import distance_histograms_figure, nearest_misclassified_figure
from .explain import hinge_loss_figure, loss_landscape_figure, robust_hinge_figure, threat_sets_figure
from .training import training_curves_figure
from .weights import weight_images_figure

__all__ = [
    "REGULAR_COLOR",
    "SVM_COLOR",
    "accuracy_vs_epsilon_figure",
    "aligned_edges",
    "box_threat_figure",
    "distance_histograms_figure",
    "epsilon_color",
    "hinge_loss_figure",
    "loss_landscape_figure",
    "nearest_misclassified_figure",
    "new_figure",
    "optima_figure",
    "robust_hinge_figure",
    "snap",
    "step_points",
    "threat_sets_figure",
    "training_curves_figure",
    "weight_images_figure",
]
