r"""The records of a comparison: one :class:`ModelReport` per model, gathered in a :class:`CompareResult`.

Models: the exact optimum (``kind == "exact"``) and, for each baseline run, its last iterate
(row ``sgd``), its best epoch (``sgd:best``) and its averaged iterate (``sgd:averaged``, when the
run averages), each evaluated on the same footing.  ``gap = objective - optimum`` with every
objective recomputed in float64 on the (weighted) training objective.  Records are built with
keywords only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: row-name suffix of each iterate of a baseline run (the last iterate keeps the run's name)
SUFFIX = {"last": "", "best": ":best", "averaged": ":averaged"}


@dataclass(frozen=True, kw_only=True)
class ModelReport:
    """One row of the comparison.

    name : ``exact``, the run's name (its last iterate), or the run's name + ``:best`` / ``:averaged``.
    kind : ``exact`` or the optimizer (``sgd``, ``adam``, ``fgsm``, ``pgd``).
    run : the baseline run it comes from (``None`` for the exact model).
    iterate : ``last``, ``best`` or ``averaged`` (``None`` for the exact model); ``epoch``: the
        epoch it was taken at.
    objective, gap, rel_gap : the training objective (float64), ``objective - optimum`` and
        ``gap / optimum``; ``objective_recomputed``: the objective recomputed here from
        ``(coef, intercept)`` (a consistency check: it must equal ``objective``).
    accuracy, certified_accuracy, pgd_accuracy : on the evaluation split (clean, exact, autograd
        PGD; the last two must be equal for a linear model).
    distance_to_optimal_set : Euclidean distance of ``(w, b)`` to the set of optima (``None``
        when not computed).
    l1_norm, nonzeros, significant_weights : :mod:`robustcvx.metrics`.
    seconds : training (or solve) time of the run; ``trace``: the run's per-epoch trace (on the
        last iterate's row only); ``config``: the run's :class:`BaselineConfig` as a dict.
    """

    name: str
    kind: str
    objective: float
    gap: float
    rel_gap: float | None
    coef: np.ndarray
    intercept: float
    accuracy: float
    certified_accuracy: float
    pgd_accuracy: float
    seconds: float
    objective_recomputed: float
    run: str | None = None
    iterate: str | None = None
    epoch: int | None = None
    trace: list[dict] = field(default_factory=list)
    distance_to_optimal_set: float | None = None
    l1_norm: float = 0.0
    nonzeros: int = 0
    significant_weights: int = 0
    config: dict | None = None
    info: dict = field(default_factory=dict)

    @property
    def pgd_agrees(self) -> bool:
        return self.pgd_accuracy == self.certified_accuracy

    @property
    def coef_(self) -> np.ndarray:  # a report is a linear model too
        return self.coef

    @property
    def intercept_(self) -> float:
        return self.intercept

    def to_dict(self) -> dict:
        return {
            "name": self.name, "kind": self.kind, "run": self.run, "iterate": self.iterate, "epoch": self.epoch,
            "objective": float(self.objective), "gap": float(self.gap), "rel_gap": self.rel_gap,
            "coef": [float(v) for v in self.coef], "intercept": float(self.intercept),
            "accuracy": float(self.accuracy), "certified_accuracy": float(self.certified_accuracy),
            "pgd_accuracy": float(self.pgd_accuracy), "pgd_agrees": self.pgd_agrees,
            "seconds": float(self.seconds), "distance_to_optimal_set": self.distance_to_optimal_set,
            "l1_norm": float(self.l1_norm), "nonzeros": int(self.nonzeros),
            "significant_weights": int(self.significant_weights),
            "objective_recomputed": float(self.objective_recomputed), "config": self.config,
            "info": self.info, "trace": self.trace,
        }


def json_safe(obj: Any) -> Any:
    """Plain Python types; non-finite floats become ``None``."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    return obj


@dataclass(frozen=True, kw_only=True)
class CompareResult:
    """The exact optimum and one :class:`ModelReport` per model (the exact one first).

    ``errors`` lists every failed consistency check (``ok`` is false then); ``warnings`` the
    diagnostics that could not be computed.  ``settings`` is the :class:`CompareConfig` as a dict.
    """

    optimum: float
    models: list[ModelReport]
    data: dict = field(default_factory=dict)
    problem: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def model(self, name: str) -> ModelReport:
        for m in self.models:
            if m.name == name:
                return m
        raise KeyError(name)

    def gaps(self) -> dict[str, dict[str, float]]:
        """``{run: {"last": gap, "best": gap, "averaged": gap}}`` for every baseline run."""
        out: dict[str, dict[str, float]] = {}
        for m in self.models:
            if m.run is not None:
                out.setdefault(m.run, {})[m.iterate] = float(m.gap)
        return out

    def to_dict(self) -> dict:
        """JSON-safe (non-finite numbers, e.g. in a failed solver attempt, become ``None``)."""
        return json_safe({"optimum": float(self.optimum), "models": [m.to_dict() for m in self.models],
                          "gaps": self.gaps(), "data": self.data, "problem": self.problem,
                          "evaluation": self.evaluation, "settings": self.settings, "errors": list(self.errors),
                          "warnings": list(self.warnings), "ok": self.ok, "seconds": float(self.seconds)})

    def table(self) -> str:
        """The comparison as a fixed-width text table."""
        def pct(x: float) -> str:
            return f"{100 * x:.2f}%"

        def num(x: float | None, fmt: str) -> str:
            return "-" if x is None else format(x, fmt)

        head = ["model", "epoch", "objective", "gap", "rel.gap", "dist.opt.set", "clean", "certified", "PGD",
                "nonzeros", "w>1%max", "seconds"]
        rows = []
        for m in self.models:
            rows.append([m.name, num(m.epoch, "d"), f"{m.objective:.8g}", num(m.gap, ".3g"),
                         "-" if m.rel_gap is None else f"{100 * m.rel_gap:.2f}%",
                         num(m.distance_to_optimal_set, ".4g"), pct(m.accuracy), pct(m.certified_accuracy),
                         pct(m.pgd_accuracy) + ("" if m.pgd_agrees else " !"), str(m.nonzeros),
                         str(m.significant_weights), f"{m.seconds:.2f}"])
        widths = [max(len(r[k]) for r in [head] + rows) for k in range(len(head))]
        fmt = lambda r: "  ".join(c.ljust(w) if k == 0 else c.rjust(w)
                                  for k, (c, w) in enumerate(zip(r, widths)))
        lines = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
        return "\n".join(lines)
