r"""Reproduce the original study (linear classifiers, MNIST 0 vs 1, regular vs robust hinge, SGD)
with the certified optimum beside every SGD model: ``robustcvx reproduce``.

Pipeline (:func:`run`): load the task; solve the exact problems once per radius (regular
``epsilon = 0``, robust ``epsilon`` in the grid, and box-aware robust: the l_inf ball kept inside
the pixel range ``[0, 1]``), train SGD on the same objectives, evaluate every model on the
evaluation split (clean, exactly certified and worst-case-attacked accuracy, box-free and
box-aware certified curves), then draw the ten figures (:mod:`robustcvx.plots`) and write the
tables and the folder's README (:mod:`robustcvx.report`).  Every file is written atomically
(:mod:`robustcvx.io`); an interrupt propagates and leaves complete files only.

Determinism: the exact solves are deterministic, SGD is seeded, and the tables round every
number (accuracies to 6 decimals, objectives and norms to 8 significant digits) so that two
runs give byte-identical tables apart from the ``*_seconds`` columns.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import OptionError
from .validation import check_epsilon

#: Robust training radii of the study (it trained at 0.1 and evaluated over a range).
STUDY_EPSILONS: tuple[float, ...] = (0.05, 0.1, 0.2)
#: Radii at which the tables report accuracy.
EVAL_EPSILONS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
QUICK_EPSILONS: tuple[float, ...] = (0.1,)
QUICK_EVAL_EPSILONS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2)
DEFAULT_EPOCHS = 100
QUICK_EPOCHS = 3
#: The pixel range of the image data: the box of the "real" threat model.
PIXEL_BOX: tuple[float, float] = (0.0, 1.0)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle boot")
FIGURE_DPI = 100


@dataclass(frozen=True)
class ReproduceConfig:
    """Options of :func:`run` (``None`` fields take their default, or the quick one with ``quick``)."""

    data: str = "mnist:0,1"
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

    def resolved(self) -> ReproduceConfig:
        """A copy with every default filled in and every value checked."""
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
        from .solvers.registry import parse_solver

        return replace(self, epsilons=eps, eval_epsilons=ev, epochs=int(epochs), study_epsilon=float(study), out=out,
                       solver=parse_solver(self.solver))

    def command(self) -> str:
        """The ``robustcvx reproduce`` command line that reruns this configuration."""
        c = self
        parts = ["robustcvx", "reproduce", "--data", c.data]
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
                                     ("--seed", c.seed, 0), ("--solver", c.solver, "auto")):
            if value != default:
                parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
        if c.out is not None and c.out != str(Path("results") / output_slug(c.data)):
            parts += ["--out", str(c.out)]
        import shlex

        return shlex.join(parts)


def output_slug(spec: str) -> str:
    """Folder name for a data spec.

    ``mnist:0,1`` -> ``mnist-0-1``, ``idx:/x/fashion-mnist:0,1`` -> ``fashion-mnist-0-1``.
    """
    text = str(spec).strip()
    m = re.match(r"^(.*):\s*([+-]?\d+)\s*,\s*([+-]?\d+)\s*$", text, re.DOTALL)
    classes = ""
    if m:
        text, classes = m[1], f"-{m[2]}-{m[3]}"
    source, _, path = text.partition(":")
    base = Path(path.rstrip("/")).stem if path else source
    if base.endswith(".csv") or base.endswith(".npz"):
        base = base[:-4]
    slug = re.sub(r"[^A-Za-z0-9]+", "-", base.lower()).strip("-") or "data"
    return slug + classes


# --------------------------------------------------------------------------------- models
@dataclass
class TrainedModel:
    """One trained linear model and how it was obtained."""

    key: str               # e.g. "exact-robust-0.1"
    method: str            # "exact" or "sgd"
    epsilon: float         # training radius (0: regular hinge)
    box: bool              # trained against the l_inf ball inside PIXEL_BOX
    coef: np.ndarray
    intercept: float
    objective: float       # training objective of its own problem, recomputed on the data
    optimum: float         # certified optimal value of the same problem
    seconds: float
    verified: bool | None = None
    degenerate: bool | None = None
    tie_break: str | None = None
    solver: str | None = None
    certificate_gap: float | None = None
    trace: list[dict] = field(default_factory=list)
    variant: str = ""              # "l2svm": the regular optimum with the l2 max-margin tie-break
    same_as: str | None = None     # key of an exact model with the same classifier (rescaled)

    @property
    def label(self) -> str:
        if self.variant == "l2svm":
            return "regular, exact l2 max-margin (classical SVM)"
        kind = "regular" if self.epsilon == 0 else ("box-aware robust" if self.box else "robust")
        eps = "" if self.epsilon == 0 else f" eps={self.epsilon:g}"
        return f"{kind}{eps}, {'exact' if self.method == 'exact' else 'SGD'}"

    @property
    def short(self) -> str:
        if self.variant == "l2svm":
            return "classical SVM"
        return "regular" if self.epsilon == 0 else (f"box-aware eps={self.epsilon:g}" if self.box
                                                    else f"robust eps={self.epsilon:g}")


def model_key(method: str, epsilon: float, box: bool = False, variant: str = "") -> str:
    if variant:
        return f"{method}-regular-{variant}"
    if epsilon == 0:
        return f"{method}-regular"
    return f"{method}-robust{'-box' if box else ''}-{epsilon:g}"


def same_classifier(a: TrainedModel, b: TrainedModel, tol: float = 1e-6) -> bool:
    """True when ``(w, b)`` of the two models are positive multiples of each other (same predictions, any radius)."""
    u = np.append(a.coef, a.intercept)
    v = np.append(b.coef, b.intercept)
    nu, nv = float(np.linalg.norm(u)), float(np.linalg.norm(v))
    if nu == 0 or nv == 0:
        return False
    return float(u @ v) / (nu * nv) > 1.0 - tol


class Progress:
    """``[k/N] message ... done in s`` lines on stderr (silent when disabled)."""

    def __init__(self, total: int, enabled: bool = True, stream: Any = None) -> None:
        self.total, self.k, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()

    def start(self, message: str) -> float:
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


def train_exact(X: np.ndarray, y: np.ndarray, epsilons: Sequence[float], *, box: tuple[float, float] | None,
                solver: str = "auto", progress: Progress | None = None) -> dict[str, TrainedModel]:
    """The certified optimum for the regular problem, each robust radius and (with ``box``) each box-aware one.

    Each problem is solved once (the max-margin optimum when it is degenerate); within a series
    the previous radius's solution warm-starts the next.
    """
    from .problems import RobustHingeProblem
    from .solvers import solve

    series: list[tuple[float, bool]] = [(0.0, False)] + [(float(e), False) for e in epsilons]
    if box is not None:
        series += [(float(e), True) for e in epsilons]
    out: dict[str, TrainedModel] = {}
    prev: dict[bool, Any] = {}
    for eps, use_box in series:
        key = model_key("exact", eps, use_box)
        what = "regular" if eps == 0 else f"{'box-aware ' if use_box else ''}robust eps={eps:g}"
        t = progress.start(f"exact {what}: solve and certify") if progress else 0.0
        problem = RobustHingeProblem(X, y, eps, "inf", box if use_box else None)
        sol = solve(problem, solver, tie_break="max-margin", warm_start=prev.get(use_box))
        prev[use_box] = sol
        if eps == 0:
            prev[True] = sol
        out[key] = TrainedModel(key, "exact", eps, use_box, np.asarray(sol.coef, dtype=float), float(sol.intercept),
                                float(sol.objective), float(sol.objective), float(sol.seconds),
                                bool(sol.verified), bool(sol.degenerate), sol.tie_break, sol.solver,
                                float(sol.certificate.gap))
        if progress:
            progress.done(t, _solution_state(sol))
        if eps == 0:
            t = progress.start("exact regular, l2 max-margin tie-break (classical SVM)") if progress else 0.0
            if not sol.degenerate:
                if progress:
                    progress.done(t, "skipped: the regular problem is not degenerate, its optimum needs no tie-break")
                continue
            svm = solve(RobustHingeProblem(X, y, 0.0, "2", None), solver, tie_break="max-margin")
            key2 = model_key("exact", 0.0, variant="l2svm")
            out[key2] = TrainedModel(key2, "exact", 0.0, False, np.asarray(svm.coef, dtype=float),
                                     float(svm.intercept), float(svm.objective), float(sol.objective),
                                     float(svm.seconds), bool(svm.verified), bool(svm.degenerate),
                                     "max-margin-l2" if svm.tie_break == "max-margin" else svm.tie_break, svm.solver,
                                     float(svm.certificate.gap), variant="l2svm")
            if progress:
                progress.done(t, _solution_state(svm))
    return out


def _solution_state(sol: Any) -> str:
    state = "verified" if sol.verified else "NOT VERIFIED: " + sol.certificate.reason
    if sol.degenerate:
        state += ", degenerate (zero loss): max-margin optimum" if sol.tie_break == "max-margin" else \
            ", degenerate (zero loss)"
    return f"objective {sol.objective:.6g}, {state}, solver {sol.solver}"


def train_sgd(X: np.ndarray, y: np.ndarray, epsilons: Sequence[float], exact: dict[str, TrainedModel], *,
              epochs: int, batch_size: int, lr: float, seed: int, progress: Progress | None = None,
              bars: bool = False) -> dict[str, TrainedModel]:
    """Plain SGD on the regular and each robust objective (the study's models), seeded."""
    from .baselines import BaselineConfig, train_baseline
    from .problems import RobustHingeProblem

    out: dict[str, TrainedModel] = {}
    for eps in [0.0] + [float(e) for e in epsilons]:
        key = model_key("sgd", eps)
        optimum = exact[model_key("exact", eps)].objective
        t = progress.start(f"SGD {'regular' if eps == 0 else f'robust eps={eps:g}'}: {epochs} epochs") \
            if progress else 0.0
        problem = RobustHingeProblem(X, y, eps, "inf", None)
        cfg = BaselineConfig(optimizer="sgd", epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                             device="cpu")
        res = train_baseline(problem, cfg, optimum=optimum, progress=bars)
        coef = np.asarray(res.coef, dtype=float).reshape(-1)
        b = float(np.asarray(res.intercept, dtype=float).reshape(-1)[0]) if np.ndim(res.intercept) else \
            float(res.intercept)
        objective = float(problem.objective(coef, b))
        trace = [dict(e) for e in (res.trace or [])]
        out[key] = TrainedModel(key, "sgd", eps, False, coef, b, objective, optimum, float(res.seconds), trace=trace)
        if progress:
            progress.done(t, f"objective {objective:.6g} (optimum {optimum:.6g}, gap {objective - optimum:.3g})")
    return out


# ----------------------------------------------------------------------------- evaluation
@dataclass
class Evaluation:
    """How one model does on the evaluation split."""

    clean: float
    curve: Any                    # CertifiedCurve, l_inf ball
    box_curve: Any | None         # CertifiedCurve, l_inf ball inside PIXEL_BOX
    attack_eps: np.ndarray        # fine grid for the figure
    attack_acc: np.ndarray
    grid_certified: np.ndarray    # on the evaluation grid
    grid_attacked: np.ndarray
    grid_box: np.ndarray | None


def evaluate(model: TrainedModel, X: np.ndarray, y: np.ndarray, eval_eps: Sequence[float], *,
             box: tuple[float, float] | None, fine_eps: np.ndarray) -> Evaluation:
    """Clean, exactly certified (step curve) and worst-case-attacked accuracy of one model."""
    from .attacks import attacked_accuracy
    from .certify import certified_curve

    wb = (model.coef, model.intercept)
    curve = certified_curve(wb, X, y, "inf", None)
    box_curve = certified_curve(wb, X, y, "inf", box) if box is not None else None
    grid = np.asarray(eval_eps, dtype=float)
    fine = np.asarray(fine_eps, dtype=float)
    att_fine = np.array([attacked_accuracy(wb, X, y, e, "inf", None) for e in fine])
    att_grid = np.array([attacked_accuracy(wb, X, y, e, "inf", None) for e in grid])
    clean = float(np.mean(y * (X @ model.coef + model.intercept) > 0))
    return Evaluation(clean, curve, box_curve, fine, att_fine, np.asarray(curve(grid), dtype=float), att_grid,
                      None if box_curve is None else np.asarray(box_curve(grid), dtype=float))


# -------------------------------------------------------------------- figure data helpers
def pixel_signal(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``s_j = mean_i y_i x_ij``: minus the gradient of the mean hinge w.r.t. ``w_j`` at ``w = 0, b = 0``."""
    return (y @ X) / X.shape[0]


def landscape_along_weight(X: np.ndarray, y: np.ndarray, j: int, epsilon: float, t: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Objective and derivative along weight ``j`` from the zero model (``w = t e_j``, ``b = 0``).

    Returns ``(loss_regular, loss_robust, grad_regular, grad_robust)`` over ``t``, for the mean
    hinge ``mean_i max(0, 1 - y_i x_ij t)`` and the mean robust hinge with ``+ epsilon |t|``.
    The robust derivative is the regular one plus ``epsilon sign(t)`` on the active samples: it
    is smaller in magnitude, and when ``|s_j| < epsilon`` it changes sign at ``t = 0``.
    """
    t = np.asarray(t, dtype=float)
    a = y * X[:, j]                                   # margin per unit of t
    m = np.outer(a, t)                                # n x len(t)
    h_reg = 1.0 - m
    h_rob = h_reg + epsilon * np.abs(t)[None, :]
    act_reg = h_reg > 0
    act_rob = h_rob > 0
    loss_reg = np.maximum(h_reg, 0.0).mean(axis=0)
    loss_rob = np.maximum(h_rob, 0.0).mean(axis=0)
    grad_reg = (-(a[:, None]) * act_reg).mean(axis=0)
    grad_rob = ((-(a[:, None]) + epsilon * np.sign(t)[None, :]) * act_rob).mean(axis=0)
    return loss_reg, loss_rob, grad_reg, grad_rob


def pick_pixels(signal: np.ndarray, epsilon: float, reference: np.ndarray | None = None) -> tuple[int, int]:
    """``(strong, weak)`` pixel indices: the largest ``|signal|``, and one with ``|signal|`` well below ``epsilon``.

    The weak one is taken among ``epsilon/4 < |s_j| < 3 epsilon/4`` with the largest ``|reference_j|``
    (e.g. a regular model's weight: a pixel that model uses) or, without a reference, ``|s_j|``
    closest to ``epsilon / 2``; ties go to the lowest index.
    """
    s = np.abs(np.asarray(signal, dtype=float))
    strong = int(np.argmax(s))
    cand = np.flatnonzero((s > epsilon / 4) & (s < 3 * epsilon / 4))
    if cand.size == 0:
        cand = np.flatnonzero((s > 0) & (s < epsilon))
    if cand.size == 0:
        return strong, int(np.argmin(np.where(s > 0, s, np.inf)))
    if reference is not None:
        r = np.abs(np.asarray(reference, dtype=float))[cand]
        return strong, int(cand[np.argmax(r)])
    return strong, int(cand[np.argmin(np.abs(s[cand] - epsilon / 2))])


def nearest_misclassified(logits: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Indices of up to ``k`` misclassified samples (``y f(x) <= 0``) with the smallest ``|f(x)|``, nearest first."""
    logits = np.asarray(logits, dtype=float)
    wrong = np.flatnonzero(y * logits <= 0)
    order = np.lexsort((wrong, np.abs(logits[wrong])))
    return wrong[order[:k]]


def class_names(task: Any) -> dict[float, str]:
    """Display names of the two classes, keyed by the label (-1.0, +1.0)."""
    name = str(getattr(task, "name", "")).lower() + " " + str(task.info().get("source", "")).lower()
    classes = tuple(getattr(task, "classes", ()) or ())
    if len(classes) != 2:
        return {-1.0: "class -1", 1.0: "class +1"}
    if "fashion" in name and all(0 <= c < 10 for c in classes):
        return {-1.0: FASHION_CLASSES[classes[0]], 1.0: FASHION_CLASSES[classes[1]]}
    if "mnist" in name:
        return {-1.0: f"digit {classes[0]}", 1.0: f"digit {classes[1]}"}
    return {-1.0: f"class {classes[0]}", 1.0: f"class {classes[1]}"}


def data_title(task: Any) -> str:
    """Short data description for figure titles, e.g. ``MNIST digit 0 vs digit 1 (1,000 train / 2,115 test)``."""
    names = class_names(task)
    text = str(task.name).lower() + " " + str(task.info().get("source", "")).lower()
    pair = f"{names[-1.0]} vs {names[1.0]}"
    if "fashion" in text:
        ds = "Fashion-MNIST"
    elif "mnist" in text:
        ds = "MNIST sample" if "sample" in str(task.name).lower() else "MNIST"
        pair = pair.replace("digit ", "")
        pair = "digits " + pair
    else:
        ds = str(task.name)
    _, y_eval, split = task.evaluation_split()
    size = f"{task.n:,} train" + (f" / {len(y_eval):,} test" if split == "test" else ", evaluated on train")
    return f"{ds} {pair} ({size})"


# ------------------------------------------------------------------------------- the run
@dataclass
class FigureRecord:
    file: str
    title: str
    caption: str
    heading: str = ""


@dataclass
class ReproduceResult:
    out: Path
    config: ReproduceConfig
    rows: list[dict]
    figures: list[FigureRecord]
    models: dict[str, TrainedModel]
    seconds: float


def _box_for(task: Any) -> tuple[float, float] | None:
    lo, hi = PIXEL_BOX
    Xs = [task.X_train] + ([task.X_test] if task.X_test is not None else [])
    ok = all(float(X.min()) >= lo and float(X.max()) <= hi for X in Xs)
    return PIXEL_BOX if ok else None


def run(config: ReproduceConfig | None = None, *, task: Any = None, progress: bool = True,
        bars: bool | None = None, stream: Any = None) -> ReproduceResult:
    """Train, evaluate, draw and write everything (see the module docstring).

    ``task`` (a :class:`~robustcvx.data.BinaryTask`) replaces loading ``config.data`` (tests).
    ``progress`` prints stage lines on stderr; ``bars`` adds SGD's per-epoch bars (default:
    with progress when stderr is a terminal).
    """
    from . import io as rio
    from . import report

    t_all = time.perf_counter()
    cfg = (config or ReproduceConfig()).resolved()
    eps = cfg.epsilons
    stream = stream or sys.stderr
    if bars is None:
        bars = progress and hasattr(stream, "isatty") and stream.isatty()
    n_steps = 1 + (2 + 2 * len(eps)) + (1 + len(eps)) + 1 + len(FIGURES) + 1
    prog = Progress(n_steps, progress, stream)

    t = time.perf_counter()
    if task is None:  # loaded before any progress line: a data error stays one line on stderr
        from .data import load_task

        task = load_task(cfg.data, data_dir=cfg.data_dir, seed=cfg.seed)
    for note in task.notes:
        print(note, file=stream, flush=True)
    out = rio.ensure_dir(cfg.out)
    prog.start(f"load {cfg.data}")
    X, y = task.X_train, task.y_train
    X_eval, y_eval, split = task.evaluation_split()
    box = _box_for(task)
    if box is None:
        n_steps -= len(eps)
        prog.total = n_steps
    prog.done(t, f"{task.name}: {task.n:,} training samples, {len(y_eval):,} {split} samples, d = {task.d}")

    models = train_exact(X, y, eps, box=box, solver=cfg.solver, progress=prog)
    models.update(train_sgd(X, y, eps, models, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
                            seed=cfg.seed, progress=prog, bars=bars))

    regular = models[model_key("exact", 0.0)]
    for m in models.values():
        if m.method == "exact" and m is not regular and not m.variant and same_classifier(m, regular):
            m.same_as = regular.key

    t = prog.start(f"evaluate {len(models)} models on the {split} split")
    eps_max = max(cfg.eval_epsilons)
    fine = np.round(np.linspace(0.0, eps_max, 31), 10)
    evals = {k: evaluate(m, X_eval, y_eval, cfg.eval_epsilons, box=box, fine_eps=fine) for k, m in models.items()}
    worst = max(float(np.max(np.abs(e.grid_certified - e.grid_attacked))) for e in evals.values())
    prog.done(t, f"certified vs attacked accuracy differ by at most {worst:.2g}")

    ctx = FigureContext(cfg, task, models, evals, box)
    figures: list[FigureRecord] = []
    for spec in FIGURES:
        t = prog.start(f"figure {spec.file}")
        fig, title, caption = spec.build(ctx)
        try:
            save_png(fig, out / spec.file, dpi=cfg.dpi)
        finally:
            fig.clear()
        figures.append(FigureRecord(spec.file, title, caption, spec.heading))
        prog.done(t)

    t = prog.start("tables and README")
    rows = summary_rows(models, evals, cfg.eval_epsilons, box)
    meta = report.run_metadata(cfg, task, box, split, len(y_eval))
    report.write_tables(out, meta, rows, total_seconds=time.perf_counter() - t_all)
    report.write_readme(out, meta, rows, figures, ctx.readme_facts())
    prog.done(t, f"{out}/summary.csv, summary.json, README.md")
    return ReproduceResult(out, cfg, rows, figures, models, time.perf_counter() - t_all)


def save_png(fig: Any, path: str | os.PathLike, dpi: int = FIGURE_DPI) -> None:
    """Write ``fig`` as a small PNG, atomically: rendered by matplotlib, then reduced to a 256-colour palette.

    The palette (median cut, no dithering) is lossless for these flat-colour figures in practice
    and makes the files about 3x smaller; without Pillow the RGBA PNG is written as is.
    """
    import io as _io

    from .io import atomic_path, savefig

    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is a matplotlib dependency
        savefig(fig, path, dpi=dpi, metadata={"Software": None})
        return
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    buf.seek(0)
    with Image.open(buf) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    with atomic_path(path) as tmp:
        small.save(tmp, format="PNG", optimize=True)


# --------------------------------------------------------------------------------- tables
def _sig(x: float, digits: int = 8) -> float:
    return float(f"{float(x):.{digits}g}")


def _acc(x: float) -> float:
    return round(float(x), 6)


def summary_rows(models: dict[str, TrainedModel], evals: dict[str, Evaluation], eval_eps: Sequence[float],
                 box: tuple[float, float] | None) -> list[dict]:
    """One row per model (see :data:`robustcvx.report.COLUMNS`), numbers rounded for reproducibility."""
    rows = []
    for key, m in models.items():
        e = evals[key]
        w = m.coef
        wmax = float(np.abs(w).max()) if w.size else 0.0
        row: dict[str, Any] = {
            "model": key, "method": m.method, "train_epsilon": m.epsilon, "train_box": bool(m.box),
            "train_objective": _sig(round(m.objective, 12)) + 0.0, "optimum": _sig(round(m.optimum, 12)) + 0.0,
            "gap_to_optimum": 0.0 if m.method == "exact" else _sig(round(m.objective - m.optimum, 12), 6) + 0.0,
            "verified": m.verified, "degenerate": m.degenerate, "tie_break": m.tie_break,
            "same_classifier_as": m.same_as,
            "clean_accuracy": _acc(e.clean),
        }
        for name, values in (("certified_accuracy", e.grid_certified), ("attacked_accuracy", e.grid_attacked),
                             ("certified_box_accuracy", e.grid_box)):
            for k, eps in enumerate(eval_eps):
                row[f"{name}@{eps:g}"] = None if values is None else _acc(values[k])
        row["l1_norm"] = _sig(np.abs(w).sum())
        row["nonzeros"] = int(np.count_nonzero(np.abs(w) > 1e-9 * max(1.0, wmax)))
        row["weights_above_1pct"] = int(np.count_nonzero(np.abs(w) > 0.01 * wmax)) if wmax > 0 else 0
        row["train_seconds"] = round(m.seconds, 3)
        rows.append(row)
    return rows


# -------------------------------------------------------------------------------- figures
@dataclass
class FigureContext:
    """Everything the figure builders need (computed once, shared by all figures)."""

    cfg: ReproduceConfig
    task: Any
    models: dict[str, TrainedModel]
    evals: dict[str, Evaluation]
    box: tuple[float, float] | None

    @property
    def data(self) -> str:
        return data_title(self.task)

    @property
    def study(self) -> float:
        return float(self.cfg.study_epsilon)

    def m(self, method: str, eps: float, box: bool = False) -> TrainedModel:
        return self.models[model_key(method, eps, box)]

    def color(self, eps: float) -> str:
        from .plots import epsilon_color

        return epsilon_color(eps, self.cfg.epsilons)

    def image_shape(self) -> tuple[int, int]:
        shape = getattr(self.task, "image_shape", None)
        if shape is not None and len(shape) == 2:
            return tuple(shape)  # type: ignore[return-value]
        return (1, self.task.d)

    def readme_facts(self) -> dict:
        return {"study_epsilon": self.study, "data_title": self.data, "class_names": class_names(self.task),
                "degenerate": [m.label for m in self.models.values() if m.degenerate],
                "findings": findings(self)}


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def findings(ctx: FigureContext) -> list[str]:
    """What the results show, as Markdown sentences computed from the models (deterministic)."""
    out: list[str] = []
    e = ctx.study
    X, y = ctx.task.X_train, ctx.task.y_train
    _, _, split = ctx.task.evaluation_split()
    reg = ctx.m("exact", 0.0)
    acc = lambda m, v: float(ctx.evals[m.key].curve(v))
    if reg.degenerate:
        gamma = float(np.min(y * (X @ reg.coef + reg.intercept)) / np.abs(reg.coef).sum())
        same = [f"{m.epsilon:g}" for m in ctx.models.values() if m.same_as and not m.box]
        text = (f"**The training set is separable, with l∞ margin {gamma:.3g}**: the regular problem is degenerate "
                f"(optimal loss 0), and so is every robust problem with eps below that margin. The exact model shown "
                f"for them is the max-margin optimum (smallest ||w||_1)")
        if same:
            text += (f"; for eps = {', '.join(same)} it is the regular max-margin model rescaled (same predictions), "
                     f"so robust training at those radii changes nothing once the optimum is taken exactly")
        out.append(text + ".")
    sgd_reg, sgd_rob, ex_rob = ctx.m("sgd", 0.0), ctx.m("sgd", e), ctx.m("exact", e)
    svm = ctx.models.get(model_key("exact", 0.0, variant="l2svm"))
    shown = [("regular SGD", sgd_reg), (f"robust SGD (eps = {e:g})", sgd_rob), ("exact regular", reg),
             (f"exact robust (eps = {e:g})", ex_rob)] + ([("classical SVM", svm)] if svm is not None else [])
    out.append(f"**Certified accuracy at eps = {e:g}** on the {split} split (clean accuracy in brackets): "
               + ", ".join(f"{name} {_pct(acc(m, e))} ({_pct(ctx.evals[m.key].clean)})" for name, m in shown) + ".")
    if ex_rob.degenerate and acc(sgd_rob, e) > acc(ex_rob, e):
        out.append(f"**Optimal is not always most robust on new data**: at eps = {e:g} the training problem has zero "
                   f"optimal loss, every robust separator is optimal, and the max-margin one certifies "
                   f"{_pct(acc(ex_rob, e))} of the {split} set while robust SGD, which is not optimal, certifies "
                   f"{_pct(acc(sgd_rob, e))}.")
    top = max(ctx.cfg.epsilons)
    out.append(f"**Robust training matters at large radii**: at eps = {top:g}, exact robust (trained at {top:g}) "
               f"{_pct(acc(ctx.m('exact', top), top))} certified vs exact regular {_pct(acc(reg, top))} and "
               f"regular SGD "
               f"{_pct(acc(sgd_reg, top))}.")
    gaps = [(g.epsilon, max(round(g.objective - ctx.m("exact", g.epsilon).objective, 12), 0.0))
            for g in (ctx.m("sgd", v) for v in (0.0,) + tuple(ctx.cfg.epsilons))]
    reached = [f"{v:g}" for v, gap in gaps if gap == 0]
    short = ", ".join(f"{gap:.3g} at eps = {v:g}" for v, gap in gaps if gap > 0)
    if short:
        out.append(f"**SGD stops short of the optimum**: after {ctx.cfg.epochs} epochs its training objective exceeds "
                   f"the certified optimum by {short}"
                   + (f" (it reaches the optimal value 0 at eps = {', '.join(reached)}, a zero-loss separator)"
                      if reached else "") + ".")
    nz = ", ".join(f"{_nonzeros(ctx.m('exact', v).coef)}" for v in (0.0,) + tuple(ctx.cfg.epsilons))
    nz_sgd = [_nonzeros(ctx.m("sgd", v).coef) for v in (0.0,) + tuple(ctx.cfg.epsilons)]
    out.append(f"**Sparsity**: the exact optima use {nz} of {ctx.task.d} pixels (eps = 0, "
               f"{', '.join(f'{v:g}' for v in ctx.cfg.epsilons)}); the SGD models use {_range(nz_sgd)} "
               f"(figure 5).")
    worst = max(float(np.max(np.abs(ev.grid_certified - ev.grid_attacked))) for ev in ctx.evals.values())
    out.append(f"**Certified = attacked**: for every model and radius the exact certificate and the exact worst-case "
               f"attack agree (largest difference {worst:.2g}), so the certified numbers are attained, not bounds.")
    if ctx.box is not None:
        bits = []
        for v in ctx.cfg.epsilons:
            free = float(ctx.evals[model_key("exact", v)].box_curve(v))
            aware = float(ctx.evals[model_key("exact", v, True)].box_curve(v))
            bits.append(f"eps = {v:g}: box-aware {_pct(aware)} vs box-free {_pct(free)}")
        out.append("**Box-aware training** (perturbed pixels kept in [0, 1]), certified under that threat at the "
                   "training radius: " + "; ".join(bits) + ".")
    return out


@dataclass(frozen=True)
class FigureSpec:
    file: str
    build: Callable[[FigureContext], tuple[Any, str, str]]
    heading: str = ""


def _fig_hinge(ctx: FigureContext):
    from .plots import hinge_loss_figure

    X, y = ctx.task.X_train, ctx.task.y_train
    margins = {f"training margins, {m.label}": y * (X @ m.coef + m.intercept)
               for m in (ctx.m("exact", 0.0), ctx.m("sgd", 0.0))}
    allm = np.concatenate(list(margins.values()))
    hi = float(np.clip(np.ceil(np.percentile(allm, 97) + 0.5), 3.0, 12.0))
    title = f"Hinge loss and the margin it demands; margins of the regular models on {ctx.data}"
    fig = hinge_loss_figure(margins, title=_wrap(title), m_range=(-2.0, hi))
    reg = ctx.m("exact", 0.0)
    low = float(np.min(y * (X @ reg.coef + reg.intercept)))
    cap = ("The hinge loss max(0, 1 - y f(x)) is zero only for samples classified correctly *with margin at "
           "least 1*; the histograms show where the regular exact and SGD models put the training samples "
           f"(the exact model's smallest training margin is {low:.3g}).")
    return fig, title, cap


def _fig_robust_hinge(ctx: FigureContext):
    from .plots import robust_hinge_figure

    e = ctx.study
    rob = ctx.m("exact", e)
    shifts = [("regular hinge (eps = 0)", 0.0, ctx.color(0.0))]
    for ee in ctx.cfg.epsilons:
        s = ee * float(np.abs(rob.coef).sum())
        shifts.append((f"robust hinge at eps = {ee:g}: shift {s:.3g}", s, ctx.color(ee)))
    hi = 1 + list(ctx.cfg.epsilons).index(e)
    X, y, split = ctx.task.evaluation_split()
    margins = y * (X @ rob.coef + rob.intercept)
    title = (f"Robust hinge = hinge shifted by eps*||w||_1, for the exact robust eps = {e:g} model "
             f"(||w||_1 = {np.abs(rob.coef).sum():.3g}) on {ctx.data}")
    s = shifts[hi][1]
    hi_m = float(np.clip(np.percentile(margins, 95), 2.0 + 1.25 * max(sh[1] for sh in shifts), 1e9))
    fig = robust_hinge_figure(shifts, highlight=hi, margins=margins, margins_label=f"{split} margins of this model",
                              title=_wrap(title, 88), m_range=(-1.0, hi_m))
    band = int(np.sum((margins > 0) & (margins <= s)))
    cap = (f"The robust hinge max(0, 1 - y f(x) + eps ||w||_1) is the hinge shifted right by eps ||w||_1, the "
           f"most an l_inf attack of radius eps can lower a margin (curves for each eps of the grid, all with the "
           f"weights of the exact eps = {e:g} model); at eps = {e:g} the shift is {s:.3g}: the {band} {split} "
           f"samples with clean margin in (0, {s:.3g}] (shaded) are correct but flipped by the attack, and zero "
           f"loss needs a margin of {1 + s:.3g}.")
    return fig, title, cap


def _fig_landscape(ctx: FigureContext):
    from .plots import loss_landscape_figure

    X, y = ctx.task.X_train, ctx.task.y_train
    e = ctx.study
    s = pixel_signal(X, y)
    strong, weak = pick_pixels(s, e, ctx.m("sgd", 0.0).coef)
    shape = ctx.image_shape()
    T = 2.5 / max(float(np.max(np.abs(X))), 1e-12)
    t = np.linspace(-T, T, 401)
    panels = []
    for j, kind in ((strong, "strong"), (weak, "weak")):
        lr_, lb, gr, gb = landscape_along_weight(X, y, j, e, t)
        rel = ">" if abs(s[j]) > e else "<"
        where = f"pixel (row {j // shape[1]}, col {j % shape[1]})" if shape[0] > 1 else f"feature {j}"
        name = f"{kind} {where}: |mean y x_j| = {abs(s[j]):.3f} {rel} eps"
        if kind == "strong":
            k0 = int(np.flatnonzero(t > 0)[0]) if s[j] > 0 else int(np.flatnonzero(t < 0)[-1])
            note = (f"slope at 0{'+' if s[j] > 0 else '-'} (where w_j grows):\nrobust {gb[k0]:+.3f}, "
                    f"regular {gr[k0]:+.3f}")
        else:
            note = (f"robust slope changes sign at 0 ({gb[t < 0][-1]:+.3f} | {gb[t > 0][0]:+.3f}):\n"
                    f"w_j = 0 is a minimum")
        panels.append({"name": name, "loss": {"regular hinge": lr_, f"robust hinge, eps = {e:g}": lb},
                       "grad": {"regular hinge": gr, f"robust hinge, eps = {e:g}": gb}, "note": note})
    title = f"1-D loss landscapes along one weight, regular vs robust (eps = {e:g}), {ctx.data}"
    fig = loss_landscape_figure(t, panels, epsilon=e, title=_wrap(title, 90))
    cap = (f"Objective and its derivative along a single weight w_j of the zero model (all other weights and "
           f"the bias 0), on the training data: the robust term adds eps*sign(w_j) to the gradient of every active "
           f"sample, so for a strong pixel the gradient that grows the weight shrinks, and for a pixel whose signal "
           f"|mean y x_j| is below eps = {e:g} it changes sign at 0 -- the weight is pulled back to exactly zero, "
           f"which is why robust weights are sparse.")
    return fig, title, cap


def _fig_threat_sets(ctx: FigureContext):
    from .plots import threat_sets_figure

    P = np.array([[0.30, 0.62], [0.42, 0.85], [0.62, 0.72], [0.55, 0.30], [0.78, 0.52], [0.92, 0.70]])
    lab = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    e = ctx.study
    title = f"Threat sets of radius eps = {e:g} around 2-D points (illustration, no data)"
    fig = threat_sets_figure(P, lab, e, w=np.array([-1.0, 1.0]), b=-0.05, title=_wrap(title, 55))
    cap = (f"The l_inf ball of radius eps = {e:g} (our threat: every pixel may move by eps) is a box that contains "
           f"the l_2 and l_1 balls of the same radius; for a linear model the attack moves each point to the box "
           f"corner -eps*y*sign(w) (arrows), lowering the margin by eps*||w||_1, and the point whose box crosses "
           f"the boundary is flipped (red cross).")
    return fig, title, cap


def _nonzeros(w: np.ndarray) -> int:
    return int(np.count_nonzero(np.abs(w) > 1e-9 * max(1.0, float(np.abs(w).max()) if w.size else 0.0)))


def _fig_weights(ctx: FigureContext):
    from .plots import weight_images_figure

    rows = []
    for e in (0.0,) + tuple(ctx.cfg.epsilons):
        name = "regular (eps = 0)" if e == 0 else f"robust eps = {e:g}"
        cells = []
        for method in ("exact", "sgd"):
            m = ctx.m(method, e)
            lab = "exact optimum" if method == "exact" else f"SGD, {ctx.cfg.epochs} epochs"
            if m.same_as:
                lab += " (= regular)"
            cells.append((f"{lab}\n||w||_1 = {np.abs(m.coef).sum():.3g}, {_nonzeros(m.coef)} nonzero", m.coef))
        svm = ctx.models.get(model_key("exact", 0.0, variant="l2svm"))
        if e == 0 and svm is not None:
            cells.append((f"classical SVM (l2 max-margin)\n||w||_1 = {np.abs(svm.coef).sum():.3g}, "
                          f"{_nonzeros(svm.coef)} nonzero", svm.coef))
        rows.append((name, cells))
    nz_exact = [_nonzeros(m.coef) for m in ctx.models.values() if m.method == "exact" and not m.box and not m.variant]
    nz_sgd = [_nonzeros(m.coef) for m in ctx.models.values() if m.method == "sgd"]
    names = class_names(ctx.task)
    title = (f"Weights w / ||w||_1 as images, {ctx.data}: red = evidence for {names[1.0]}, blue = for "
             f"{names[-1.0]}; one colour scale per row (square-root colour map)")
    fig = weight_images_figure(rows, ctx.image_shape(), normalize=True, sqrt_scale=True, title=_wrap(title, 70))
    cap = (f"Weights as {'x'.join(map(str, ctx.image_shape()))} images, each divided by its ||w||_1 (scaling w and b "
           f"does not change a linear classifier), one symmetric colour scale per row, square-root colour map so "
           f"that small weights stay visible (red pushes towards {names[1.0]}, blue towards {names[-1.0]}); titles "
           f"give the raw ||w||_1 and the number of nonzero weights: the exact optima use {_range(nz_exact)} of "
           f"{ctx.task.d} pixels, the SGD models {_range(nz_sgd)}.")
    return fig, title, cap


def _range(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo}" if lo == hi else f"{lo} to {hi}"


def _zoom_window(curve: Any, width: int = 6) -> tuple[float, float] | None:
    """A small range of radii around the curve's median breakpoint, holding about ``2 * width`` steps."""
    bps = np.asarray(curve.breakpoints, dtype=float)
    if bps.size < 3:
        return None
    lv = np.asarray(curve.levels, dtype=float)
    k = int(np.argmin(np.abs(lv[1:] - 0.5 * (lv[0] + lv[-1]))))
    a, b = bps[max(k - width, 0)], bps[min(k + width, bps.size - 1)]
    pad = max((b - a) / 12, 1e-9)
    return float(a - pad), float(b + pad)


def _fig_accuracy(ctx: FigureContext):
    from .attacks import attacked_accuracy
    from .plots import accuracy_vs_epsilon_figure

    X, y, split = ctx.task.evaluation_split()
    models = []
    for method, group in (("exact", "exact optimum (certified)"), ("sgd", f"SGD ({ctx.cfg.epochs} epochs)")):
        for e in (0.0,) + tuple(ctx.cfg.epsilons):
            m, ev = ctx.m(method, e), ctx.evals[model_key(method, e)]
            label = "regular" if e == 0 else f"robust, trained at eps = {e:g}"
            if m.same_as:
                label += " (= regular, rescaled)"
            models.append({"label": label, "group": group, "color": ctx.color(e), "curve": ev.curve,
                           "clean": ev.clean, "attack_eps": ev.attack_eps, "attack_acc": ev.attack_acc,
                           "linestyle": (0, (4, 3)) if m.same_as else "-"})
        svm = ctx.models.get(model_key("exact", 0.0, variant="l2svm"))
        if method == "exact" and svm is not None:
            ev = ctx.evals[svm.key]
            models.append({"label": "regular, classical SVM (l2 max-margin)", "group": group, "color": "#8c564b",
                           "curve": ev.curve, "clean": ev.clean, "attack_eps": ev.attack_eps,
                           "attack_acc": ev.attack_acc, "linestyle": "-."})
    zm = ctx.m("sgd", 0.0)
    zcurve = ctx.evals[zm.key].curve
    window = _zoom_window(zcurve)
    zoom = None
    if window is not None:
        ze = np.linspace(window[0], window[1], 41)
        za = np.array([attacked_accuracy((zm.coef, zm.intercept), X, y, v, "inf", None) for v in ze])
        zoom = {"label": f"{zm.label}", "color": ctx.color(0.0), "curve": zcurve, "attack_eps": ze,
                "attack_acc": za, "range": window}
    title = f"Clean, certified and attacked accuracy against the l_inf radius on the {split} split of {ctx.data}"
    fig = accuracy_vs_epsilon_figure(models, max(ctx.cfg.eval_epsilons), title=_wrap(title, 110),
                                     marks=ctx.cfg.epsilons, zoom=zoom)
    same = [m.label for m in ctx.models.values() if m.same_as and not m.box]
    cap = (f"Exact certified accuracy as a step function of eps (one step at every {split} sample's certified "
           f"radius), accuracy under the worst-case l_inf attack (circles) and clean accuracy (dotted): for linear "
           f"models the attack attains the certificate, so every circle sits on its step curve (the right panel "
           f"magnifies a few steps of the regular SGD model, breakpoints marked)."
           + (f" {', '.join(same)}: the same classifier as the regular exact one (dashed, hidden under it), see "
              f"'degenerate problems' above." if same else ""))
    return fig, title, cap


def _misclassified_models(ctx: FigureContext) -> list[TrainedModel]:
    """The models compared in figures 7 and 8: regular and robust, SGD and exact (without duplicates)."""
    e = ctx.study
    out = [ctx.m("sgd", 0.0), ctx.m("sgd", e), ctx.m("exact", 0.0), ctx.m("exact", e)]
    if ctx.m("exact", e).same_as == model_key("exact", 0.0):
        out.remove(ctx.m("exact", 0.0))
    return out


def _fig_misclassified(ctx: FigureContext):
    from .attacks import LinfWorstCase
    from .plots import nearest_misclassified_figure

    X, y, split = ctx.task.evaluation_split()
    e = ctx.study
    rows = []
    totals: dict[str, list[int]] = {}
    k = 7
    for m in _misclassified_models(ctx):
        for attacked in (False, True):
            Xs = LinfWorstCase((m.coef, m.intercept), e)(X, y) if attacked else X
            logits = Xs @ m.coef + m.intercept
            idx = nearest_misclassified(logits, y, k)
            total = int(np.sum(y * logits <= 0))
            totals.setdefault(m.key, [0, 0])[int(attacked)] = total
            name = m.label + (" (= regular)" if m.same_as else "")
            label = f"{name.replace(', ', chr(10))}\n{'attacked, eps = ' + format(e, 'g') if attacked else 'clean'}"
            rows.append({"label": label, "images": Xs[idx], "logits": logits[idx], "labels": y[idx], "total": total})
    names = class_names(ctx.task)
    title = (f"Misclassified {split} samples nearest the decision boundary, clean and under the eps = {e:g} "
             f"attack, {ctx.data}; logit > 0 predicts {names[1.0]}")
    lo, hi = ctx.box or (float(X.min()), float(X.max()))
    fig = nearest_misclassified_figure(rows, ctx.image_shape(), class_names=names, title=_wrap(title, 95),
                                       vmin=lo, vmax=hi)
    counts = "; ".join(f"{m.label}: {totals[m.key][0]} clean, {totals[m.key][1]} attacked"
                       for m in _misclassified_models(ctx))
    cap = (f"For each model, the misclassified {split} samples with the smallest |logit| (nearest the boundary), "
           f"clean and after the worst-case eps = {e:g} attack (perturbed pixels shown clipped to [0, 1]); errors "
           f"out of {len(y):,}: {counts}.")
    return fig, title, cap


def _fig_logits(ctx: FigureContext):
    from .attacks import LinfWorstCase
    from .plots import logit_histograms_figure

    X, y, split = ctx.task.evaluation_split()
    e = ctx.study
    panels = []
    flipped: dict[str, int] = {}
    for method, mname in (("sgd", "SGD"), ("exact", "exact")):
        reg, rob = ctx.m(method, 0.0), ctx.m(method, e)
        for attacked in (False, True):
            series = []
            for m in (reg, rob):
                Xs = LinfWorstCase((m.coef, m.intercept), e)(X, y) if attacked else X
                margin = y * (Xs @ m.coef + m.intercept)
                name = "regular" if m.epsilon == 0 else f"robust eps = {m.epsilon:g}"
                shift = -e * float(np.abs(m.coef).sum()) if attacked else None
                if attacked:
                    flipped[f"{mname} {name}"] = int(np.sum((margin <= 0) & (margin > shift)))
                series.append((name + (" (= regular, rescaled)" if m.same_as else ""), margin[margin <= 0],
                               ctx.color(m.epsilon), shift))
            what = f"under the eps = {e:g} attack" if attacked else "clean"
            panels.append({"title": f"{mname} models, {what}", "series": series})
    title = f"Logits of misclassified {split} samples, regular vs robust (eps = {e:g}), {ctx.data}"
    fig = logit_histograms_figure(panels, title=_wrap(title, 100), ncols=2)
    cap = (f"Histograms (log counts) of the logit of the true class, y f(x), of every misclassified {split} "
           f"sample, clean and under the eps = {e:g} attack, for the SGD (top) and exact (bottom) models: the "
           f"attack lowers every logit by exactly eps ||w||_1 (dashed line), so errors right of the dashed line "
           f"were correct before the attack and errors left of it were already wrong. Errors caused by the attack: "
           + ", ".join(f"{k} {v}" for k, v in flipped.items()) + ".")
    return fig, title, cap


def _fig_training(ctx: FigureContext):
    from .plots import training_curves_figure

    panels = []
    for e in (0.0,) + tuple(ctx.cfg.epsilons):
        m = ctx.m("sgd", e)
        ex = ctx.m("exact", e)
        tr = [r for r in m.trace if r.get("objective") is not None]
        epochs = [float(r.get("epoch", i + 1)) for i, r in enumerate(tr)]
        obj = [float(r["objective"]) for r in tr]
        what = "regular hinge (eps = 0)" if e == 0 else f"robust hinge, eps = {e:g}"
        panels.append({"title": what, "epochs": epochs, "objective": obj, "optimum": ex.objective,
                       "color": ctx.color(e)})
    title = f"SGD training objective per epoch vs the certified optimum (dashed), {ctx.data}"
    fig = training_curves_figure(panels, title=_wrap(title, 90))
    cap = ("The training objective (mean robust hinge on the training set) of SGD after each epoch, with the "
           "certified optimum of the same problem as a dashed line (log scale; linear where the optimum is 0 "
           "because the data is separable at that radius): the distance between them is SGD's suboptimality.")
    return fig, title, cap


def _fig_box(ctx: FigureContext):
    from .plots import box_threat_figure

    if ctx.box is None:
        from .plots import _figure

        fig = _figure((6, 2))
        fig.text(0.5, 0.5, "data outside [0, 1]: no box threat model", ha="center")
        return fig, "Box threat model not applicable", "The data are not pixels in [0, 1]; no box figure."
    models = [{"label": "regular, exact", "curve": ctx.evals[model_key("exact", 0.0)].box_curve,
               "color": ctx.color(0.0), "linestyle": "-"}]
    for e in ctx.cfg.epsilons:
        same = " (= regular)" if ctx.m("exact", e).same_as else ""
        models.append({"label": f"robust eps = {e:g}, box-free training{same}", "color": ctx.color(e),
                       "linestyle": "--", "curve": ctx.evals[model_key("exact", e)].box_curve})
        models.append({"label": f"robust eps = {e:g}, box-aware training", "color": ctx.color(e), "linestyle": "-",
                       "curve": ctx.evals[model_key("exact", e, True)].box_curve})
    split = ctx.task.evaluation_split()[2]
    title = f"Certified accuracy under the [0, 1] box threat model, box-aware vs box-free exact models, {ctx.data}"
    fig = box_threat_figure(models, max(ctx.cfg.eval_epsilons), title=_wrap(title, 80), marks=ctx.cfg.epsilons)
    cap = (f"Exact certified accuracy on the {split} split when the attacked pixels must stay in [0, 1] (the real "
           f"threat for images): exact models trained against that box (solid) versus against the plain l_inf "
           f"ball (dashed), at each training radius (faint vertical lines).")
    return fig, title, cap


def _wrap(text: str, width: int = 75) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("01-hinge-loss.png", _fig_hinge, "The hinge loss and the margin it demands"),
    FigureSpec("02-robust-hinge.png", _fig_robust_hinge, "The robust hinge: a shift by eps ||w||_1"),
    FigureSpec("03-loss-landscape.png", _fig_landscape, "1-D loss landscapes and the gradient near zero"),
    FigureSpec("04-threat-sets.png", _fig_threat_sets, "Threat sets: l_inf boxes, l_2 and l_1 balls"),
    FigureSpec("05-weights.png", _fig_weights, "Model weights as images"),
    FigureSpec("06-accuracy-vs-epsilon.png", _fig_accuracy, "Clean, certified and attacked accuracy against eps"),
    FigureSpec("07-misclassified-nearest.png", _fig_misclassified, "Misclassified samples nearest the boundary"),
    FigureSpec("08-logits-misclassified.png", _fig_logits, "Logits of misclassified samples"),
    FigureSpec("09-sgd-vs-optimum.png", _fig_training, "SGD's training objective against the certified optimum"),
    FigureSpec("10-box-threat-model.png", _fig_box, "Box-aware vs box-free robust models under the [0, 1] threat"),
)
