"""Configuration of a baseline training run (pure Python: no torch import here)."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import InputTypeError, OptionError

#: Training procedures.  ``sgd`` and ``adam`` minimise the robust objective itself (the dual-norm
#: term, or the box penalty, inside the hinge); ``fgsm`` and ``pgd`` are adversarial training:
#: the plain hinge on adversarial examples found by gradient ascent on the inputs.
OPTIMIZERS = ("sgd", "adam", "fgsm", "pgd")
SCHEDULES = ("none", "cosine", "step")
DEVICES = ("auto", "cpu", "cuda")
INITS = ("torch", "zeros")


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, str, float)):
        raise InputTypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise InputTypeError(f"{name} must be an integer, got {value!r}") from None
    if isinstance(value, float):
        if not value.is_integer():
            raise InputTypeError(f"{name} must be an integer, got {value!r}")
        value = int(value)
    value = int(value)
    if value < minimum:
        raise OptionError(f"{name} must be >= {minimum}, got {value}")
    return value


def _float(value: Any, name: str, *, positive: bool = False, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or value is None:
        raise InputTypeError(f"{name} must be a number, got {value!r}")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise OptionError(f"{name} must be finite, got {value!r}")
    if positive and out <= 0:
        raise OptionError(f"{name} must be > 0, got {out:g}")
    if minimum is not None and out < minimum:
        raise OptionError(f"{name} must be >= {minimum:g}, got {out:g}")
    return out


def _choice(value: Any, name: str, choices: tuple[str, ...]) -> str:
    key = str(value).strip().lower() if isinstance(value, str) else None
    if key not in choices:
        raise OptionError(f"unknown {name} {value!r}: use one of {', '.join(choices)}")
    return key


def parse_optimizer(value: Any) -> str:
    """Canonical optimizer name or OptionError listing the valid ones."""
    return _choice(value, "optimizer", OPTIMIZERS)


@dataclass(frozen=True)
class BaselineConfig:
    """How to train one baseline (validated on construction; bad values raise OptionError).

    optimizer : ``sgd`` (plain minibatch SGD, the original study's procedure), ``adam``,
        ``fgsm`` or ``pgd`` (adversarial training, SGD on the hinge of adversarial examples).
    epochs : passes over the training data (0: the initial weights).
    batch_size : minibatch size (the last batch of an epoch may be smaller).
    lr : learning rate (initial one when a schedule is used).
    seed : seeds the initial weights, the shuffling and the random starts of PGD.
    schedule : ``none``, ``cosine`` (per step, from ``lr`` to 0) or ``step`` (x0.1 at 50 % and
        75 % of the epochs).
    device : ``auto`` (the GPU when present), ``cpu`` or ``cuda``.
    pgd_steps, pgd_step_size : inner steps of PGD adversarial training; the default step is
        ``2.5 * epsilon / pgd_steps`` (Madry et al.).
    momentum : SGD momentum (0 in the original procedure; ignored by Adam).
    init : ``torch`` (``nn.Linear``'s default uniform init, seeded) or ``zeros``.
    small_weight_tol : the trace's ``small_weights`` counts ``|w_j| < small_weight_tol``.
    threads : torch intra-op threads while training (``None``: torch's own setting).  The batches
        are small, so on a busy machine ``1`` is often much faster than the default.
    """

    optimizer: str = "sgd"
    epochs: int = 100
    batch_size: int = 100
    lr: float = 0.1
    seed: int = 0
    schedule: str = "none"
    device: str = "auto"
    pgd_steps: int = 10
    pgd_step_size: float | None = None
    momentum: float = 0.0
    init: str = "torch"
    small_weight_tol: float = 1e-6
    threads: int | None = None

    def __post_init__(self) -> None:
        set_ = lambda k, v: object.__setattr__(self, k, v)
        set_("optimizer", parse_optimizer(self.optimizer))
        set_("epochs", _int(self.epochs, "epochs", 0))
        set_("batch_size", _int(self.batch_size, "batch size", 1))
        set_("lr", _float(self.lr, "learning rate", positive=True))
        set_("seed", _int(self.seed, "seed", 0))
        set_("schedule", _choice(self.schedule, "schedule", SCHEDULES))
        set_("device", _choice(self.device, "device", DEVICES))
        set_("pgd_steps", _int(self.pgd_steps, "pgd steps", 1))
        if self.pgd_step_size is not None:
            set_("pgd_step_size", _float(self.pgd_step_size, "pgd step size", positive=True))
        set_("momentum", _float(self.momentum, "momentum"))
        if self.momentum >= 1:
            raise OptionError(f"momentum must be in [0, 1), got {self.momentum:g}")
        set_("init", _choice(self.init, "init", INITS))
        set_("small_weight_tol", _float(self.small_weight_tol, "small_weight_tol"))
        if self.threads is not None:
            set_("threads", _int(self.threads, "threads", 1))

    def replace(self, **changes: Any) -> BaselineConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)
