r"""Dual feasibility of a multiclass point as finitely many linear cut conditions.

When every pair set ``U_ak`` is a box per coordinate, ``U_ak = prod_j [-lo_akj, hi_akj]`` (the l_inf ball,
the l_inf ball inside the data box, or no threat), the flows decouple by coordinate: on the complete
graph of the classes, edge ``{a, k}`` carries ``f_{a->k} = u_ak - u_ka`` in ``[-(lo_ak + hi_ka), hi_ak + lo_ka]``,
and class ``m`` must emit ``G_m - r_m`` with ``|r_m| <= l1`` (the ``l1`` term).  By the Gale--Hoffman
theorem (feasible flows with bounded arc flows and bounded supplies) such flows exist iff for every
set ``S`` of classes and every coordinate ``j``::

    sum_{m in S} G_mj - |S| l1 <= sum_{a in S, b not in S} (hi_abj + lo_baj)     (what can leave S)
    -sum_{m in S} G_mj - |S| l1 <= sum_{a in S, b not in S} (lo_abj + hi_baj)    (what can enter S)

(``S`` and its complement give the same pair, so the sets without the last class are enough:
``2^(K-1) - 1`` cuts).  With two classes this is the binary condition ``|g_j| <= eps sum alpha + l1``.
Each condition is linear in ``alpha``: checked here with enclosures, repaired in :mod:`.repair`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from ... import fp

#: cut enumeration is used up to this many classes (2^(K-1) - 1 cuts); flows otherwise
MAX_CUT_CLASSES = 12


@lru_cache(maxsize=16)
def cut_masks(K: int) -> np.ndarray:
    """``(2^(K-1) - 1) x K`` 0/1 rows: every nonempty set of classes without class ``K - 1``."""
    codes = np.arange(1, 2 ** (K - 1))
    return ((codes[:, None] >> np.arange(K)[None, :]) & 1).astype(float)


def pair_intervals(point: Any, K: int, d: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(LO, HI)`` (``K x K x d``) of the pair sets, or None when a set is not a box per coordinate."""
    LO, HI = np.zeros((K, K, d)), np.zeros((K, K, d))
    for (a, k), dset in point.sets.items():
        bounds = dset.interval(d)
        if bounds is None:
            return None
        LO[a, k], HI[a, k] = bounds
    return LO, HI


def cut_capacities(S: np.ndarray, LO: np.ndarray, HI: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(out, in)`` (cuts x d): lower bounds of what can leave / enter each set (sums of lower bounds)."""
    M = S[:, :, None] * (1.0 - S)[:, None, :]                       # M[c, a, b] = [a in S_c, b not in S_c]
    out = np.einsum("cab,abj->cj", M, HI) + np.einsum("cab,baj->cj", M, LO)
    inn = np.einsum("cab,abj->cj", M, LO) + np.einsum("cab,baj->cj", M, HI)
    terms = 2 * S.shape[1] ** 2
    return fp.down(out, terms), fp.down(inn, terms)


def cut_slacks(point: Any, l1: float, K: int, d: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``(slack_out, slack_in)`` (cuts x d): proven lower bounds of each condition's slack (``>= 0``
    everywhere iff the point is dual feasible for sure); None when the sets are not boxes."""
    iv = pair_intervals(point, K, d)
    if iv is None:
        return None
    S = cut_masks(K)
    out_cap, in_cap = cut_capacities(S, *iv)
    V = S @ point.G
    E = S @ (point.G_err + 4 * K * fp.U * np.abs(point.G)) + 4 * K * fp.ETA
    size = S.sum(axis=1)[:, None] * l1
    slack_out = out_cap + size - V - E
    slack_in = in_cap + size + V - E
    guard = 8 * fp.U * (np.abs(out_cap) + np.abs(in_cap) + np.abs(V) + E + size) + 8 * fp.ETA
    slack_out, slack_in = slack_out - guard, slack_in - guard
    # when every G_mj of the set is exactly 0 (nothing flows: e.g. a class no multiplier touches), both
    # conditions read 0 <= (a capacity >= 0) + |S| l1: they hold exactly, with the slack that capacity
    exact = exact_cuts(point, S)
    slack_out[exact] = (out_cap + size)[exact]
    slack_in[exact] = (in_cap + size)[exact]
    return slack_out, slack_in


def exact_cuts(point: Any, S: np.ndarray) -> np.ndarray:
    """``(cuts x d)``: the conditions whose ``sum_{m in S} G_mj`` is exactly 0 (they hold exactly)."""
    return (S @ (~point.G_exact).astype(float)) == 0
