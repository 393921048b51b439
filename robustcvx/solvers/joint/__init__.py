"""The working-set exact LP solver of the multiclass (Crammer--Singer) problem ("fast" in
:func:`robustcvx.solvers.multiclass.solve_multiclass`).

Modules: :mod:`.structure` (cuts of the class set: the LP in cut coordinates), :mod:`.data` (passes over
the full data in blocks), :mod:`.lp_model` (the live HiGHS model), :mod:`.pricing` (rows and columns),
:mod:`.driver` (the loop), :mod:`.state` (warm starts).
"""

from .driver import JointResult, solve_joint, supports
from .state import JointState

__all__ = ["JointResult", "JointState", "solve_joint", "supports"]
