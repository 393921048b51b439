r"""Configuration of a baseline training run and of the evaluation attack (pure Python: no torch).

Learning-rate schedules (``t`` the 0-based step, ``S`` the steps per epoch, ``T`` all steps):

* ``none``: ``lr``;
* ``cosine``: ``lr (1 + cos(pi t / T)) / 2`` (to 0 at the end);
* ``step``: ``lr``, ``x 0.1`` from 50 % and again from 75 % of the epochs;
* ``inv-sqrt``: ``lr / sqrt(1 + t / S)``, the decaying step ``c / sqrt(t0 + t)`` of the SGD
  theory for non-smooth convex objectives, with ``t0 = S`` so that the first epoch runs at
  about ``lr`` (the averaged iterate then converges at the rate ``O(1 / sqrt(T))``).

Iterate averaging (bookkeeping only: the iterates themselves do not change) is ``none``, ``all``
(Polyak-Ruppert: the mean of every iterate ``w_1 ... w_t``) or ``tail`` (the mean of the iterates
of the last half of the epochs so far, epochs ``floor(e/2) + 1 ... e`` after epoch ``e``:
suffix averaging, which drops the far-from-optimal early iterates).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import OptionError
from ..validation import check_choice, check_integer, check_number

#: Training procedures.  ``sgd`` and ``adam`` minimise the robust objective itself (the threat's
#: penalty inside the hinge); ``fgsm`` and ``pgd`` are adversarial training: the plain hinge on
#: adversarial examples found by gradient ascent on the inputs.
OPTIMIZERS = ("sgd", "adam", "fgsm", "pgd")
#: The adversarial-training procedures among :data:`OPTIMIZERS`.
ADVERSARIAL = ("fgsm", "pgd")
SCHEDULES = ("none", "cosine", "step", "inv-sqrt")
AVERAGES = ("none", "all", "tail")
DEVICES = ("auto", "cpu", "cuda")
INITS = ("torch", "zeros")


def parse_optimizer(value: Any) -> str:
    """Canonical optimizer name or OptionError listing the valid ones."""
    return check_choice(value, "optimizer", OPTIMIZERS)


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True, kw_only=True)
class BaselineConfig:
    """How to train one baseline (validated on construction; bad values raise OptionError /
    InputTypeError with one line).

    optimizer : ``sgd`` (plain minibatch SGD, the original study's procedure), ``adam``,
        ``fgsm`` or ``pgd`` (adversarial training, SGD on the hinge of adversarial examples).
    epochs : passes over the training data (0: the initial weights).
    batch_size : minibatch size (the last batch of an epoch may be smaller).
    lr : learning rate (the initial one when a schedule is used).
    seed : seeds the initial weights, the shuffling and the random starts of PGD.
    schedule : ``none``, ``cosine``, ``step`` or ``inv-sqrt`` (module docstring).
    average : iterate averaging, ``none``, ``all`` or ``tail`` (module docstring); the averaged
        model is reported beside the last iterate, which it does not change.
    device : ``auto`` (the GPU when present), ``cpu`` or ``cuda``.
    pgd_steps, pgd_step_size : inner steps of PGD adversarial training; the default step is
        ``2.5 * epsilon / pgd_steps`` (Madry et al.).
    momentum : SGD momentum (0 in the original procedure; ignored by Adam).
    init : ``torch`` (``nn.Linear``'s default uniform init, seeded) or ``zeros``.
    threads : torch intra-op threads while training (``None``: torch's own setting).  The batches
        are small, so on a busy machine ``1`` is often much faster than the default.
    """

    optimizer: str = "sgd"
    epochs: int = 100
    batch_size: int = 100
    lr: float = 0.1
    seed: int = 0
    schedule: str = "none"
    average: str = "none"
    device: str = "auto"
    pgd_steps: int = 10
    pgd_step_size: float | None = None
    momentum: float = 0.0
    init: str = "torch"
    threads: int | None = None

    def __post_init__(self) -> None:
        _set(self, "optimizer", parse_optimizer(self.optimizer))
        _set(self, "epochs", check_integer(self.epochs, "epochs", minimum=0))
        _set(self, "batch_size", check_integer(self.batch_size, "batch size", minimum=1))
        lr = check_number(self.lr, "learning rate", minimum=None)
        if lr <= 0:
            raise OptionError(f"learning rate must be > 0, got {lr:g}")
        _set(self, "lr", lr)
        _set(self, "seed", check_integer(self.seed, "seed", minimum=0))
        _set(self, "schedule", check_choice(self.schedule, "schedule", SCHEDULES))
        _set(self, "average", check_choice(self.average, "average", AVERAGES))
        _set(self, "device", check_choice(self.device, "device", DEVICES))
        _set(self, "pgd_steps", check_integer(self.pgd_steps, "pgd steps", minimum=1))
        if self.pgd_step_size is not None:
            size = check_number(self.pgd_step_size, "pgd step size", minimum=None)
            if size <= 0:
                raise OptionError(f"pgd step size must be > 0, got {size:g}")
            _set(self, "pgd_step_size", size)
        momentum = check_number(self.momentum, "momentum")
        if momentum >= 1:
            raise OptionError(f"momentum must be in [0, 1), got {momentum:g}")
        _set(self, "momentum", momentum)
        _set(self, "init", check_choice(self.init, "init", INITS))
        if self.threads is not None:
            _set(self, "threads", check_integer(self.threads, "threads", minimum=1))

    @property
    def adversarial(self) -> bool:
        """True for adversarial training (the penalty is replaced by an attack on the inputs)."""
        return self.optimizer in ADVERSARIAL

    def learning_rate(self, step: int, steps_per_epoch: int) -> float:
        """The learning rate of the 0-based ``step`` (schedules in the module docstring)."""
        S = max(int(steps_per_epoch), 1)
        if self.schedule == "cosine":
            return self.lr * 0.5 * (1.0 + math.cos(math.pi * step / max(S * self.epochs, 1)))
        if self.schedule == "step":
            epoch = step // S
            m1, m2 = int(0.5 * self.epochs), int(0.75 * self.epochs)
            drops = int(m1 > 0 and epoch >= m1) + int(m2 > 0 and epoch >= m2)
            return self.lr * 0.1 ** drops
        if self.schedule == "inv-sqrt":
            return self.lr / math.sqrt(1.0 + step / S)
        return self.lr

    def replace(self, **changes: Any) -> BaselineConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class AttackConfig:
    """The evaluation PGD attack (:func:`robustcvx.baselines.pgd_accuracy`).

    steps : projected-gradient steps per start.
    restarts : number of starts, the first from ``delta = 0``, the others uniform in the threat set.
    step_size : ``None``: ``2.5 * epsilon / steps``.
    seed : seeds the random starts.
    device : ``cpu`` (default), ``cuda`` or ``auto``; the attack runs in float64.
    threads : torch intra-op threads (``None``: torch's own setting).
    """

    steps: int = 20
    restarts: int = 2
    step_size: float | None = None
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        _set(self, "steps", check_integer(self.steps, "attack steps", minimum=1))
        _set(self, "restarts", check_integer(self.restarts, "attack restarts", minimum=1))
        if self.step_size is not None:
            _set(self, "step_size", check_number(self.step_size, "attack step size"))
        _set(self, "seed", check_integer(self.seed, "attack seed", minimum=0))
        _set(self, "device", check_choice(self.device, "device", DEVICES))
        if self.threads is not None:
            _set(self, "threads", check_integer(self.threads, "threads", minimum=1))

    def replace(self, **changes: Any) -> AttackConfig:
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """The keyword arguments of :func:`~robustcvx.baselines.pgd_accuracy`."""
        return asdict(self)
