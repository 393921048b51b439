"""The exact optimum against the PyTorch baselines, on the same objective.

* :mod:`.config`: :class:`CompareConfig` (what to compare; built once, validated), class weights;
* :mod:`.run`: :func:`compare` (solve, train, evaluate, check);
* :mod:`.records`: :class:`ModelReport`, :class:`CompareResult` (keyword-only records, JSON, table).

``from robustcvx.compare import compare`` (the package has the same name as the function)::

    result = compare(task, CompareConfig(epsilon=0.2, optimizers=("sgd", "pgd"),
                                         training=BaselineConfig(epochs=100, average="tail")))
    result = compare(task, epsilon=0.2, optimizers="all", epochs=100)      # the same, flat options
"""

from __future__ import annotations

from ..baselines.config import AttackConfig, BaselineConfig
from .config import CompareConfig, baseline_configs, parse_lrs, parse_optimizers
from .records import CompareResult, ModelReport
from .run import OPTIMUM_SLACK, compare

__all__ = [
    "OPTIMUM_SLACK",
    "AttackConfig",
    "BaselineConfig",
    "CompareConfig",
    "CompareResult",
    "ModelReport",
    "baseline_configs",
    "compare",
    "parse_lrs",
    "parse_optimizers",
]
