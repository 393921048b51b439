"""The working-set exact LP solver (HiGHS through ``highspy``), registered as ``fast``.

Solves every LP case of :class:`~robustcvx.problems.RobustHingeProblem` (``l2 = 0`` and a threat
with an LP form, ``threat.lp_slack``; any sample weights; dense or sparse ``X``) to the package's
certificate on the full data, while HiGHS only ever sees a few samples and features.

* :mod:`.lp_model` -- the restricted dual LP as one live HiGHS model (:class:`DualLP`);
* :mod:`.pricing`  -- passes over the full data (hinges, gradients, reduced costs);
* :mod:`.driver`   -- the three starts and the price-and-resolve loop (:func:`solve_working_set`);
* :mod:`.state`    -- the explicit warm-start state (:class:`WorkingSetState`);
* :mod:`.max_margin` -- the max-margin tie-break LP (:func:`solve_max_margin_lp`).
"""

from .driver import Options, solve_working_set, supports
from .max_margin import size_is_inf_norm, solve_max_margin_lp, supports_max_margin
from .state import WorkingSetState

__all__ = ["Options", "WorkingSetState", "size_is_inf_norm", "solve_max_margin_lp", "solve_working_set",
           "supports", "supports_max_margin"]
