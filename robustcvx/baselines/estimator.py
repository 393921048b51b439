"""scikit-learn style estimators for the baselines (same objective as the exact estimator)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..estimator import LinearClassifierMethods
from ..problems import RobustHingeProblem
from .config import BaselineConfig


class SGDHingeClassifier(LinearClassifierMethods, ClassifierMixin, BaseEstimator):
    """Linear classifier trained by a PyTorch baseline on the (robust) hinge objective.

    Minimises the same objective as :class:`robustcvx.estimator.RobustHingeClassifier`
    (``y = +1`` for ``classes_[1]``) by minibatch SGD, Adam, or FGSM / PGD adversarial training.

    Parameters
    ----------
    epsilon, norm, box, l1, l2 : the problem (see :class:`~robustcvx.problems.RobustHingeProblem`).
    optimizer : {"sgd", "adam", "fgsm", "pgd"}
    epochs, lr, batch_size, schedule, seed, momentum, device, pgd_steps, pgd_step_size, init :
        see :class:`~robustcvx.baselines.BaselineConfig`.
    average : {"none", "all", "tail"}
        Iterate averaging (as scikit-learn's ``SGDClassifier(average=...)``): when not ``"none"``,
        ``coef_`` / ``intercept_`` are the averaged iterate's, else the last iterate's.
    optimum : float or None
        The exact optimal value, if known, for the gaps in ``trace_``.

    Attributes
    ----------
    coef_ (1, n_features), intercept_ (1,), classes_ (2,), objective_ (float64, recomputed, of the
    model in ``coef_``),
    trace_ (list of per-epoch dicts), result_ (:class:`~robustcvx.baselines.BaselineResult`),
    n_iter_ (epochs run).
    """

    _default_optimizer = "sgd"

    def __init__(self, epsilon: float = 0.0, norm: str = "inf", box: Any = None, l1: float = 0.0,
                 l2: float = 0.0, optimizer: str = "sgd", epochs: int = 100, lr: float = 0.1,
                 batch_size: int = 100, schedule: str = "none", seed: int = 0, momentum: float = 0.0,
                 device: str = "auto", pgd_steps: int = 10, pgd_step_size: float | None = None,
                 init: str = "torch", average: str = "none", optimum: float | None = None):
        self.epsilon = epsilon
        self.norm = norm
        self.box = box
        self.l1 = l1
        self.l2 = l2
        self.optimizer = optimizer
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.schedule = schedule
        self.seed = seed
        self.momentum = momentum
        self.device = device
        self.pgd_steps = pgd_steps
        self.pgd_step_size = pgd_step_size
        self.init = init
        self.average = average
        self.optimum = optimum

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    def _config(self) -> BaselineConfig:
        return BaselineConfig(optimizer=self.optimizer, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                              seed=self.seed, schedule=self.schedule, device=self.device,
                              pgd_steps=self.pgd_steps, pgd_step_size=self.pgd_step_size, momentum=self.momentum,
                              init=self.init, average=self.average)

    def fit(self, X: Any, y: Any) -> SGDHingeClassifier:
        from .train import train_baseline

        cfg = self._config()  # validate options before touching the data
        X, y = validate_data(self, X, y, dtype=np.float64)
        signed = self._fit_classes(y)
        problem = RobustHingeProblem(X, signed, self.epsilon, self.norm, self.box, l1=self.l1, l2=self.l2)
        res = train_baseline(problem, cfg, optimum=self.optimum)
        model = res.last if res.averaged is None else res.averaged
        self.coef_ = model.coef.reshape(1, -1)
        self.intercept_ = np.array([model.intercept])
        self.objective_ = model.objective
        self.trace_ = res.trace
        self.result_ = res
        self.n_iter_ = cfg.epochs
        self.problem_params_ = problem.describe()
        return self

    def pgd_accuracy(self, X: Any, y: Any, epsilon: Any = None, norm: Any = None, box: Any = "fit",
                     **kwargs: Any) -> float:
        """Accuracy under the autograd PGD attack (:func:`robustcvx.baselines.pgd_accuracy`)."""
        from .attack import pgd_accuracy

        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return pgd_accuracy((self.coef_[0], self.intercept_[0]), X, self._signed(y),
                            self.epsilon if epsilon is None else epsilon, self.norm if norm is None else norm,
                            self.box if (isinstance(box, str) and box == "fit") else box, **kwargs)


class AdversarialHingeClassifier(SGDHingeClassifier):
    """:class:`SGDHingeClassifier` with PGD adversarial training by default."""

    def __init__(self, epsilon: float = 0.0, norm: str = "inf", box: Any = None, l1: float = 0.0,
                 l2: float = 0.0, optimizer: str = "pgd", epochs: int = 100, lr: float = 0.1,
                 batch_size: int = 100, schedule: str = "none", seed: int = 0, momentum: float = 0.0,
                 device: str = "auto", pgd_steps: int = 10, pgd_step_size: float | None = None,
                 init: str = "torch", average: str = "none", optimum: float | None = None):
        super().__init__(epsilon=epsilon, norm=norm, box=box, l1=l1, l2=l2, optimizer=optimizer, epochs=epochs,
                         lr=lr, batch_size=batch_size, schedule=schedule, seed=seed, momentum=momentum,
                         device=device, pgd_steps=pgd_steps, pgd_step_size=pgd_step_size, init=init,
                         average=average, optimum=optimum)
