"""Threat models as objects (see :mod:`robustcvx.threats.base` for what a threat owns).

``make_threat(epsilon, norm, box)`` builds one from the user-facing options:

=================================  ==========================  ===============
option                              class                       penalty
=================================  ==========================  ===============
``norm="inf"``                      :class:`LinfBall`           ``eps ||w||_1``
``norm="2"``                        :class:`L2Ball`             ``eps ||w||_2``
``norm="1"``                        :class:`L1Ball`             ``eps ||w||_inf``
``norm="inf", box=(lo, hi)``        :class:`LinfBallInBox`      per-sample costs
=================================  ==========================  ===============
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import OptionError
from ..validation import check_box
from .base import CvxpyTerms, Shift, Threat
from .box import LinfBallInBox
from .l1 import L1Ball
from .l2 import L2Ball
from .linf import LinfBall

#: Threat norm name -> ball class.
BALLS: dict[str, type] = {"inf": LinfBall, "2": L2Ball, "1": L1Ball}
NORMS: tuple[str, ...] = tuple(BALLS)
BOX_NEEDS_LINF = "box is supported for the inf-norm threat only (use --norm inf or drop --box)"

_ALIASES = {
    "inf": "inf", "linf": "inf", "l_inf": "inf", "infinity": "inf", "max": "inf",
    "2": "2", "l2": "2", "2.0": "2",
    "1": "1", "l1": "1", "1.0": "1",
}


def parse_norm(norm: object) -> str:
    """The canonical name (``"inf"``, ``"2"`` or ``"1"``) of a threat norm.

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


def accepts_box(norm: object) -> bool:
    """Whether a data box can be combined with the threat norm ``norm`` (the l_inf ball only)."""
    return parse_norm(norm) == "inf"


def make_threat(epsilon: Any = 0.0, norm: object = "inf", box: object = None) -> Threat:
    """The threat for the options ``epsilon``, ``norm`` (``inf|2|1``) and ``box`` (``(lo, hi)`` or None)."""
    if isinstance(epsilon, Threat):
        return epsilon
    norm = parse_norm(norm)
    box = check_box(box)
    if box is not None:
        if not accepts_box(norm):
            raise OptionError(BOX_NEEDS_LINF)
        return LinfBallInBox(epsilon, box)
    return BALLS[norm](epsilon)


__all__ = [
    "BALLS",
    "BOX_NEEDS_LINF",
    "NORMS",
    "CvxpyTerms",
    "L1Ball",
    "L2Ball",
    "LinfBall",
    "LinfBallInBox",
    "Shift",
    "Threat",
    "accepts_box",
    "make_threat",
    "parse_norm",
]
