"""Run the solvers' dense algebra on one BLAS thread.

Every product here is small (a working set, one pass ``X w``) and the machines this runs on are
shared: a multi-threaded BLAS that finds its other cores busy spins and waits, and was measured
4x (``solve`` on the MNIST 0-vs-1 sample) to 16x (the interior-point master) slower with two
threads than with one at a load of 8 on two cores.  ``threadpoolctl`` (a scikit-learn
dependency) sets the limit for the block and restores it after; without it this is a no-op.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread for the block (no-op without ``threadpoolctl``)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
