"""``robustcvx reproduce``: the original study's figures and tables, with the certified optimum beside SGD.

The study: linear classifiers on MNIST 0 vs 1, the regular hinge against the robust hinge
``max(0, 1 - y f(x) + epsilon ||w||_1)`` (the exact worst case of an l_inf attack), trained with
SGD.  :func:`run` re-makes its figures with the exact optimum of every training problem beside the
SGD model, and checks each of its claims.

Modules (one job each):

* :mod:`.config` -- options, defaults, the command line that reruns a configuration;
* :mod:`.naming` -- data set and class names from the data spec;
* :mod:`.models` -- the trained-model records;
* :mod:`.training` -- exact optima and SGD;
* :mod:`.evaluation` -- clean / certified / attacked accuracy on both splits;
* :mod:`.results` -- everything a run produced, for the figures and the report;
* :mod:`.analysis`, :mod:`.facts` -- numbers derived from data and models;
* :mod:`.figures` -- one builder per figure, its caption beside it;
* :mod:`.png` -- atomic palette PNGs; :mod:`.progress` -- progress lines;
* :mod:`.pipeline` -- :func:`run`;
* :mod:`.multiclass` -- the pipeline for three or more classes (exact Crammer--Singer and one-vs-rest
  beside SGD and softmax baselines), which :func:`run` dispatches to.

The tables, findings, claims and README are written by :mod:`robustcvx.report`.
"""

from __future__ import annotations

from .analysis import (
    dead_pixels,
    landscape_along_weight,
    nearest_misclassified,
    pick_pixels,
    pixel_signal,
    signed_distances,
)
from .config import (
    DEFAULT_EPOCHS,
    EVAL_EPSILONS,
    QUICK_EPOCHS,
    QUICK_EPSILONS,
    QUICK_EVAL_EPSILONS,
    STUDY_EPSILONS,
    ReproduceConfig,
    output_slug,
)
from .figures import FIGURES, planned
from .models import SgdIterates, TrainedModel, model_key, same_classifier
from .naming import class_names, data_title, dataset_key
from .pipeline import PIXEL_BOX, FigureRecord, ReproduceResult, run, study_threats
from .png import save_png
from .results import RunResults

__all__ = [
    "DEFAULT_EPOCHS",
    "EVAL_EPSILONS",
    "FIGURES",
    "PIXEL_BOX",
    "QUICK_EPOCHS",
    "QUICK_EPSILONS",
    "QUICK_EVAL_EPSILONS",
    "STUDY_EPSILONS",
    "FigureRecord",
    "ReproduceConfig",
    "ReproduceResult",
    "RunResults",
    "SgdIterates",
    "TrainedModel",
    "class_names",
    "data_title",
    "dataset_key",
    "dead_pixels",
    "landscape_along_weight",
    "model_key",
    "nearest_misclassified",
    "output_slug",
    "pick_pixels",
    "pixel_signal",
    "planned",
    "run",
    "same_classifier",
    "save_png",
    "signed_distances",
    "study_threats",
]
