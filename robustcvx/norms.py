"""Threat-model norms and their duals.

The adversary perturbs an input by ``delta`` with ``||delta||_p <= epsilon``.  For a
linear model ``f(x) = w.x + b`` the worst case of ``y f(x + delta)`` is
``y f(x) - epsilon * ||w||_q`` with ``q`` the dual exponent (``1/p + 1/q = 1``):

=========  ==========  ==========================
threat p   dual q      penalty in the robust hinge
=========  ==========  ==========================
``inf``    1           ``epsilon * ||w||_1``  (LP)
``2``      2           ``epsilon * ||w||_2``  (SOCP)
``1``      inf         ``epsilon * ||w||_inf`` (LP)
=========  ==========  ==========================
"""

from __future__ import annotations

import math

import numpy as np

from .errors import OptionError

NORMS: tuple[str, ...] = ("inf", "2", "1")
_DUAL = {"inf": "1", "2": "2", "1": "inf"}
_ALIASES = {
    "inf": "inf", "linf": "inf", "l_inf": "inf", "infinity": "inf", "max": "inf",
    "2": "2", "l2": "2", "2.0": "2",
    "1": "1", "l1": "1", "1.0": "1",
}


def parse_norm(norm: object) -> str:
    """Return the canonical name (``"inf"``, ``"2"`` or ``"1"``) of a threat norm.

    Accepts ``"inf"``, ``"linf"``, ``numpy.inf``, ``2``, ``"l2"``, ``1``, ``"l1"``.
    """
    if isinstance(norm, (int, float, np.integer, np.floating)) and not isinstance(norm, bool):
        if math.isinf(float(norm)) and float(norm) > 0:
            return "inf"
        key = str(int(norm)) if float(norm).is_integer() else str(norm)
    elif isinstance(norm, str):
        key = norm.strip().lower()
    else:
        raise OptionError(f"unknown norm {norm!r}: use one of inf, 2, 1")
    if key not in _ALIASES:
        raise OptionError(f"unknown norm {norm!r}: use one of inf, 2, 1")
    return _ALIASES[key]


def dual_norm_name(norm: str) -> str:
    """Name of the dual norm ``q`` of threat norm ``p`` (``inf`` -> ``1``, ``2`` -> ``2``, ``1`` -> ``inf``)."""
    return _DUAL[parse_norm(norm)]


def vector_norm(v: np.ndarray, name: str) -> float:
    """``||v||_name`` for ``name`` in ``("inf", "2", "1")``."""
    v = np.asarray(v, dtype=float)
    if v.size == 0:
        return 0.0
    if name == "1":
        return float(np.abs(v).sum())
    if name == "2":
        return float(np.linalg.norm(v))
    if name == "inf":
        return float(np.abs(v).max())
    raise OptionError(f"unknown norm {name!r}: use one of inf, 2, 1")


def dual_norm(w: np.ndarray, norm: str) -> float:
    """``||w||_q``, the dual norm of threat norm ``norm`` evaluated at ``w``."""
    return vector_norm(w, dual_norm_name(norm))
