r"""What a comparison runs: :class:`CompareConfig`, built once and validated at the API boundary.

A comparison is one problem (threat, regularisers, class weights), the exact solver, a set of
baselines (every optimizer x every learning rate, sharing one :class:`BaselineConfig` template),
and the evaluation attack (:class:`AttackConfig`).  :meth:`CompareConfig.create` builds one from
the flat option names of the command line (``epochs``, ``attack_steps``, ``lr="0.1,0.01"``, ...).

Class weights multiply the training samples' weights ``s_i`` (scikit-learn's ``LinearSVC``
convention, the same helpers as the estimator and ``robustcvx solve``:
:func:`robustcvx.fit.parse_class_weight`, :func:`robustcvx.estimator.combined_sample_weight`):
``"balanced"`` gives class ``c`` the factor ``n / (2 n_c)``; ``"a,b"`` or a mapping
``{-1: a, +1: b}`` gives the factors of the classes labelled -1 and +1.  The objective becomes the
weighted mean ``(1 / sum_i s_i) sum_i s_i hinge_i``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np

from ..baselines.config import OPTIMIZERS, AttackConfig, BaselineConfig, parse_optimizer
from ..errors import InputTypeError, OptionError
from ..fit import parse_class_weight
from ..solvers import parse_solver, parse_tie_break
from ..threats import Threat, make_threat
from ..validation import check_number


def parse_optimizers(optimizers: Any) -> tuple[str, ...]:
    """``"sgd"``, ``"sgd,adam"``, ``["sgd", "pgd"]`` or ``"all"`` -> unique canonical names, in order."""
    if isinstance(optimizers, str):
        items: Iterable[Any] = [optimizers]
    elif isinstance(optimizers, Iterable):
        items = list(optimizers)
    else:
        raise OptionError(f"unknown optimizer {optimizers!r}: use one of {', '.join(OPTIMIZERS)}")
    out: list[str] = []
    for item in items:
        parts = [p for p in str(item).replace(" ", ",").split(",") if p] if isinstance(item, str) else [item]
        for p in parts:
            names = list(OPTIMIZERS) if isinstance(p, str) and p.strip().lower() == "all" else [parse_optimizer(p)]
            out += [n for n in names if n not in out]
    if not out:
        raise OptionError(f"no optimizer given: use one or more of {', '.join(OPTIMIZERS)}")
    return tuple(out)


def parse_lrs(lr: Any) -> tuple[float, ...]:
    """One learning rate, a list, or a comma-separated string -> unique positive rates, in order."""
    if isinstance(lr, str):
        lr = [p for p in lr.replace(" ", "").split(",") if p]
    lrs = list(lr) if isinstance(lr, (Sequence, np.ndarray)) and not isinstance(lr, str) else [lr]
    if not lrs:
        raise OptionError("learning rate needs at least one value, e.g. 0.1")
    out: list[float] = []
    for v in lrs:
        v = BaselineConfig(lr=v).lr  # validates: a finite number > 0
        if v not in out:
            out.append(v)
    return tuple(out)


def _default_training() -> BaselineConfig:
    return BaselineConfig(average="tail")


@dataclass(frozen=True, kw_only=True)
class CompareConfig:
    """One comparison (validated on construction).

    epsilon, norm, box : the threat (``epsilon`` may be a :class:`~robustcvx.threats.Threat`);
        ``threat`` is the resulting object.
    l1, l2 : regularisation weights.
    class_weight : ``None``, ``"balanced"``, ``"a,b"`` or the factors ``{-1: a, +1: b}`` (module docstring).
    optimizers : baselines to train (``sgd``, ``adam``, ``fgsm``, ``pgd``; ``"all"``).
    lrs : learning rates; one baseline per optimizer and rate.
    training : the :class:`BaselineConfig` of every baseline (its ``optimizer`` and ``lr`` are
        replaced by each pair of ``optimizers`` x ``lrs``); by default it averages the last half
        of the epochs (``average="tail"``), so each baseline reports three models.
    attack : the evaluation PGD attack.
    solver, tie_break : passed to :func:`robustcvx.solvers.solve`.
    distance : compute each model's distance to the set of optima (a QP per model);
        ``distance_tol``: the level ``P <= optimum + distance_tol`` that defines the set.
    """

    epsilon: Any
    norm: Any = "inf"
    box: Any = None
    l1: float = 0.0
    l2: float = 0.0
    class_weight: Any = None
    optimizers: tuple[str, ...] = ("sgd",)
    lrs: tuple[float, ...] = (0.1,)
    training: BaselineConfig = field(default_factory=_default_training)
    attack: AttackConfig = field(default_factory=AttackConfig)
    solver: str = "auto"
    tie_break: str = "max-margin"
    distance: bool = True
    distance_tol: float = 1e-7
    threat: Threat = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        put = lambda k, v: object.__setattr__(self, k, v)
        threat = make_threat(self.epsilon, self.norm, self.box)
        put("threat", threat)
        put("epsilon", threat.epsilon)
        put("norm", threat.norm)
        put("box", threat.box)
        put("l1", check_number(self.l1, "l1"))
        put("l2", check_number(self.l2, "l2"))
        put("class_weight", parse_class_weight(self.class_weight))
        put("optimizers", parse_optimizers(self.optimizers))
        put("lrs", parse_lrs(self.lrs))
        if not isinstance(self.training, BaselineConfig):
            raise InputTypeError("training must be a robustcvx.baselines.BaselineConfig")
        if not isinstance(self.attack, AttackConfig):
            raise InputTypeError("attack must be a robustcvx.baselines.AttackConfig")
        put("solver", parse_solver(self.solver))
        put("tie_break", parse_tie_break(self.tie_break))
        if not isinstance(self.distance, (bool, np.bool_)):
            raise InputTypeError(f"distance must be True or False, got {self.distance!r}")
        put("distance", bool(self.distance))
        put("distance_tol", check_number(self.distance_tol, "distance tol"))

    # ------------------------------------------------------------------ building
    #: flat option -> field of ``training``
    TRAINING_OPTIONS: ClassVar[tuple[str, ...]] = (
        "epochs", "batch_size", "schedule", "seed", "momentum", "device", "pgd_steps", "pgd_step_size", "init",
        "threads", "average")
    #: flat option -> field of ``attack``
    ATTACK_OPTIONS: ClassVar[dict[str, str]] = {
        "attack_steps": "steps", "attack_restarts": "restarts", "attack_step_size": "step_size", "seed": "seed",
        "threads": "threads"}

    @classmethod
    def create(cls, base: CompareConfig | None = None, **options: Any) -> CompareConfig:
        """A config from flat option names (those of ``robustcvx compare``), over ``base`` if given.

        Accepted: the fields of this class (``lr`` for ``lrs``, ``tol`` for ``distance_tol``), the
        fields of :class:`BaselineConfig` in :attr:`TRAINING_OPTIONS` (``seed`` and ``threads``
        also set the attack's), and ``attack_steps``, ``attack_restarts``, ``attack_step_size``.
        """
        own = {f.name for f in fields(cls) if f.init}
        aliases = {"lr": "lrs", "tol": "distance_tol"}
        known = own | set(aliases) | set(cls.TRAINING_OPTIONS) | set(cls.ATTACK_OPTIONS)
        unknown = sorted(set(options) - known)
        if unknown:
            raise InputTypeError(f"unknown compare option {unknown[0]!r}: use one of {', '.join(sorted(known))}")
        if base is None and "epsilon" not in options:
            raise InputTypeError("compare needs epsilon (the perturbation radius; 0 for the regular hinge)")
        top = {aliases.get(k, k): v for k, v in options.items() if aliases.get(k, k) in own}
        training = top.pop("training", base.training if base is not None else _default_training())
        attack = top.pop("attack", base.attack if base is not None else AttackConfig())
        train_changes = {k: options[k] for k in cls.TRAINING_OPTIONS if k in options}
        attack_changes = {v: options[k] for k, v in cls.ATTACK_OPTIONS.items() if k in options}
        if not isinstance(training, BaselineConfig) or not isinstance(attack, AttackConfig):
            raise InputTypeError("training must be a BaselineConfig and attack an AttackConfig")
        top["training"] = training.replace(**train_changes) if train_changes else training
        top["attack"] = attack.replace(**attack_changes) if attack_changes else attack
        if base is None:
            return cls(**top)
        return replace(base, **top)

    # ------------------------------------------------------------------ use
    def baselines(self) -> list[tuple[str, BaselineConfig]]:
        """``(name, config)`` for every optimizer x learning rate.  Names are the optimizer
        (``sgd``) or, when several learning rates are given, ``sgd@lr=0.01``."""
        out = []
        for opt in self.optimizers:
            for rate in self.lrs:
                name = opt if len(self.lrs) == 1 else f"{opt}@lr={rate:g}"
                out.append((name, self.training.replace(optimizer=opt, lr=rate)))
        return out

    def sample_weight(self, y: np.ndarray, sample_weight: Any = None) -> np.ndarray | None:
        """The training weights ``s_i`` for labels ``y`` (``sample_weight`` times the class factor;
        ``None`` when every weight is 1)."""
        from ..estimator import combined_sample_weight

        return combined_sample_weight(y, sample_weight, self.class_weight)

    def to_dict(self) -> dict:
        """JSON-safe settings."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        out.update(epsilon=self.epsilon, box=list(self.box) if self.box else None, optimizers=list(self.optimizers),
                   lrs=list(self.lrs), training=self.training.to_dict(), attack=self.attack.to_dict(),
                   class_weight=self.class_weight if not isinstance(self.class_weight, dict)
                   else {str(k): v for k, v in self.class_weight.items()})
        return out


def baseline_configs(**options: Any) -> list[tuple[str, BaselineConfig]]:
    """``(name, config)`` of the baselines that ``compare(task, **options)`` would train (validated)."""
    options.setdefault("epsilon", 0.0)
    return CompareConfig.create(**options).baselines()


__all__ = ["CompareConfig", "baseline_configs", "parse_lrs", "parse_optimizers"]
