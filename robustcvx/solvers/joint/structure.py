r"""The combinatorics of the joint LP: oriented cuts of the class set and the pairs they separate.

A weight column ``w_{.j} in R^K`` (feature ``j``, one entry per class) is a nonnegative combination of
indicator vectors of *cuts* ``S`` (nonempty proper subsets of the classes), up to a shift common to every
class (which no score difference sees)::

    w_{.j} = c + sum_S lambda_{S j} 1_S,        lambda >= 0.

Its level sets give one such combination (``1_{w >= t}`` for the values ``t`` of ``w_{.j}``): a *nested*
one, for which every pair difference is exact, ``|w_aj - w_kj| = sum_{S separates a, k} lambda_{S j}``
(a co-area formula), and ``min_c ||w_{.j} - c||_1 = sum_S lambda_{S j} m_S`` with ``m_S = min(|S|, K - |S|)``
(the positive part of a median-centred column has level sets of at most ``K/2`` classes, the negative part
is carried by the complements).  Any other combination over-estimates both (triangle inequality).  So the
joint problem is exactly the LP over ``lambda >= 0``: the penalty of the pair ``(a, k)`` and the ``l1`` term
are linear in ``lambda``, and a column ``lambda_{S j}`` moves ``w_a - w_k`` by ``+lambda`` for the pairs
*leaving* ``S`` (``a in S``, ``k not in S``), by ``-lambda`` for the pairs *entering* it, and leaves the other
pairs alone.  With ``K`` classes there are ``2^K - 2`` oriented cuts (``S`` and its complement move the
column in opposite directions); the joint solver enumerates them, hence ``K <= MAX_CLASSES``.

Conventions: a cut is an integer code (bit ``m`` set iff class ``m`` is in ``S``); ordered pairs ``(a, k)``
are flattened to ``a K + k``; unordered pairs ``e = {a, k}`` (``a < k``) are numbered in lexicographic order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

#: the cut enumeration costs ``(2^K - 2) x K^2`` per pricing pass; above this the reference backends solve
MAX_CLASSES = 12


@dataclass(frozen=True)
class Cuts:
    """Every oriented cut of ``K`` classes and what it separates (read-only arrays).

    ``members``: ``Q x K`` 0/1 (``Q = 2^K - 2``, row ``c`` is the cut with code ``c + 1``);
    ``out`` / ``inn``: ``Q x K^2`` 0/1, ordered pair ``(a, k)`` leaves / enters the cut;
    ``cross``: ``Q x E`` 0/1, unordered pair ``e`` is separated; ``size``: ``m_S = min(|S|, K - |S|)``;
    ``pairs``: ``E x 2`` (``a < k``); ``pair_of``: ``K x K`` index of the unordered pair (``-1`` on the
    diagonal).
    """

    K: int
    members: np.ndarray
    out: np.ndarray
    inn: np.ndarray
    cross: np.ndarray
    size: np.ndarray
    pairs: np.ndarray
    pair_of: np.ndarray

    @property
    def count(self) -> int:
        return int(self.members.shape[0])

    def orientation(self, cut: np.ndarray, a: np.ndarray, k: np.ndarray) -> np.ndarray:
        """``+1`` where the ordered pair ``(a, k)`` leaves cut ``cut``, ``-1`` where it enters, else 0
        (broadcast over the arguments; ``cut`` is the row index ``code - 1``)."""
        flat = a * self.K + k
        return self.out[cut, flat].astype(np.int8) - self.inn[cut, flat].astype(np.int8)

    def weights(self, cut: np.ndarray, feature: np.ndarray, lam: np.ndarray, d: int) -> np.ndarray:
        """``W = sum_r lambda_r 1_{S_r} e_{j_r}^T`` (``K x d``) for cuts ``cut`` at features ``feature``."""
        W = np.zeros((self.K, d))
        keep = lam != 0
        if keep.any():
            contrib = self.members[cut[keep]].T * lam[keep][None, :]       # K x r
            np.add.at(W.T, feature[keep], contrib.T)
        return W


@lru_cache(maxsize=8)
def cuts_for(K: int) -> Cuts:
    """The :class:`Cuts` of ``K`` classes (cached; ``2 <= K <= MAX_CLASSES``)."""
    if not 2 <= K <= MAX_CLASSES:
        raise ValueError(f"the joint solver enumerates cuts of 2..{MAX_CLASSES} classes, not {K}")
    codes = np.arange(1, 2 ** K - 1)
    members = ((codes[:, None] >> np.arange(K)[None, :]) & 1).astype(np.int8)
    inside = members.astype(bool)
    out = (inside[:, :, None] & ~inside[:, None, :]).reshape(codes.size, K * K)
    inn = (~inside[:, :, None] & inside[:, None, :]).reshape(codes.size, K * K)
    pairs = np.array([(a, k) for a in range(K) for k in range(a + 1, K)], dtype=np.int64)
    pair_of = -np.ones((K, K), dtype=np.int64)
    pair_of[pairs[:, 0], pairs[:, 1]] = np.arange(pairs.shape[0])
    pair_of[pairs[:, 1], pairs[:, 0]] = np.arange(pairs.shape[0])
    cross = inside[:, pairs[:, 0]] != inside[:, pairs[:, 1]]
    size = np.minimum(inside.sum(axis=1), K - inside.sum(axis=1)).astype(float)
    for arr in (members, out, inn, cross, size, pairs, pair_of):
        arr.setflags(write=False)
    return Cuts(K, members, out, inn, cross, size, pairs, pair_of)


def median_shift(W: np.ndarray) -> np.ndarray:
    """``W`` with each column shifted by a median of its entries: the shift that no score difference
    sees and that makes ``||w_{.j}||_1`` smallest (``min_c sum_m |w_mj - c|`` is attained at a median)."""
    if W.shape[0] == 0:
        return W
    return W - np.sort(W, axis=0)[(W.shape[0] - 1) // 2][None, :]
