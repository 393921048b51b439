"""The conic working-set exact solver (SOCP: the l_2 threat; QP: ``l2 > 0``; hard-margin
max-margin problems under any threat norm), registered as ``fast``.

* :mod:`.ipm`      -- a dense primal-dual interior-point method for the master problems;
* :mod:`.linsolve` -- its normal-equation solves (dense Cholesky, or Woodbury for few rows);
* :mod:`.soc`      -- second-order cone algebra (Jordan product, Nesterov-Todd scaling);
* :mod:`.master`   -- the restricted master over working sets of samples and features;
* :mod:`.driver`   -- starts, pricing on the full data, rounds (:func:`solve_conic`).
"""

from . import hard_margin
from .driver import ConicOptions, solve_conic, supports, supports_max_margin

__all__ = ["ConicOptions", "hard_margin", "solve_conic", "supports", "supports_max_margin"]
