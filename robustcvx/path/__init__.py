r"""The exact robust path over every radius (issue 13).

Write ``H(w, b) = sum_i c_i max(0, 1 - y_i (w.x_i + b))`` for the (weighted) mean regular hinge and
``psi(s) = min { H(w, b) : ||w||_q <= s }`` for the norm-constrained hinge problem (``q`` dual to the
threat norm ``p``: ``||w||_1`` for the l_inf ball, ``||w||_inf`` for the l_1 ball).  For a norm-ball
threat the robust hinge is ``1 - y f(x) + eps ||w||_q``; with ``t = 1 + eps ||w||_q`` and
``(w', b') = (w, b) / t``,

    1 - y (w.x + b) + eps ||w||_q = t (1 - y (w'.x + b')),   ||w'||_q = s < 1/eps,   t = 1 / (1 - eps s),

so the robust objective of ``(w, b)`` is ``H(w', b') / (1 - eps s)`` and

    V(eps) = min_{0 <= s < 1/eps} psi(s) / (1 - eps s),

the robust optimum at ``eps`` being the budget model ``(w', b') / (1 - eps s)`` of the minimising
budget.  ``psi`` is convex, piecewise linear and non-increasing (a right-hand-side parametric LP:
the path of the 1-norm SVM), and on each of its edges the ratio is monotone, so the minimum is at a
vertex (:mod:`.envelope`).  One parametric solve gives the exact robust optimum, its model and its
certificate for every ``eps >= 0``, and the finitely many radii where the optimal model changes.
Every robust-optimal linear model is a rescaled 1-norm SVM: that is why robust weights are sparse.

The l_2 ball obeys the same identity with ``||w||_2 <= s``, but ``psi`` is then curved: no finite
list of vertices exists and only grids of radii can be solved (:func:`robustcvx.solvers.solve`).
The box threat breaks the identity (the penalty differs per sample) and has no path.

Modules: :mod:`.budget_lp` (the budget LP in HiGHS), :mod:`.solve` (the frame), :mod:`.sandwich`
(vertices from warm-started solves), :mod:`.homotopy` (the parametric simplex, with :mod:`.inverse`
and :mod:`.feature_rows`), :mod:`.envelope`,
:mod:`.robust` (:class:`RobustPath`, :func:`robust_path`).
"""

from __future__ import annotations

from .robust import METHODS, PathSegment, RobustPath, path_problem, robust_path

__all__ = ["METHODS", "PathSegment", "RobustPath", "path_problem", "robust_path"]
