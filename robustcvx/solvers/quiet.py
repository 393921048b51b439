"""Keep native solver output off stdout.

HiGHS prints a copyright banner the first time a ``Highs`` object is created in a process
(through Python's ``sys.stdout`` in highspy, from C++ when called by other wrappers), which
would corrupt ``--json`` output.
:func:`native_stdout_silenced` redirects fd 1 to the null device for the duration of a block.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import sys
from collections.abc import Iterator


def _flush_native() -> None:
    """fflush(NULL): push C stdio buffers out while fd 1 still points at the null device."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)


@contextlib.contextmanager
def native_stdout_silenced() -> Iterator[None]:
    """Send everything written to fd 1 (by C/C++ code too) to /dev/null during the block."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no real fd 1 (e.g. some embedded consoles)
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        with contextlib.redirect_stdout(io.StringIO()):  # highspy logs through sys.stdout too
            yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        _flush_native()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
