"""The conic working-set exact solver (SOCP: the l_2 threat; QP: ``l2 > 0``), registered as ``fast``.

* :mod:`.ipm`    -- a dense primal-dual interior-point method for the master problems;
* :mod:`.master` -- the restricted master over working sets of samples and features;
* :mod:`.driver` -- starts, pricing on the full data, rounds (:func:`solve_conic`).
"""

from .driver import ConicOptions, solve_conic, supports, supports_max_margin

__all__ = ["ConicOptions", "solve_conic", "supports", "supports_max_margin"]
