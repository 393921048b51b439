"""scikit-learn estimator over the exact solver.

``RobustHingeClassifier`` minimises (see :mod:`robustcvx.problems`)

    (1/n) sum_i max(0, 1 - y_i (w.x_i + b) + pen_i(w)) + l1 ||w||_1 + (l2/2) ||w||_2^2

with ``y_i = +1`` for ``classes_[1]`` and ``-1`` for ``classes_[0]``, solved exactly and
certified by the package's own duality certificate (``certificate_``).  With three or more classes
(like :class:`sklearn.svm.LinearSVC`) it solves the joint Crammer--Singer problem
(:class:`~robustcvx.problems.MulticlassHingeProblem`, the default) or ``K`` one-vs-rest binary problems
(``multiclass="ovr"``); ``coef_`` is then ``(K, d)`` and the prediction ``argmax_k w_k.x + b_k``.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .certify import certified_accuracy
from .errors import DataError
from .fit import combined_sample_weight, parse_multiclass
from .problems import MulticlassHingeProblem, RobustHingeProblem
from .solvers import solve
from .solvers.ovr import solve_ovr


class UnverifiedSolutionWarning(UserWarning):
    """No backend produced a point that the certificate verifies; the model may not be optimal."""


class LinearClassifierMethods:
    """Prediction and exact certification shared by every fitted linear classifier here.

    Needs ``coef_`` (1, d), ``intercept_`` (1,), ``classes_`` (2,), and the threat parameters
    ``epsilon``, ``norm`` and ``box``; ``classes_[1]`` is the positive class (label +1).  A multiclass fit
    has ``coef_`` (K, d), ``intercept_`` (K,), ``classes_`` (K,) and predicts the class of largest score.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _fit_classes(self, y: np.ndarray, multiclass: bool = False) -> np.ndarray:
        """Set ``classes_``; return labels in {-1, +1} (two classes) or class indices ``0..K-1``
        (``multiclass=True`` and three or more classes)."""
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        classes = np.unique(y)
        if not multiclass and y_type != "binary" and (y_type == "multiclass" or classes.size > 2):
            raise DataError(f"Only binary classification is supported. The type of the target is {y_type}: "
                            "select two classes (this estimator trains one binary linear classifier)")
        if classes.size < 2:
            raise DataError(f"y has one class only ({classes.tolist()}): training needs 2 classes or more")
        self.classes_ = classes
        if classes.size > 2:
            return np.searchsorted(classes, y).astype(np.int64)
        return np.where(y == classes[1], 1.0, -1.0)

    @property
    def _multiclass(self) -> bool:
        return self.coef_.shape[0] > 1

    def decision_function(self, X: Any) -> np.ndarray:
        """``w.x + b`` (positive for ``classes_[1]``); multiclass: the ``(n, K)`` scores ``w_k.x + b_k``."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, accept_sparse="csr")
        if self._multiclass:
            return np.asarray(X @ self.coef_.T) + self.intercept_[None, :]
        return X @ self.coef_[0] + self.intercept_[0]

    def predict(self, X: Any) -> np.ndarray:
        """``classes_[1]`` where ``w.x + b > 0``, else ``classes_[0]``; multiclass: the class of largest score."""
        scores = self.decision_function(X)
        if self._multiclass:
            return self.classes_[scores.argmax(axis=1)]
        return self.classes_[(scores > 0).astype(int)]

    def _signed(self, y: Any) -> np.ndarray:
        """Labels -1/+1 of a binary fit (``classes_[1]`` is +1)."""
        return self._model_and_labels(y)[1]

    def _model_and_labels(self, y: Any) -> tuple[Any, np.ndarray]:
        y = np.asarray(y)
        if not np.isin(y, self.classes_).all():
            raise DataError(f"y has labels outside the fitted classes {self.classes_.tolist()}")
        if self._multiclass:
            return (self.coef_, self.intercept_, self.classes_), y
        return (self.coef_[0], self.intercept_[0]), np.where(y == self.classes_[1], 1.0, -1.0)

    def certified_accuracy(self, X: Any, y: Any, epsilon: Any = None, norm: Any = None, box: Any = "fit") -> Any:
        """Exact certified accuracy on ``(X, y)`` (defaults: the fitted epsilon, norm and box)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64, accept_sparse="csr")
        box = self.box if (isinstance(box, str) and box == "fit") else box
        epsilon = self.epsilon if epsilon is None else epsilon
        norm = self.norm if norm is None else norm
        model, labels = self._model_and_labels(y)
        return certified_accuracy(model, X, labels, epsilon, norm, box)


class RobustHingeClassifier(LinearClassifierMethods, ClassifierMixin, BaseEstimator):
    """Linear classifier trained by solving the (robust) hinge problem exactly.

    Parameters
    ----------
    epsilon : float, default 0.0
        Radius of the threat ``||delta||_p <= epsilon`` (0: regular hinge SVM without regulariser).
    norm : {"inf", "2", "1"}, default "inf"
        Threat norm ``p``; the penalty uses the dual norm of ``w``.
    box : (lo, hi) or None
        Data domain for the inf-norm threat (perturbed inputs stay in ``[lo, hi]``).
    l1, l2 : float, default 0.0
        Regularisation ``l1 ||w||_1 + (l2 / 2) ||w||_2^2``.
    solver : {"auto", "fast", "highs", "clarabel"}
    tie_break : {"max-margin", "none"}
        For degenerate (zero-loss) optima, return the max-margin one (default) or the solver's vertex.
    strict : bool, default False
        Raise :class:`~robustcvx.errors.SolverError` when no answer verifies (else warn).
    class_weight : dict, "balanced" or None
        Weights of the classes in the mean (as in :class:`sklearn.svm.LinearSVC`): sample ``i`` weighs
        ``class_weight[y_i]`` (times its ``sample_weight``); "balanced" gives ``n / (K n_class)``.
    multiclass : {"crammer-singer", "ovr"}, default "crammer-singer"
        With three or more classes: the joint problem, or ``K`` one-vs-rest binary problems (``objective_`` is
        then the mean of their objectives and ``certificate_`` is verified only when all ``K`` are).

    Attributes
    ----------
    coef_ : ndarray (1, n_features), or (K, n_features) for K >= 3 classes;  intercept_ : ndarray (1,) or (K,)
    classes_ : ndarray (K,)
    objective_ : float (recomputed on the training data);  certificate_ : Certificate
    solution_ : Solution (solver, attempts, duals)
    """

    #: scikit-learn checks that do not apply, with the reason (used by the tests' ``check_estimator``)
    EXPECTED_FAILED_CHECKS: ClassVar[dict[str, str]] = {
        f"check_sample_weight_equivalence_on_{kind}_data":
            "the hinge problem's optimal set is in general not a single point: integer weights and repeated "
            "rows give the same optimal value (tested) but may give different, equally optimal models"
        for kind in ("dense", "sparse")
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_class = True
        return tags

    def __init__(self, epsilon: float = 0.0, norm: str = "inf", box: Any = None, l1: float = 0.0,
                 l2: float = 0.0, solver: str = "auto", tie_break: str = "max-margin", strict: bool = False,
                 class_weight: Any = None, multiclass: str = "crammer-singer"):
        self.epsilon = epsilon
        self.norm = norm
        self.box = box
        self.l1 = l1
        self.l2 = l2
        self.solver = solver
        self.tie_break = tie_break
        self.strict = strict
        self.class_weight = class_weight
        self.multiclass = multiclass

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> RobustHingeClassifier:
        """Solve the training problem exactly; the objective is the weighted mean
        ``sum_i s_i hinge_i / sum_i s_i`` with ``s_i = sample_weight_i * class_weight[y_i]``."""
        X, y = validate_data(self, X, y, dtype=np.float64, accept_sparse="csr")
        kind = parse_multiclass(self.multiclass)
        labels = self._fit_classes(y, multiclass=True)
        weights = combined_sample_weight(y, sample_weight, self.class_weight)
        K = self.classes_.size
        if K == 2:
            problem: Any = RobustHingeProblem(X, labels, self.epsilon, self.norm, self.box, self.l1, self.l2,
                                              sample_weight=weights)
            sol: Any = solve(problem, self.solver, tie_break=self.tie_break, strict=self.strict)
        elif kind == "ovr":
            problem = MulticlassHingeProblem(X, labels, self.epsilon, self.norm, self.box, self.l1, self.l2,
                                             sample_weight=weights, n_classes=K)
            sol = solve_ovr(X, labels, K, problem.threat, l1=self.l1, l2=self.l2, sample_weight=weights,
                            solver=self.solver, tie_break=self.tie_break, strict=self.strict)
        else:
            problem = MulticlassHingeProblem(X, labels, self.epsilon, self.norm, self.box, self.l1, self.l2,
                                             sample_weight=weights, n_classes=K)
            sol = solve(problem, self.solver, tie_break=self.tie_break, strict=self.strict)
        if not sol.verified:
            warnings.warn(f"no solver's answer verified: {sol.certificate.reason}", UnverifiedSolutionWarning,
                          stacklevel=2)
        self.coef_ = np.asarray(sol.coef, dtype=float).reshape(-1 if K > 2 else 1, X.shape[1])
        self.intercept_ = np.asarray(sol.intercept, dtype=float).reshape(-1)
        self.objective_ = sol.objective
        self.certificate_ = sol.certificate
        self.solution_ = sol
        self.problem_params_ = problem.describe()
        return self
