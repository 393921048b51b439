r"""What a baseline run returns: its models (the last, the best and the averaged iterate) and its trace.

A run of SGD yields several models of the same objective ``P``:

* ``last``: the final iterate ``w_T`` (what the procedure returns, and what the original study
  reports);
* ``best``: the epoch-end iterate with the smallest training objective (an oracle choice with
  the training objective, reported so that one lucky or unlucky last epoch is seen as such);
* ``averaged``: the averaged iterate (``BaselineConfig.average``), itself a linear model.

Each is an :class:`Iterate` whose objective is recomputed in float64 from its weights, with its
gap ``P(w, b) - P*`` to the exact optimum when one is known.  Records are built with keywords
only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .config import BaselineConfig

#: the kinds of :class:`Iterate`, in the order a result lists them
ITERATES = ("last", "best", "averaged")


def relative_gap(gap: float | None, optimum: float | None) -> float | None:
    """``gap / optimum``; ``None`` when there is no optimum or it is (numerically) zero."""
    if gap is None or optimum is None or not optimum > 1e-12:
        return None
    return float(gap / optimum)


@dataclass(frozen=True, kw_only=True)
class Iterate:
    """One model of a run: ``f(x) = coef . x + intercept``.

    which : ``"last"``, ``"best"`` or ``"averaged"``.
    objective : ``problem.objective(coef, intercept)`` in float64.
    epoch : the epoch after which it was taken (``best``: the best epoch; 0: the initial model).
    optimum : the exact optimal value if known (for :attr:`gap`).
    """

    which: str
    coef: np.ndarray
    intercept: float
    objective: float
    epoch: int
    optimum: float | None = None

    @property
    def gap(self) -> float | None:
        """``objective - optimum`` (``None`` without an optimum)."""
        return None if self.optimum is None else float(self.objective - self.optimum)

    @property
    def rel_gap(self) -> float | None:
        return relative_gap(self.gap, self.optimum)

    @property
    def coef_(self) -> np.ndarray:  # so that as_linear / certify accept an iterate directly
        return self.coef

    @property
    def intercept_(self) -> float:
        return self.intercept

    def to_dict(self) -> dict:
        return {"which": self.which, "epoch": int(self.epoch), "objective": float(self.objective),
                "gap": self.gap, "rel_gap": self.rel_gap, "coef": [float(v) for v in self.coef],
                "intercept": float(self.intercept)}


@dataclass(frozen=True, kw_only=True)
class BaselineResult:
    """A trained baseline.

    name : the optimizer (``sgd``, ``adam``, ``fgsm``, ``pgd``).
    config : the :class:`BaselineConfig` it ran with.
    last, best : :class:`Iterate` (module docstring); ``averaged``: an :class:`Iterate`, or
        ``None`` when ``config.average == "none"`` (with 0 epochs it is the initial model).
    seconds : training time (the per-epoch float64 evaluation excluded: ``eval_seconds``).
    trace : one dict per epoch (see :func:`robustcvx.baselines.train_baseline`).
    optimum : the exact optimal value given to the run, if any.
    device : where it trained (``cpu`` or ``cuda``).

    ``coef``, ``intercept``, ``objective``, ``gap``, ``rel_gap`` (and ``coef_``/``intercept_``)
    are those of the last iterate.
    """

    name: str
    config: BaselineConfig
    last: Iterate
    best: Iterate
    averaged: Iterate | None
    seconds: float
    eval_seconds: float = 0.0
    trace: list[dict] = field(default_factory=list)
    optimum: float | None = None
    device: str = "cpu"

    # -------------------------------------------------------------- the last iterate
    @property
    def coef(self) -> np.ndarray:
        return self.last.coef

    @property
    def intercept(self) -> float:
        return self.last.intercept

    @property
    def objective(self) -> float:
        return self.last.objective

    @property
    def gap(self) -> float | None:
        return self.last.gap

    @property
    def rel_gap(self) -> float | None:
        return self.last.rel_gap

    @property
    def coef_(self) -> np.ndarray:
        return self.last.coef

    @property
    def intercept_(self) -> float:
        return self.last.intercept

    # ------------------------------------------------------------------ all models
    def iterates(self) -> list[Iterate]:
        """``[last, best, averaged]`` (``averaged`` only when the run averaged)."""
        return [it for it in (self.last, self.best, self.averaged) if it is not None]

    def iterate(self, which: str) -> Iterate:
        """The iterate named ``which`` (``last``, ``best`` or ``averaged``); KeyError if absent."""
        for it in self.iterates():
            if it.which == which:
                return it
        raise KeyError(which)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; the top-level ``coef``/``intercept``/``objective``/``gap`` are the last iterate's."""
        return {"name": self.name, "config": self.config.to_dict(), "objective": float(self.objective),
                "gap": self.gap, "rel_gap": self.rel_gap, "coef": [float(v) for v in self.coef],
                "intercept": float(self.intercept), "best": self.best.to_dict(),
                "averaged": None if self.averaged is None else self.averaged.to_dict(),
                "seconds": float(self.seconds), "eval_seconds": float(self.eval_seconds), "device": self.device,
                "trace": self.trace}
