r"""The models of a ``K``-class reproduce run, trained and evaluated on one footing.

Model ``(W, b)`` (``W`` of shape ``(K, d)``) predicts ``argmax_k w_k.x + b_k``.  The runs:

* the regular problem (``epsilon = 0``) by :func:`robustcvx.compare.compare`: the exact joint
  (Crammer--Singer) optimum, SGD on the same joint hinge, softmax regression (cross-entropy, SGD);
* the robust problem at the training radius (l_inf threat) by :func:`~robustcvx.compare.compare`:
  the exact joint optimum, SGD on the same joint robust hinge, PGD-trained softmax regression (the
  standard practice);
* one-vs-rest at the training radius (:func:`robustcvx.solvers.ovr.solve_ovr`): ``K`` certified binary
  robust problems, class ``k`` against the rest.

Every model is then evaluated on the evaluation split: the exact certified-accuracy curve
(:func:`robustcvx.certify.certified_curve`: sample ``i`` is certified at ``eps`` iff
``(w_y - w_k).x_i + b_y - b_k > eps ||w_y - w_k||_1`` for every ``k != y_i``), the certified accuracy at the
table radii (:func:`robustcvx.certify.certified_accuracy`) and the accuracy under the MultiTargeted PGD
attack at the same radii (:func:`robustcvx.baselines.pgd_accuracy`), which must agree for a linear model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(kw_only=True)
class ClassModel:
    """One trained ``K``-class model and its evaluation.

    key : ``exact-cs@0``, ``sgd@0.1``, ... (unique); label : the display name.
    method : ``exact`` (certified optimum), ``sgd`` (the joint hinge), ``softmax`` or ``softmax-pgd``.
    formulation : ``crammer-singer`` (joint hinge), ``ovr`` (one-vs-rest) or ``softmax``.
    objective : the joint robust hinge at ``epsilon`` on the training data (float64, from the weights);
        ``optimum`` the certified optimum of that problem; ``gaps`` the gap of the ``last``, ``best`` and
        ``averaged`` iterate (SGD runs; ``{}`` otherwise).
    own_objective : the objective the model was trained on, when it is not the joint hinge (OvR: the
        mean of its ``K`` binary objectives).
    verified : the exact models' certificate (``None`` for trained baselines).
    curve : the exact certified-accuracy curve; certified, pgd : ``{eps: accuracy}`` at the table radii.
    """

    key: str
    label: str
    method: str
    formulation: str
    epsilon: float
    coef: np.ndarray
    intercept: np.ndarray
    objective: float
    optimum: float
    seconds: float
    verified: bool | None = None
    own_objective: float | None = None
    gaps: dict[str, float] = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)
    curve: Any = None
    certified: dict[float, float] = field(default_factory=dict)
    pgd: dict[float, float] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return float(self.objective - self.optimum)

    @property
    def model(self) -> tuple:
        """``(W, b, classes)`` as :mod:`robustcvx.certify` takes it (labels are the row indices)."""
        return self.coef, self.intercept, np.arange(self.coef.shape[0])


def compare_options(cfg: Any, epsilon: float, optimizers: tuple[str, ...]) -> dict:
    """The :meth:`robustcvx.compare.CompareConfig.create` options of one comparison of the run."""
    return dict(epsilon=epsilon, optimizers=optimizers, lr=cfg.lr, epochs=cfg.epochs, batch_size=cfg.batch_size,
                schedule=cfg.sgd_schedule, average=cfg.sgd_average, seed=cfg.seed, solver=cfg.solver,
                distance=False)


def from_compare(result: Any, epsilon: float) -> list[ClassModel]:
    """The exact model and the last iterate of every baseline of a comparison (gaps of every iterate)."""
    gaps = result.gaps()
    out = []
    for m in result.models:
        if m.iterate not in (None, "last"):
            continue
        exact = m.kind == "exact"
        method = "exact" if exact else m.kind.replace("softmax-sgd", "softmax")
        label = {"exact": "exact Crammer-Singer", "sgd": "SGD (joint hinge)", "softmax": "softmax regression",
                 "softmax-pgd": "PGD-trained softmax"}.get(method, method)
        iterates = [r for r in result.models if r.run is not None and r.run == m.run]
        out.append(ClassModel(
            key=f"{'exact-cs' if exact else method}@{epsilon:g}", label=f"{label}, ε={epsilon:g}", method=method,
            formulation="softmax" if m.loss == "softmax" else "crammer-singer", epsilon=float(epsilon),
            coef=np.asarray(m.coef, dtype=float), intercept=np.asarray(m.intercept, dtype=float),
            objective=float(m.objective), optimum=float(result.optimum), seconds=float(m.seconds),
            verified=bool(m.info.get("verified")) if exact else None,
            gaps={} if exact else dict(gaps.get(m.run, {})),
            epochs={r.iterate: int(r.epoch) for r in iterates if r.epoch is not None},
            trace=list(m.trace)))
    return out


def ovr_model(task: Any, epsilon: float, cfg: Any, optimum: float) -> ClassModel:
    """One-vs-rest at ``epsilon`` (l_inf): ``K`` certified binary optima; ``objective`` is its joint hinge."""
    from ...problems import MulticlassHingeProblem
    from ...solvers.ovr import solve_ovr
    from ...threats import LinfBall

    K = task.n_classes
    sol = solve_ovr(task.X_train, task.y_train, K, LinfBall(epsilon), solver=cfg.solver)
    joint = MulticlassHingeProblem(task.X_train, task.y_train, LinfBall(epsilon), n_classes=K)
    return ClassModel(key=f"exact-ovr@{epsilon:g}", label=f"exact one-vs-rest, ε={epsilon:g}", method="exact",
                      formulation="ovr", epsilon=float(epsilon), coef=np.asarray(sol.coef, dtype=float),
                      intercept=np.asarray(sol.intercept, dtype=float),
                      objective=float(joint.objective(sol.coef, sol.intercept)), optimum=float(optimum),
                      seconds=float(sol.seconds), verified=bool(sol.verified), own_objective=float(sol.objective))


def evaluate(model: ClassModel, X: Any, y: np.ndarray, eval_epsilons: tuple[float, ...], attack: Any) -> None:
    """Fill ``curve``, ``certified`` and ``pgd`` of ``model`` on ``(X, y)`` (l_inf threat; module docstring)."""
    from ...baselines import pgd_accuracy
    from ...certify import certified_accuracy, certified_curve
    from ...threats import LinfBall

    threat = LinfBall(0.0)
    model.curve = certified_curve(model.model, X, y, threat)
    cert = certified_accuracy(model.model, X, y, list(eval_epsilons), threat)
    model.certified = {float(e): float(a) for e, a in zip(eval_epsilons, cert)}
    model.pgd = {float(e): float(pgd_accuracy(model.model, X, y, e, threat, **attack.to_dict()))
                 for e in eval_epsilons}


def largest_disagreement(models: list[ClassModel]) -> float:
    """The largest ``|PGD - certified|`` accuracy over every model and radius (0 for a correct attack)."""
    return max((abs(m.pgd[e] - m.certified[e]) for m in models for e in m.certified), default=0.0)
