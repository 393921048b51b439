"""Explicit warm-start state of the working-set LP solver (no module globals).

A solve leaves a :class:`WorkingSetState` in ``BackendResult.info["state"]``;
:func:`robustcvx.solvers.solve` hands it on as ``Solution.warm_state``.  The next solve reuses
the live HiGHS model when the state still describes its problem (:func:`reusable`) and
otherwise seeds its working sets from the state's solution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...frame import fingerprint


@dataclass
class WorkingSetState:
    """What a call leaves for the next one.

    ``model`` is the live :class:`~.lp_model.DualLP` (columns ``S``, rows ``F``).  It is reused
    only when the next problem has the same ``X`` object with the same bytes (``fingerprint``),
    the same labels and weights, the same LP structure (``threat.lp_slack``) and, when the
    structure is ``"none"`` (the threat is in the coefficients), the same threat; ``epsilon`` and
    ``l1`` of the slack structures are coefficients and bounds of the feature rows and are
    updated in place.  ``coef``/``intercept`` seed the working sets otherwise.
    """

    coef: np.ndarray
    intercept: float
    alpha: np.ndarray
    threat: Any
    model: Any = field(default=None, repr=False)
    x_ref: Any = field(default=None, repr=False)
    fingerprint: str = ""


def previous(warm_start: object) -> tuple[np.ndarray | None, float, WorkingSetState | None]:
    """``(coef, intercept, state)`` from any warm-start object (``state`` only when it carries one):
    a :class:`WorkingSetState`, a ``Solution`` or ``BackendResult`` carrying one, a dict with
    ``coef``/``intercept``, a pair ``(coef, intercept)`` or an object with those attributes."""
    if warm_start is None:
        return None, 0.0, None
    if isinstance(warm_start, WorkingSetState):
        return warm_start.coef, warm_start.intercept, warm_start
    for attr in ("warm_state", "info"):
        st = getattr(warm_start, attr, None)
        st = st.get("state") if isinstance(st, dict) else st
        if isinstance(st, WorkingSetState):
            return st.coef, st.intercept, st
    if isinstance(warm_start, dict):
        coef, b = warm_start.get("coef"), warm_start.get("intercept", 0.0)
    elif isinstance(warm_start, (tuple, list)) and len(warm_start) == 2:
        coef, b = warm_start
    else:
        coef, b = getattr(warm_start, "coef", None), getattr(warm_start, "intercept", 0.0)
    if coef is None:
        return None, 0.0, None
    return np.asarray(coef, dtype=float).reshape(-1), float(b), None


def reusable(st: WorkingSetState | None, problem: Any, caps: np.ndarray) -> bool:
    """True when the live model of ``st`` describes ``problem`` up to ``epsilon`` and ``l1``."""
    if st is None or st.model is None or st.x_ref is None:
        return False
    model = st.model
    if model.slack != problem.threat.lp_slack:
        return False
    if st.x_ref() is not problem.X or not np.array_equal(model.data.y, problem.y):
        return False
    if not np.array_equal(model.data.caps, caps):
        return False
    if model.slack == "none" and st.threat != problem.threat:
        return False
    return st.fingerprint == fingerprint(problem.X)
