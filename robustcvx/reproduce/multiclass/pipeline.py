r"""The ``K``-class ``robustcvx reproduce`` pipeline (``K >= 3``): load, train, evaluate, draw, write.

1. the task (already loaded; with ``max_train`` a seeded stratified subsample of its training split);
2. two comparisons (:func:`robustcvx.compare.compare`): ``epsilon = 0`` and the training radius (l_inf),
   each the exact joint optimum and baselines on the same objective, then one-vs-rest at the radius
   (:mod:`.models`);
3. every model evaluated on the evaluation split: exact certified-accuracy curve and PGD attack;
4. the figures (:mod:`.figures`) and the tables and README (:mod:`.report`).

The run trains at one radius: ``--epsilon`` takes a single value (default 0.1).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import OptionError
from ..config import ReproduceConfig
from ..progress import Progress

#: the robust training radius when ``--epsilon`` is not given
DEFAULT_EPSILON = 0.1
FIGURES = ("weights.png", "certified_accuracy.png", "sgd_gap.png")


@dataclass(kw_only=True)
class MulticlassResult:
    """What :func:`run` wrote and computed (``figures``: records with ``file``, ``title``, ``caption``)."""

    out: Path
    config: ReproduceConfig
    task: Any
    rows: list[dict]
    figures: list[Any]
    models: list[Any]
    checks: list[str]
    seconds: float


def resolve(config: ReproduceConfig) -> tuple[ReproduceConfig, float]:
    """The resolved configuration and its single training radius (one clear error for several)."""
    from dataclasses import replace

    if config.epsilons is not None and len({float(e) for e in config.epsilons} - {0.0}) > 1:
        raise OptionError("reproduce with three or more classes trains at one robust radius: give one --epsilon "
                          f"(got {' '.join(f'{e:g}' for e in config.epsilons)})")
    cfg = replace(config, epsilons=config.epsilons or (DEFAULT_EPSILON,)).resolved()
    return cfg, float(cfg.epsilons[0])


def class_names(task: Any) -> list[str]:
    """The display names of the task's classes (:data:`robustcvx.reproduce.naming.DATASETS`)."""
    from ..naming import DATASETS, dataset_key

    info = DATASETS.get(dataset_key(str(task.name)))
    if info is not None and all(0 <= c < len(info.class_names) for c in task.classes):
        return [info.class_names[c] for c in task.classes]
    return [f"class {c}" for c in task.classes]


def run(config: ReproduceConfig, task: Any, *, progress: bool = True, bars: bool = False,
        stream: Any = None, t_all: float | None = None) -> MulticlassResult:
    """Train, evaluate, draw and write (module docstring) for a :class:`~robustcvx.data.MulticlassTask`."""
    from ... import io as rio
    from ...baselines.config import AttackConfig
    from ...compare import CompareConfig, compare
    from ..naming import dataset_title
    from ..png import save_png
    from . import figures as F
    from . import models as M
    from . import report as R

    t_all = time.perf_counter() if t_all is None else t_all
    stream = stream or sys.stderr
    cfg, eps = resolve(config)
    K = task.n_classes
    names = class_names(task)
    for note in task.notes:
        print(note, file=stream, flush=True)
    out = rio.ensure_dir(cfg.out)
    prog = Progress(6 + len(FIGURES), progress, stream)   # load, 2 compares, OvR, evaluate, figures, tables

    t = prog.start(f"load {cfg.data}")
    Xe, ye, split = task.evaluation_split()
    prog.done(t, f"{task.name}: {task.n:,} training samples, {len(ye):,} {split} samples, d = {task.d}, K = {K}")

    runs = []
    for e, optimizers in ((0.0, ("sgd", "softmax")), (eps, ("sgd", "softmax-pgd"))):
        t = prog.start(f"exact Crammer-Singer eps={e:g} and {', '.join(optimizers)} on the same objective")
        res = compare(task, CompareConfig.create(**M.compare_options(cfg, e, optimizers)), progress=bars)
        runs.append(res)
        state = "verified" if res.models[0].info.get("verified") else "NOT VERIFIED"
        prog.done(t, f"optimum {res.optimum:.8g} ({state})")
    models = M.from_compare(runs[0], 0.0) + M.from_compare(runs[1], eps)

    t = prog.start(f"exact one-vs-rest eps={eps:g} ({K} binary problems)")
    ovr = M.ovr_model(task, eps, cfg, runs[1].optimum)
    order = {"exact-cs@0": 0, f"exact-cs@{eps:g}": 1}
    models.insert(2, ovr)
    models.sort(key=lambda m: (order.get(m.key, 2), 0 if m.method == "exact" else 1, m.epsilon))
    prog.done(t, f"mean binary objective {ovr.own_objective:.8g} ({'verified' if ovr.verified else 'NOT VERIFIED'})")

    t = prog.start(f"evaluate {len(models)} models on the {split} split")
    attack = AttackConfig(seed=cfg.seed)
    for m in models:
        M.evaluate(m, Xe, ye, cfg.eval_epsilons, attack)
    checks = [f"{e}" for res in runs for e in res.errors]
    checks += [f"{m.label}: the exact solution did not verify" for m in models if m.verified is False]
    checks += [f"{m.label}: PGD accuracy {m.pgd[e]!r} != certified {m.certified[e]!r} at eps={e:g}"
               for m in models for e in m.certified if m.pgd[e] != m.certified[e]]
    prog.done(t, f"certified vs attacked accuracy differ by at most {M.largest_disagreement(models):.2g}")

    title = f"{dataset_title(task)}, {K} classes ({task.n:,} train / {len(ye):,} {split})"
    builders = {
        "weights.png": lambda: F.weights_figure(models, names, task.image_shape, f"Weights of every class: {title}"),
        "certified_accuracy.png": lambda: F.accuracy_figure(
            models, cfg.eval_epsilons, split, f"Certified (lines) and PGD-attacked (circles) accuracy: {title}"),
        "sgd_gap.png": lambda: F.sgd_gap_figure([m for m in models if m.method == "sgd"],
                                                f"Where SGD ends: gap to the certified optimum, {title}")}
    figures = []
    for file in FIGURES:
        t = prog.start(f"figure {file}")
        d = builders[file]()
        try:
            save_png(d.fig, out / file, dpi=cfg.dpi)
        finally:
            d.fig.clear()
        figures.append(_Figure(file, d.title, d.caption))
        prog.done(t)

    t = prog.start("tables and README")
    rows = R.summary_rows(models, cfg.eval_epsilons)
    meta = R.metadata(cfg, task, eps, split, len(ye), names, checks)
    R.write_tables(out, meta, rows, models, time.perf_counter() - t_all)
    rio.write_text(out / "README.md", R.readme_text(meta, rows, figures, title))
    prog.done(t, f"{out}/summary.csv, summary.json, models.npz, README.md")
    for c in checks:
        print(f"robustcvx: warning: {c}", file=stream, flush=True)
    return MulticlassResult(out=out, config=cfg, task=task, rows=rows, figures=figures, models=models, checks=checks,
                            seconds=time.perf_counter() - t_all)


@dataclass(frozen=True)
class _Figure:
    file: str
    title: str
    caption: str
    heading: str = ""


__all__ = ["DEFAULT_EPSILON", "FIGURES", "MulticlassResult", "class_names", "resolve", "run"]
