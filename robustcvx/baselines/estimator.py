"""scikit-learn style estimators for the baselines (same objective as the exact estimator).

Two classes give the binary model ``f(x) = w.x + b`` (``classes_[1]`` is the label +1); ``K >= 3``
classes give ``f_k(x) = w_k.x + b_k`` trained on the joint (Crammer--Singer) robust hinge
(:class:`~robustcvx.problems.MulticlassHingeProblem`, class ``k`` = ``classes_[k]``), predicting
``classes_[argmax_k f_k(x)]`` -- the shapes of scikit-learn's linear classifiers (``coef_`` of shape
``(1, d)`` or ``(K, d)``).  ``loss="softmax"`` trains the cross-entropy instead (logistic regression
for two classes, softmax regression for ``K``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..estimator import LinearClassifierMethods
from ..problems import MulticlassHingeProblem, RobustHingeProblem
from .config import BaselineConfig


class SGDHingeClassifier(LinearClassifierMethods, ClassifierMixin, BaseEstimator):
    """Linear classifier trained by a PyTorch baseline on the (robust) hinge objective.

    Two classes: minimises the same objective as :class:`robustcvx.estimator.RobustHingeClassifier`
    (``y = +1`` for ``classes_[1]``); three or more: the joint Crammer--Singer robust hinge of
    :class:`~robustcvx.problems.MulticlassHingeProblem` (module docstring); by minibatch SGD, Adam, or
    FGSM / PGD adversarial training.

    Parameters
    ----------
    epsilon, norm, box, l1, l2 : the problem (see :class:`~robustcvx.problems.RobustHingeProblem`).
    optimizer : {"sgd", "adam", "fgsm", "pgd"}
    loss : {"hinge", "softmax"}
        The problem's hinge objective, or the cross-entropy (the standard practice; see
        :class:`~robustcvx.baselines.BaselineConfig`).
    epochs, lr, batch_size, schedule, seed, momentum, device, pgd_steps, pgd_step_size, init :
        see :class:`~robustcvx.baselines.BaselineConfig`.
    average : {"none", "all", "tail"}
        Iterate averaging (as scikit-learn's ``SGDClassifier(average=...)``): when not ``"none"``,
        ``coef_`` / ``intercept_`` are the averaged iterate's, else the last iterate's.
    optimum : float or None
        The exact optimal value, if known, for the gaps in ``trace_``.

    Attributes
    ----------
    coef_ (1, n_features) or (K, n_features), intercept_ (1,) or (K,), classes_ (2,) or (K,), objective_
    (float64, the problem's hinge objective recomputed for the model in ``coef_``),
    trace_ (list of per-epoch dicts), result_ (:class:`~robustcvx.baselines.BaselineResult`),
    n_iter_ (epochs run).
    """

    _default_optimizer = "sgd"

    def __init__(self, epsilon: float = 0.0, norm: str = "inf", box: Any = None, l1: float = 0.0,
                 l2: float = 0.0, optimizer: str = "sgd", epochs: int = 100, lr: float = 0.1,
                 batch_size: int = 100, schedule: str = "none", seed: int = 0, momentum: float = 0.0,
                 device: str = "auto", pgd_steps: int = 10, pgd_step_size: float | None = None,
                 init: str = "torch", average: str = "none", optimum: float | None = None, loss: str = "hinge"):
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
        self.loss = loss

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        tags.classifier_tags.multi_class = True
        return tags

    def _config(self) -> BaselineConfig:
        return BaselineConfig(optimizer=self.optimizer, epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                              seed=self.seed, schedule=self.schedule, device=self.device,
                              pgd_steps=self.pgd_steps, pgd_step_size=self.pgd_step_size, momentum=self.momentum,
                              init=self.init, average=self.average, loss=self.loss)

    def fit(self, X: Any, y: Any) -> SGDHingeClassifier:
        from .train import train_baseline

        cfg = self._config()  # validate options before touching the data
        X, y = validate_data(self, X, y, dtype=np.float64)
        labels = self._fit_classes(y, multiclass=True)
        if self.classes_.size > 2:
            problem = MulticlassHingeProblem(X, labels, self.epsilon, self.norm, self.box, l1=self.l1, l2=self.l2,
                                             n_classes=self.classes_.size)
        else:
            problem = RobustHingeProblem(X, labels, self.epsilon, self.norm, self.box, l1=self.l1, l2=self.l2)
        res = train_baseline(problem, cfg, optimum=self.optimum)
        model = res.last if res.averaged is None else res.averaged
        self.coef_ = np.asarray(model.coef).reshape(-1, X.shape[1])
        self.intercept_ = np.asarray(model.intercept, dtype=float).reshape(-1)
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
        model, labels = self._model_and_labels(y)
        return pgd_accuracy(model, X, labels, self.epsilon if epsilon is None else epsilon,
                            self.norm if norm is None else norm,
                            self.box if (isinstance(box, str) and box == "fit") else box, **kwargs)


class AdversarialHingeClassifier(SGDHingeClassifier):
    """:class:`SGDHingeClassifier` with PGD adversarial training by default."""

    def __init__(self, epsilon: float = 0.0, norm: str = "inf", box: Any = None, l1: float = 0.0,
                 l2: float = 0.0, optimizer: str = "pgd", epochs: int = 100, lr: float = 0.1,
                 batch_size: int = 100, schedule: str = "none", seed: int = 0, momentum: float = 0.0,
                 device: str = "auto", pgd_steps: int = 10, pgd_step_size: float | None = None,
                 init: str = "torch", average: str = "none", optimum: float | None = None, loss: str = "hinge"):
        super().__init__(epsilon=epsilon, norm=norm, box=box, l1=l1, l2=l2, optimizer=optimizer, epochs=epochs,
                         lr=lr, batch_size=batch_size, schedule=schedule, seed=seed, momentum=momentum,
                         device=device, pgd_steps=pgd_steps, pgd_step_size=pgd_step_size, init=init,
                         average=average, optimum=optimum, loss=loss)
