"""The options of ``robustcvx reproduce``: defaults, checks, and the command line that reruns them.

:class:`ReproduceConfig` holds what the user chose (``None``: the default, or the quick one with
``quick``); :meth:`ReproduceConfig.resolved` fills in and checks everything, and
:meth:`ReproduceConfig.command` writes the shortest ``robustcvx reproduce`` command line that
gives the same configuration (it round-trips through the CLI parser).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import OptionError
from ..validation import check_epsilon, check_integer

#: Robust training radii of the study (it trained at 0.1 and evaluated over a range).
STUDY_EPSILONS: tuple[float, ...] = (0.05, 0.1, 0.2)
#: Radii at which the tables report accuracy.
EVAL_EPSILONS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
QUICK_EPSILONS: tuple[float, ...] = (0.1,)
QUICK_EVAL_EPSILONS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2)
DEFAULT_EPOCHS = 100
QUICK_EPOCHS = 3
DEFAULT_DATA = "mnist:0,1"
FIGURE_DPI = 100
#: SGD's learning-rate schedule: constant, as in the study (:data:`robustcvx.baselines.SCHEDULES`)
DEFAULT_SGD_SCHEDULE = "none"
#: iterate averaging reported beside SGD's last iterate: suffix averaging over the last half of the
#: epochs (:data:`robustcvx.baselines.AVERAGES`); it does not change the iterates
DEFAULT_SGD_AVERAGE = "tail"


def output_slug(spec: str) -> str:
    """Folder name for a data spec: the data set's name and the two classes.

    ``mnist:0,1`` -> ``mnist-0-1``, ``idx:/x/fashion-mnist:0,1`` -> ``fashion-mnist-0-1``,
    ``npz:/x/My Data.npz`` -> ``my-data``.  The name is the spec's source, or for a file or
    folder source the file's stem (see :func:`robustcvx.reproduce.naming.dataset_key`).
    """
    from .naming import dataset_key, spec_parts

    _, _, classes = spec_parts(spec)
    suffix = "" if not classes else "-" + ("-".join(str(c) for c in classes) if isinstance(classes, tuple)
                                           else str(classes))
    slug = "".join(ch if ch.isalnum() else "-" for ch in dataset_key(spec).lower()).strip("-") or "data"
    while "--" in slug:
        slug = slug.replace("--", "-")
    return slug + suffix


@dataclass(frozen=True)
class ReproduceConfig:
    """Options of :func:`robustcvx.reproduce.run` (``None`` fields take their default, or the quick
    one with ``quick``)."""

    data: str = DEFAULT_DATA
    data_dir: str | None = None
    epsilons: tuple[float, ...] | None = None
    eval_epsilons: tuple[float, ...] | None = None
    epochs: int | None = None
    batch_size: int = 100
    lr: float = 0.1
    seed: int = 0
    solver: str = "auto"
    out: str | None = None
    quick: bool = False
    study_epsilon: float | None = None
    dpi: int = FIGURE_DPI
    sgd_schedule: str = DEFAULT_SGD_SCHEDULE
    sgd_average: str = DEFAULT_SGD_AVERAGE
    #: ``None`` or ``N``: train on a seeded stratified subsample of at most ``N`` training samples
    #: (:func:`robustcvx.compare.tasks.training_rows`, seed ``seed``); the evaluation split is unchanged
    max_train: int | None = None

    def resolved(self) -> ReproduceConfig:
        """A copy with every default filled in and every value checked."""
        from ..baselines import AVERAGES, SCHEDULES
        from ..solvers.registry import parse_solver
        from ..validation import check_choice

        eps = self.epsilons if self.epsilons is not None else (QUICK_EPSILONS if self.quick else STUDY_EPSILONS)
        eps = tuple(sorted({check_epsilon(e) for e in eps} - {0.0}))
        if not eps:
            raise OptionError("--epsilon needs at least one radius > 0 "
                              "(the regular model, epsilon 0, is always trained)")
        ev = self.eval_epsilons if self.eval_epsilons is not None else (
            QUICK_EVAL_EPSILONS if self.quick else EVAL_EPSILONS)
        ev = tuple(sorted({check_epsilon(e) for e in ev} | {0.0}))
        epochs = self.epochs if self.epochs is not None else (QUICK_EPOCHS if self.quick else DEFAULT_EPOCHS)
        if isinstance(epochs, bool) or int(epochs) != epochs or epochs < 1:
            raise OptionError(f"--epochs must be a positive integer, got {epochs!r}")
        study = self.study_epsilon
        if study is None:
            study = 0.1 if 0.1 in eps else eps[len(eps) // 2]
        elif float(study) not in eps:
            raise OptionError(f"study epsilon {study:g} is not one of the training radii {list(eps)}")
        out = self.out if self.out is not None else str(Path("results") / output_slug(self.data))
        max_train = None if self.max_train is None else check_integer(self.max_train, "--max-train", minimum=1)
        return replace(self, epsilons=eps, max_train=max_train,
                       eval_epsilons=ev, epochs=int(epochs), study_epsilon=float(study), out=out,
                       solver=parse_solver(self.solver),
                       sgd_schedule=check_choice(self.sgd_schedule, "--sgd-schedule", SCHEDULES),
                       sgd_average=check_choice(self.sgd_average, "--sgd-average", AVERAGES))

    def command(self, data: str | None = None) -> str:
        """The ``robustcvx reproduce`` command line that reruns this configuration.

        ``data`` replaces the data spec (e.g. the spec of the data a loader actually used), keeping
        the output folder of the original spec.
        """
        c = self
        spec = c.data if data is None else data
        parts = ["robustcvx", "reproduce", "--data", spec]
        if c.data_dir is not None:
            parts += ["--data-dir", str(c.data_dir)]
        if c.quick:
            parts.append("--quick")
        if c.epsilons is not None and c.epsilons != (QUICK_EPSILONS if c.quick else STUDY_EPSILONS):
            parts += ["--epsilon", *[f"{e:g}" for e in c.epsilons]]
        if c.eval_epsilons is not None and c.eval_epsilons != (QUICK_EVAL_EPSILONS if c.quick else EVAL_EPSILONS):
            parts += ["--eval-epsilon", ",".join(f"{e:g}" for e in c.eval_epsilons)]
        if c.epochs is not None and c.epochs != (QUICK_EPOCHS if c.quick else DEFAULT_EPOCHS):
            parts += ["--epochs", str(c.epochs)]
        for flag, value, default in (("--batch-size", c.batch_size, 100), ("--lr", c.lr, 0.1),
                                     ("--seed", c.seed, 0), ("--solver", c.solver, "auto"),
                                     ("--max-train", c.max_train, None),
                                     ("--sgd-schedule", c.sgd_schedule, DEFAULT_SGD_SCHEDULE),
                                     ("--sgd-average", c.sgd_average, DEFAULT_SGD_AVERAGE)):
            if value != default:
                parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
        if c.out is not None and c.out != str(Path("results") / output_slug(spec)):
            parts += ["--out", str(c.out)]
        return shlex.join(parts)
