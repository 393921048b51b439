"""Everything a run produced, in one object the figures, findings and tables read from.

:class:`RunResults` holds the resolved configuration, the task (the data actually used), the
trained models, their evaluations and the threat families (the study's l_inf ball, and the l_inf
ball inside the pixel box when the data are pixels), with small lookups.  It computes nothing
expensive; derived numbers shared by several outputs are in :mod:`.facts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..threats import Threat
from .config import ReproduceConfig
from .evaluation import Evaluation
from .models import TrainedModel, model_key
from .naming import class_names, data_title


@dataclass(kw_only=True)
class RunResults:
    """The outcome of the training and evaluation stages of a run."""

    cfg: ReproduceConfig
    task: Any
    models: dict[str, TrainedModel]
    evals: dict[str, Evaluation]
    threat: Threat                 # the study's threat family (radius 0)
    box_threat: Threat | None      # the same inside the pixel box, for pixel data

    # ---------------------------------------------------------------- names
    @property
    def data(self) -> str:
        """Short data description for titles."""
        return data_title(self.task)

    @property
    def names(self) -> dict[float, str]:
        """Class names keyed by the label -1.0 / +1.0."""
        return class_names(self.task)

    @property
    def split(self) -> str:
        """``"test"`` or ``"train"``: where accuracies are measured."""
        return self.task.evaluation_split()[2]

    @property
    def study(self) -> float:
        """The radius the single-radius figures use (0.1 by default)."""
        return float(self.cfg.study_epsilon)

    @property
    def epsilons(self) -> tuple[float, ...]:
        """The robust training radii."""
        return tuple(self.cfg.epsilons)

    # ---------------------------------------------------------------- models
    def m(self, method: str, eps: float, box: bool = False) -> TrainedModel:
        return self.models[model_key(method, eps, box)]

    def ev(self, model: TrainedModel) -> Evaluation:
        return self.evals[model.key]

    @property
    def svm(self) -> TrainedModel | None:
        """The classical SVM (only when the regular problem is degenerate)."""
        return self.models.get(model_key("exact", 0.0, variant="l2svm"))

    def certified(self, model: TrainedModel, eps: float) -> float:
        """Certified accuracy of ``model`` at ``eps`` on the evaluation split."""
        return float(self.ev(model).curve(eps))

    def color(self, eps: float) -> str:
        from ..plots import epsilon_color

        return epsilon_color(eps, self.epsilons)

    def image_shape(self) -> tuple[int, int]:
        shape = getattr(self.task, "image_shape", None)
        if shape is not None and len(shape) == 2:
            return tuple(shape)  # type: ignore[return-value]
        return (1, self.task.d)

    def attack_radii(self) -> tuple[float, ...]:
        """The radii of the per-sample attack figures: the study radius and the largest training radius."""
        return tuple(sorted({self.study, max(self.epsilons)}))

    def pixel_range(self) -> tuple[float, float]:
        """The value range images are drawn on: the box, or the data's range."""
        if self.box_threat is not None:
            return self.box_threat.box  # type: ignore[return-value]
        X = self.task.X_train
        return float(np.min(X)), float(np.max(X))
