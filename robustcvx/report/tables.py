"""``summary.csv`` and ``summary.json`` of ``robustcvx reproduce``: one row per model, and the run's metadata.

Columns (:func:`columns`): how the model was obtained, its training objective and gap to the
certified optimum (for SGD also the gaps of the best and of the averaged iterate), accuracy on
the evaluation split (clean; exactly certified, exactly attacked and box-certified at every
evaluation radius), accuracy on the training split (clean and certified, for the train/test gap),
``||w||_1``, sparsity (:func:`robustcvx.metrics.nonzeros` and
:func:`robustcvx.metrics.significant_weights`) and the training time.

Determinism: numbers are rounded (accuracies to 6 decimals, objectives and norms to 8 significant
digits) and every timing is in a column or key ending in ``_seconds``, so two runs give identical
tables once those are dropped (:func:`strip_timing`, :func:`strip_timing_csv`).  The metadata
record the data actually used (``data``: the loader's spec and source) beside the spec asked for
(``data_requested``), the command, the settings and the package versions.
"""

from __future__ import annotations

import csv
import io
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..metrics import l1_norm, nonzeros, significant_weights

#: Packages whose versions the README and summary.json record.
VERSION_PACKAGES = ("numpy", "scipy", "cvxpy", "highspy", "clarabel", "torch", "matplotlib", "scikit-learn",
                    "mlxtend")

#: Fixed leading columns; per-radius accuracy columns follow, then the trailing ones.
LEADING = ("model", "method", "train_epsilon", "train_box", "train_objective", "optimum", "gap_to_optimum",
           "gap_best_iterate", "best_epoch", "gap_averaged_iterate", "verified", "degenerate", "tie_break",
           "same_classifier_as", "clean_accuracy", "train_accuracy")
ACCURACY_KINDS = ("certified_accuracy", "attacked_accuracy", "certified_box_accuracy", "train_certified_accuracy")
TRAILING = ("l1_norm", "nonzeros", "weights_above_1pct", "train_seconds")


def columns(eval_epsilons: Sequence[float]) -> list[str]:
    """All summary columns, in order, for the evaluation grid."""
    cols = list(LEADING)
    for kind in ACCURACY_KINDS:
        cols += [f"{kind}@{e:g}" for e in eval_epsilons]
    return cols + list(TRAILING)


def _sig(x: float, digits: int = 8) -> float:
    return float(f"{float(x):.{digits}g}") + 0.0


def _acc(x: float) -> float:
    return round(float(x), 6)


def _gap(value: float | None, optimum: float) -> float | None:
    return None if value is None else _sig(round(value - optimum, 12), 6)


def summary_rows(results: Any) -> list[dict]:
    """One row per model of a :class:`~robustcvx.reproduce.results.RunResults`, numbers rounded."""
    rows = []
    grid = list(results.cfg.eval_epsilons)
    for key, m in results.models.items():
        e = results.evals[key]
        it = m.iterates
        row: dict[str, Any] = {
            "model": key, "method": m.method, "train_epsilon": m.epsilon, "train_box": bool(m.box),
            "train_objective": _sig(round(m.objective, 12)), "optimum": _sig(round(m.optimum, 12)),
            "gap_to_optimum": 0.0 if m.method == "exact" else _gap(m.objective, m.optimum),
            "gap_best_iterate": None if it is None else _gap(it.best, m.optimum),
            "best_epoch": None if it is None else it.best_epoch,
            "gap_averaged_iterate": None if it is None else _gap(it.averaged, m.optimum),
            "verified": m.verified, "degenerate": m.degenerate, "tie_break": m.tie_break,
            "same_classifier_as": m.same_as,
            "clean_accuracy": _acc(e.clean), "train_accuracy": _acc(e.train_clean),
        }
        train_grid = e.train_curve(grid)
        for name, values in (("certified_accuracy", e.grid_certified), ("attacked_accuracy", e.grid_attacked),
                             ("certified_box_accuracy", e.grid_box), ("train_certified_accuracy", train_grid)):
            for k, eps in enumerate(grid):
                row[f"{name}@{eps:g}"] = None if values is None else _acc(values[k])
        row["l1_norm"] = _sig(l1_norm(m.coef))
        row["nonzeros"] = nonzeros(m.coef)
        row["weights_above_1pct"] = significant_weights(m.coef)
        row["train_seconds"] = round(m.seconds, 3)
        rows.append(row)
    return rows


def package_versions() -> dict[str, str]:
    """``{package: version}`` of Python, robustcvx and :data:`VERSION_PACKAGES` (``"not installed"`` if absent)."""
    from importlib import metadata

    from .. import __version__

    out = {"python": platform.python_version(), "robustcvx": __version__}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_metadata(results: Any) -> dict:
    """The JSON-safe description of a run (data, settings, commands, versions); no timing."""
    cfg, task = results.cfg, results.task
    X_eval, _, split = task.evaluation_split()
    box = results.box_threat.describe()["box"] if results.box_threat else None
    used = str(task.name)
    return {
        "command": cfg.command(),
        "command_same_data": cfg.command(data=used) if used != cfg.data else cfg.command(),
        "data_requested": cfg.data,
        "data": task.info(),
        "evaluation": {"split": split, "n": int(X_eval.shape[0]), "threat": f"l_{results.threat.describe()['norm']}",
                       "box": box},
        "train_epsilons": [float(e) for e in cfg.epsilons],
        "eval_epsilons": [float(e) for e in cfg.eval_epsilons],
        "study_epsilon": float(cfg.study_epsilon),
        "sgd": {"optimizer": "sgd", "epochs": int(cfg.epochs), "batch_size": int(cfg.batch_size),
                "lr": float(cfg.lr), "seed": int(cfg.seed), "schedule": cfg.sgd_schedule,
                "average": cfg.sgd_average},
        "exact": {"solver": cfg.solver, "tie_break": "max-margin"},
        "quick": bool(cfg.quick),
        "versions": package_versions(),
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_text(rows: Sequence[dict], cols: Sequence[str]) -> str:
    """The rows as CSV text (``\\n`` line ends, booleans ``true``/``false``, missing values empty)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()


def write_tables(out: Path, meta: dict, rows: Sequence[dict], total_seconds: float | None = None) -> None:
    """Write ``summary.csv`` and ``summary.json`` into ``out`` (atomically)."""
    from ..io import write_json, write_text

    cols = columns(meta["eval_epsilons"])
    write_text(Path(out) / "summary.csv", csv_text(rows, cols))
    doc = dict(meta)
    doc["columns"] = cols
    doc["rows"] = [{c: row.get(c) for c in cols} for row in rows]
    if total_seconds is not None:
        doc["total_seconds"] = round(float(total_seconds), 3)
    write_json(Path(out) / "summary.json", doc)


def strip_timing(obj: Any) -> Any:
    """``obj`` without any key ending in ``_seconds`` (recursively): what must be identical across runs."""
    if isinstance(obj, dict):
        return {k: strip_timing(v) for k, v in obj.items() if not str(k).endswith("_seconds")}
    if isinstance(obj, list):
        return [strip_timing(v) for v in obj]
    return obj


def strip_timing_csv(text: str) -> str:
    """CSV text without its ``*_seconds`` columns."""
    reader = list(csv.reader(io.StringIO(text)))
    if not reader:
        return text
    keep = [i for i, c in enumerate(reader[0]) if not c.endswith("_seconds")]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in reader:
        writer.writerow([r[i] for i in keep])
    return buf.getvalue()
