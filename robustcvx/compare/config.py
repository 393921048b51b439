r"""What a comparison runs: :class:`CompareConfig`, built once and validated at the API boundary.

A comparison is one problem (threat, regularisers, class weights), the exact solver, a set of
baselines (every optimizer x every learning rate, sharing one :class:`BaselineConfig` template),
and the evaluation attack (:class:`AttackConfig`).  :meth:`CompareConfig.create` builds one from
the flat option names of the command line (``epochs``, ``attack_steps``, ``lr="0.1,0.01"``, ...).

Class weights multiply the training samples' weights ``s_i`` (scikit-learn's ``LinearSVC``
convention, the same helpers as the estimator and ``robustcvx solve``:
:func:`robustcvx.fit.parse_class_weight`, :func:`robustcvx.fit.combined_sample_weight`):
``"balanced"`` gives class ``c`` the factor ``n / (K n_c)`` (``K`` classes); ``"a,b"`` or a mapping
``{-1: a, +1: b}`` gives the factors of the classes labelled -1 and +1 of a binary task, and
``"w_0,...,w_{K-1}"`` or ``{0: w_0, ...}`` those of the ``K`` classes of a multiclass task (in the
data spec's order).  The objective becomes the weighted mean ``(1 / sum_i s_i) sum_i s_i hinge_i``.

Baselines are named by their optimizer (``sgd``, ``adam``, ``fgsm``, ``pgd``: the problem's hinge
objective) or ``softmax-`` + the optimizer (the cross-entropy, :mod:`robustcvx.baselines.losses`);
``softmax`` is short for ``softmax-sgd``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np

from ..baselines.config import OPTIMIZERS, AttackConfig, BaselineConfig, parse_optimizer, run_name
from ..errors import InputTypeError, OptionError
from ..fit import parse_class_weight
from ..solvers import parse_solver, parse_tie_break
from ..threats import Threat, make_threat
from ..validation import check_integer, check_number

#: every baseline a comparison can train: the hinge optimizers and their softmax versions
BASELINES = OPTIMIZERS + tuple(run_name(o, "softmax") for o in OPTIMIZERS)
_GROUPS = {"all": OPTIMIZERS, "softmax-all": BASELINES[len(OPTIMIZERS):]}
_ALIASES = {"softmax": "softmax-sgd"}


def parse_baseline(name: Any) -> tuple[str, str]:
    """``(optimizer, loss)`` of a baseline name (``pgd``, ``softmax-pgd``, ``softmax``)."""
    key = str(name).strip().lower() if isinstance(name, str) else name
    key = _ALIASES.get(key, key)
    if isinstance(key, str) and key.startswith("softmax-") and key[len("softmax-"):] in OPTIMIZERS:
        return key[len("softmax-"):], "softmax"
    if key not in OPTIMIZERS:
        raise OptionError(f"unknown optimizer {name!r}: use one of {', '.join(BASELINES)}, softmax, all, softmax-all")
    return parse_optimizer(key), "hinge"


def parse_optimizers(optimizers: Any) -> tuple[str, ...]:
    """``"sgd"``, ``"sgd,adam"``, ``["sgd", "softmax-pgd"]``, ``"all"`` (the four hinge optimizers) or
    ``"softmax-all"`` -> unique canonical baseline names, in order."""
    if isinstance(optimizers, str):
        items: Iterable[Any] = [optimizers]
    elif isinstance(optimizers, Iterable):
        items = list(optimizers)
    else:
        raise OptionError(f"unknown optimizer {optimizers!r}: use one of {', '.join(BASELINES)}")
    out: list[str] = []
    for item in items:
        parts = [p for p in str(item).replace(" ", ",").split(",") if p] if isinstance(item, str) else [item]
        for p in parts:
            group = _GROUPS.get(p.strip().lower()) if isinstance(p, str) else None
            names = list(group) if group is not None else [run_name(*parse_baseline(p))]
            out += [n for n in names if n not in out]
    if not out:
        raise OptionError(f"no optimizer given: use one or more of {', '.join(BASELINES)}")
    return tuple(out)


def parse_compare_class_weight(value: Any) -> Any:
    """``None``, ``"balanced"``, a mapping, or ``"W_A,W_B[,...]"``: two weights name the classes -1/+1 of a
    binary task, ``K >= 3`` weights the classes ``0..K-1`` (:func:`robustcvx.fit.parse_class_weight`)."""
    if isinstance(value, str) and value.strip().lower() != "balanced":
        count = len([p for p in value.split(",") if p.strip()])
        return parse_class_weight(value, count) if count >= 3 else parse_class_weight(value)
    return parse_class_weight(value)


def class_weight_for(class_weight: Any, n_classes: int) -> Any:
    """``class_weight`` checked against a task of ``n_classes`` classes (weights for another number of
    classes are one clear error; other mismatches are left to scikit-learn's check)."""
    if not isinstance(class_weight, dict):
        return class_weight
    keys = {float(k) for k in class_weight}
    count = len(keys)
    indices = keys == {float(k) for k in range(count)}
    if (n_classes > 2 and keys == {-1.0, 1.0}) or (indices and count >= 3 and count != n_classes):
        hint = "W_A,W_B" if n_classes == 2 else f"{n_classes} weights (one per class, in the data spec's order)"
        raise OptionError(f"{count} class weights given but the task has {n_classes} classes: give {hint} or "
                          "'balanced'")
    return class_weight


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
    class_weight : ``None``, ``"balanced"``, ``"a,b"`` or the factors ``{-1: a, +1: b}``; for ``K`` classes
        ``"w_0,...,w_{K-1}"`` or ``{0: w_0, ...}`` (module docstring).
    optimizers : baselines to train (``sgd``, ``adam``, ``fgsm``, ``pgd``, ``softmax-sgd``, ...,
        ``softmax-pgd``; ``"all"``: the four hinge ones, ``"softmax-all"``: the four softmax ones).
    lrs : learning rates; one baseline per optimizer and rate.
    training : the :class:`BaselineConfig` of every baseline (its ``optimizer`` and ``lr`` are
        replaced by each pair of ``optimizers`` x ``lrs``); by default it averages the last half
        of the epochs (``average="tail"``), so each baseline reports three models.
    attack : the evaluation PGD attack (``attack.targets`` for ``K``-class tasks).
    solver, tie_break : passed to :func:`robustcvx.solvers.solve`.
    distance : compute each model's distance to the set of optima (a QP per model);
        ``distance_tol``: the level ``P <= optimum + distance_tol`` that defines the set.
    max_train : ``None`` (every training sample) or ``N``: train (exact model and baselines) on a seeded,
        stratified subsample of at most ``N`` training samples (:func:`robustcvx.compare.tasks.training_rows`,
        seed ``training.seed``); the evaluation split is unchanged.  The exact ``K``-class solve grows fast
        with ``n``.
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
    max_train: int | None = None
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
        put("class_weight", parse_compare_class_weight(self.class_weight))
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
        if self.max_train is not None:
            put("max_train", check_integer(self.max_train, "max train", minimum=1))

    # ------------------------------------------------------------------ building
    #: flat option -> field of ``training``
    TRAINING_OPTIONS: ClassVar[tuple[str, ...]] = (
        "epochs", "batch_size", "schedule", "seed", "momentum", "device", "pgd_steps", "pgd_step_size", "init",
        "threads", "average")
    #: flat option -> field of ``attack``
    ATTACK_OPTIONS: ClassVar[dict[str, str]] = {
        "attack_steps": "steps", "attack_restarts": "restarts", "attack_step_size": "step_size", "seed": "seed",
        "threads": "threads", "attack_targets": "targets"}

    @classmethod
    def create(cls, base: CompareConfig | None = None, **options: Any) -> CompareConfig:
        """A config from flat option names (those of ``robustcvx compare``), over ``base`` if given.

        Accepted: the fields of this class (``lr`` for ``lrs``, ``tol`` for ``distance_tol``), the
        fields of :class:`BaselineConfig` in :attr:`TRAINING_OPTIONS` (``seed`` and ``threads``
        also set the attack's), and ``attack_steps``, ``attack_restarts``, ``attack_step_size``,
        ``attack_targets``.
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
        """``(name, config)`` for every baseline x learning rate.  Names are the baseline's (``sgd``,
        ``softmax-pgd``) or, when several learning rates are given, ``sgd@lr=0.01``."""
        out = []
        for kind in self.optimizers:
            opt, loss = parse_baseline(kind)
            for rate in self.lrs:
                name = kind if len(self.lrs) == 1 else f"{kind}@lr={rate:g}"
                out.append((name, self.training.replace(optimizer=opt, loss=loss, lr=rate)))
        return out

    def sample_weight(self, y: np.ndarray, sample_weight: Any = None, n_classes: int = 2) -> np.ndarray | None:
        """The training weights ``s_i`` for labels ``y`` of a task with ``n_classes`` classes
        (``sample_weight`` times the class factor; ``None`` when every weight is 1)."""
        from ..fit import combined_sample_weight

        return combined_sample_weight(y, sample_weight, class_weight_for(self.class_weight, n_classes))

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


__all__ = ["BASELINES", "CompareConfig", "baseline_configs", "class_weight_for", "parse_baseline", "parse_lrs",
           "parse_optimizers"]
