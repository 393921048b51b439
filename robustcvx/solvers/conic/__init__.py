"""The conic working-set exact solver (SOCP: the l_2 threat; QP: ``l2 > 0``; hard-margin
max-margin problems under any threat norm), registered as ``fast``.

* :mod:`.ipm`      -- a dense primal-dual interior-point method for the master problems;
* :mod:`.linsolve` -- its normal-equation solves (dense Cholesky, or Woodbury for few rows);
* :mod:`.soc`      -- second-order cone algebra (Jordan product, Nesterov-Todd scaling);
* :mod:`.master`   -- the restricted master over working sets of samples and features;
* :mod:`.driver`   -- starts, pricing on the full data, rounds (:func:`solve_conic`);
* :mod:`.hard_margin` -- the max-margin model under ``||w||_2`` as a rescaled plain SVM (working
  sets over :mod:`.svm_dual`, an interior-point method on small Gram matrices), and the
  separable-first shortcut for penalties ``epsilon ||w||_2``.
"""

from . import hard_margin
from .driver import ConicOptions, solve_conic, supports, supports_max_margin

__all__ = ["ConicOptions", "hard_margin", "solve_conic", "supports", "supports_max_margin"]
