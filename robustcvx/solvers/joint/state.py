"""Warm-start state of the joint solver (no module globals).

A solve leaves a :class:`JointState` (``Solution.warm_state``).  The next solve reuses it only when its
data is the same: the same bytes of ``X`` (:func:`robustcvx.frame.fingerprint`), labels, weights and
number of classes.  The live HiGHS model itself is kept when, in addition, the LP structure
(``threat.lp_slack``) is ``"shared"`` or ``"budget"`` and ``l1`` is unchanged: ``epsilon`` is then a
coefficient, changed in place, and the dual simplex restarts from the previous basis.  Otherwise a new
model is built on the previous working sets (rows and cut columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...frame import fingerprint


@dataclass
class JointState:
    """``lp``: the live :class:`~.lp_model.JointLP`; ``fingerprint``/``y``/``c``/``K``: the data it was
    built on; ``l1``: its regulariser; ``framed_X``: the solved (framed) features' digest."""

    lp: Any = field(repr=False)
    fingerprint: str
    y: np.ndarray = field(repr=False)
    c: np.ndarray = field(repr=False)
    K: int
    l1: float


def from_warm_start(warm_start: object) -> JointState | None:
    """The :class:`JointState` carried by ``warm_start`` (a state or a ``Solution``), else ``None``."""
    if isinstance(warm_start, JointState):
        return warm_start
    st = getattr(warm_start, "warm_state", None)
    return st if isinstance(st, JointState) else None


def same_data(st: JointState | None, problem: Any) -> bool:
    """True when ``st`` was built on the data of ``problem`` (the framed problem the solver sees)."""
    if st is None or st.K != problem.K or st.y.shape != problem.y.shape:
        return False
    if not (np.array_equal(st.y, problem.y) and np.array_equal(st.c, problem.weights)):
        return False
    return st.fingerprint == fingerprint(problem.X)


def live_model_fits(st: JointState, problem: Any) -> bool:
    """True when the live model can be re-solved after changing ``epsilon`` in place."""
    kind = problem.threat.lp_slack
    return st.lp.kind == kind and kind in ("shared", "budget") and st.l1 == problem.l1
