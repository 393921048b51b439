r"""The ``robustcvx reproduce`` pipeline: load, train, evaluate, draw, write.

1. load the task (the loader may fall back, e.g. ``mnist:`` to the bundled sample; the data actually
   used is recorded);
2. train (:mod:`.training`): the certified optimum of the regular problem and of the robust problem
   at every radius, for the study's threat (the l_inf ball) and, for pixel data, the l_inf ball kept
   inside the pixel box; SGD on the same objectives;
3. evaluate (:mod:`.evaluation`) every model on the evaluation split and the training split;
4. draw every figure of :data:`~robustcvx.reproduce.figures.FIGURES` that applies;
5. write ``summary.csv``, ``summary.json`` and ``README.md`` (:mod:`robustcvx.report`).

The progress lines count the steps of this plan, listed before any work starts.  Every file is
written atomically (:mod:`robustcvx.io`); an interrupt propagates and leaves complete files only.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OptionError
from ..threats import LinfBall, LinfBallInBox, Threat
from .config import ReproduceConfig
from .evaluation import evaluate, largest_disagreement
from .figures import planned
from .models import TrainedModel, model_key, same_classifier
from .png import save_png
from .progress import Progress
from .results import RunResults
from .training import exact_series, train_exact, train_sgd

#: The pixel range of image data: the box of the "real" threat model.
PIXEL_BOX: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True, kw_only=True)
class FigureRecord:
    """A figure written by the run."""

    file: str
    title: str
    caption: str
    heading: str = ""


@dataclass(kw_only=True)
class ReproduceResult:
    """What :func:`run` wrote and computed."""

    out: Path
    config: ReproduceConfig
    rows: list[dict]
    figures: list[FigureRecord]
    models: dict[str, TrainedModel]
    results: RunResults
    seconds: float


#: the largest dense copy (bytes) made of sparse features; the study's data sets are small and dense
MAX_DENSE_BYTES = 2 << 30


def subsample(task: Any, max_train: int | None, seed: int) -> Any:
    """``task`` with its training split cut to a seeded stratified subsample of at most ``max_train``
    samples (:func:`robustcvx.compare.tasks.training_rows`; the rows keep their order), or ``task`` itself."""
    import dataclasses

    from ..compare.tasks import training_rows

    rows = training_rows(task.y_train, max_train, seed)
    if rows is None:
        return task
    return dataclasses.replace(task, X_train=task.X_train[rows], y_train=task.y_train[rows],
                               split=f"{task.split}; training: stratified subsample of {rows.size:,} of "
                                     f"{task.n:,} (--max-train {max_train}, seed {seed})")


def binary_dense_task(task: Any) -> Any:
    """``task`` as a dense binary task, or one clear error: the study compares binary linear classifiers
    and draws their weights and inputs as images."""
    from ..data import BinaryTask

    if not isinstance(task, BinaryTask):
        classes = getattr(task, "classes", ())
        raise OptionError(f"reproduce compares binary classifiers, but {task.name} has {len(classes)} classes; "
                          "pick two, e.g. --data mnist:0,1")
    return dense_task(task)


def dense_task(task: Any) -> Any:
    """``task`` with dense features (one clear error when they would not fit)."""
    import dataclasses

    import scipy.sparse as sp

    if not any(sp.issparse(X) for X in (task.X_train, task.X_test)):
        return task
    size = 8 * task.d * (task.n + (task.n_test or 0))
    if size > MAX_DENSE_BYTES:
        raise OptionError(f"reproduce needs dense features, and {task.name} would take {size / 2**30:.1f} GiB "
                          "dense; use a smaller data set or a subset of its features")
    dense = lambda X: X.toarray() if sp.issparse(X) else X
    return dataclasses.replace(task, X_train=dense(task.X_train), X_test=None if task.X_test is None
                               else dense(task.X_test))


def study_threats(task: Any) -> tuple[Threat, Threat | None]:
    """The study's threat family (the l_inf ball), and the same kept inside :data:`PIXEL_BOX` when every
    feature of the task lies in that box (pixel data), else ``None``."""
    box = LinfBallInBox(0.0, PIXEL_BOX)
    try:
        for X in (task.X_train, task.X_test):
            if X is not None:
                box.check_data(X)
    except OptionError:
        return LinfBall(0.0), None
    return LinfBall(0.0), box


def plan(cfg: ReproduceConfig, has_box: bool) -> list[str]:
    """The steps of a run, in order (what the progress lines count)."""
    exact = [f"exact {e:g}{' box' if b else ''}" for e, b in exact_series(cfg.epsilons, has_box)]
    steps = ["load", exact[0], "classical SVM (skipped when the regular problem is not degenerate)", *exact[1:]]
    steps += [f"sgd {e:g}" for e in (0.0, *cfg.epsilons)] + ["evaluate"]
    steps += [f"figure {spec.file}" for spec in planned(has_box)] + ["tables"]
    return steps


def run(config: ReproduceConfig | None = None, *, task: Any = None, progress: bool = True,
        bars: bool | None = None, stream: Any = None) -> Any:
    """Train, evaluate, draw and write everything (see the module docstring).

    ``task`` (a :class:`~robustcvx.data.BinaryTask`) replaces loading ``config.data`` (tests).
    A task of three or more classes goes to :func:`robustcvx.reproduce.multiclass.run` (which returns a
    :class:`~robustcvx.reproduce.multiclass.MulticlassResult`); ``max_train`` subsamples either
    (:func:`subsample`).
    ``progress`` prints stage lines on stderr; ``bars`` adds SGD's per-epoch bars (default:
    with progress when stderr is a terminal).
    """
    from .. import io as rio
    from .. import report

    t_all = time.perf_counter()
    cfg = (config or ReproduceConfig()).resolved()
    stream = stream or sys.stderr
    if bars is None:
        bars = progress and hasattr(stream, "isatty") and stream.isatty()
    t = time.perf_counter()
    if task is None:  # loaded before any progress line: a data error stays one line on stderr
        from ..data import load_task

        task = load_task(cfg.data, data_dir=cfg.data_dir, seed=cfg.seed)
    task = subsample(task, cfg.max_train, cfg.seed)
    if getattr(task, "n_classes", 2) > 2:                  # K classes: their own pipeline
        from . import multiclass

        return multiclass.run(config or ReproduceConfig(), dense_task(task), progress=progress, bars=bars,
                              stream=stream, t_all=t_all)
    task = binary_dense_task(task)
    for note in task.notes:
        print(note, file=stream, flush=True)
    out = rio.ensure_dir(cfg.out)
    threat, box_threat = study_threats(task)
    threats = {False: threat} if box_threat is None else {False: threat, True: box_threat}
    prog = Progress(len(plan(cfg, box_threat is not None)), progress, stream)

    prog.start(f"load {cfg.data}")
    X, y = task.X_train, task.y_train
    _, y_eval, split = task.evaluation_split()
    prog.done(t, f"{task.name}: {task.n:,} training samples, {len(y_eval):,} {split} samples, d = {task.d}")

    models = train_exact(X, y, cfg.epsilons, threats=threats, solver=cfg.solver, progress=prog)
    models.update(train_sgd(X, y, cfg.epsilons, models, threat=threat, epochs=cfg.epochs,
                            batch_size=cfg.batch_size, lr=cfg.lr, seed=cfg.seed, schedule=cfg.sgd_schedule,
                            average=cfg.sgd_average, progress=prog, bars=bars))
    regular = models[model_key("exact", 0.0)]
    for m in models.values():
        if m.method == "exact" and m is not regular and not m.variant and same_classifier(m, regular):
            m.same_as = regular.key

    t = prog.start(f"evaluate {len(models)} models on the {split} and training splits")
    fine = np.round(np.linspace(0.0, max(cfg.eval_epsilons), 31), 10)
    evals = {k: evaluate(m, task, cfg.eval_epsilons, threat=threat, box_threat=box_threat, fine_eps=fine)
             for k, m in models.items()}
    prog.done(t, f"certified vs attacked accuracy differ by at most {largest_disagreement(evals):.2g}")

    results = RunResults(cfg=cfg, task=task, models=models, evals=evals, threat=threat, box_threat=box_threat)
    figures: list[FigureRecord] = []
    for spec in planned(box_threat is not None):
        t = prog.start(f"figure {spec.file}")
        drawn = spec.build(results)
        try:
            save_png(drawn.fig, out / spec.file, dpi=cfg.dpi)
        finally:
            drawn.fig.clear()
        figures.append(FigureRecord(file=spec.file, title=drawn.title, caption=drawn.caption, heading=spec.heading))
        prog.done(t)

    t = prog.start("tables and README")
    rows = report.write_report(out, results, figures, total_seconds=time.perf_counter() - t_all)
    prog.done(t, f"{out}/summary.csv, summary.json, README.md")
    return ReproduceResult(out=out, config=cfg, rows=rows, figures=figures, models=models, results=results,
                           seconds=time.perf_counter() - t_all)
