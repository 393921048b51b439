"""``[k/N] message ...`` progress lines on stderr, N counted from the plan of the run.

The pipeline first lists its steps (:func:`robustcvx.reproduce.pipeline.plan`: one per exact solve,
per SGD run, per figure of :data:`robustcvx.reproduce.figures.FIGURES` that applies, plus loading,
evaluation and the tables), so the total is never maintained by hand.
"""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """Numbered stage lines on ``stream`` (silent when disabled); ``total`` is the plan's length."""

    def __init__(self, total: int, enabled: bool = True, stream: Any = None) -> None:
        self.total, self.k, self.enabled = int(total), 0, enabled
        self.stream = stream or sys.stderr

    def start(self, message: str) -> float:
        """Announce the next step; returns its start time for :meth:`done`."""
        self.k += 1
        if self.enabled:
            width = len(str(self.total))
            print(f"[{self.k:>{width}}/{self.total}] {message} ...", file=self.stream, flush=True)
        return time.perf_counter()

    def done(self, t_start: float, detail: str = "") -> None:
        if self.enabled:
            print(f"{'':{2 * len(str(self.total)) + 3}}{detail + '; ' if detail else ''}"
                  f"{time.perf_counter() - t_start:.1f} s", file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if self.enabled:
            print(message, file=self.stream, flush=True)
