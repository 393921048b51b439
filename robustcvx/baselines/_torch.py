"""Lazy torch import, device choice and a determinism context (torch is never imported at
``import robustcvx``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from ..errors import OptionError


def import_torch() -> Any:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        raise OptionError("the baselines need PyTorch: pip install torch") from None
    return torch


def resolve_device(name: str = "auto") -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without a GPU is an error."""
    torch = import_torch()
    key = str(name).strip().lower()
    if key == "auto":
        key = "cuda" if torch.cuda.is_available() else "cpu"
    elif key == "cuda" and not torch.cuda.is_available():
        raise OptionError("device cuda requested but torch sees no GPU: use --device cpu or auto")
    elif key not in ("cpu", "cuda"):
        raise OptionError(f"unknown device {name!r}: use one of auto, cpu, cuda")
    if key == "cuda":  # deterministic cuBLAS (read when the first cuBLAS handle is created)
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return key


@contextlib.contextmanager
def deterministic() -> Iterator[None]:
    """``torch.use_deterministic_algorithms(True)`` for the block (warn-only, so that CUDA ops
    without a deterministic kernel do not fail), restoring the caller's setting afterwards."""
    torch = import_torch()
    was = torch.are_deterministic_algorithms_enabled()
    was_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(was, warn_only=was_warn)


def synchronize(device: str) -> None:
    if device == "cuda":
        import_torch().cuda.synchronize()


@contextlib.contextmanager
def num_threads(n: int | None) -> Iterator[None]:
    """``torch.set_num_threads(n)`` for the block (``None``: leave torch's setting alone)."""
    if n is None:
        yield
        return
    torch = import_torch()
    prev = torch.get_num_threads()
    torch.set_num_threads(int(n))
    try:
        yield
    finally:
        torch.set_num_threads(prev)
