"""The training problems, stated once: binary (:mod:`.binary`) and multiclass (:mod:`.multiclass`)."""

from .binary import CvxpyModel, RobustHingeProblem, check_sample_weight
from .multiclass import MulticlassHingeProblem

__all__ = ["CvxpyModel", "MulticlassHingeProblem", "RobustHingeProblem", "check_sample_weight"]
