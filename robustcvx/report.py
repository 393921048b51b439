"""Tables and README of ``robustcvx reproduce``: ``summary.csv``, ``summary.json`` and ``README.md``.

``summary.csv`` and ``summary.json`` hold one row per model (columns: :func:`columns`); every
timing is in a column or key ending in ``_seconds`` so that two runs can be compared with those
dropped (:func:`strip_timing`).  The README embeds every figure with its caption and states the
data, the package versions and the exact command; it holds no timing, so it is reproducible too.
All files are written atomically (:mod:`robustcvx.io`).
"""

from __future__ import annotations

import csv
import io
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Packages whose versions the README and summary.json record.
VERSION_PACKAGES = ("numpy", "scipy", "cvxpy", "highspy", "clarabel", "torch", "matplotlib", "scikit-learn",
                    "mlxtend")

#: Fixed leading columns; per-radius accuracy columns follow, then the trailing ones.
LEADING = ("model", "method", "train_epsilon", "train_box", "train_objective", "optimum", "gap_to_optimum",
           "verified", "degenerate", "tie_break", "same_classifier_as", "clean_accuracy")
ACCURACY_KINDS = ("certified_accuracy", "attacked_accuracy", "certified_box_accuracy")
TRAILING = ("l1_norm", "nonzeros", "weights_above_1pct", "train_seconds")


def columns(eval_epsilons: Sequence[float]) -> list[str]:
    """All summary columns, in order, for the evaluation grid."""
    cols = list(LEADING)
    for kind in ACCURACY_KINDS:
        cols += [f"{kind}@{e:g}" for e in eval_epsilons]
    return cols + list(TRAILING)


def package_versions() -> dict[str, str]:
    """``{package: version}`` of Python, robustcvx and :data:`VERSION_PACKAGES` (``"not installed"`` if absent)."""
    from importlib import metadata

    from . import __version__

    out = {"python": platform.python_version(), "robustcvx": __version__}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def run_metadata(cfg: Any, task: Any, box: Any, split: str, n_eval: int) -> dict:
    """The JSON-safe description of a run (data, settings, command, versions); no timing."""
    return {
        "command": cfg.command(),
        "data": task.info(),
        "evaluation": {"split": split, "n": int(n_eval), "threat": "l_inf",
                       "box": list(box) if box is not None else None},
        "train_epsilons": [float(e) for e in cfg.epsilons],
        "eval_epsilons": [float(e) for e in cfg.eval_epsilons],
        "study_epsilon": float(cfg.study_epsilon),
        "sgd": {"optimizer": "sgd", "epochs": int(cfg.epochs), "batch_size": int(cfg.batch_size),
                "lr": float(cfg.lr), "seed": int(cfg.seed)},
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
    """Write ``summary.csv`` and ``summary.json`` into ``out``."""
    from .io import write_json, write_text

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


# ------------------------------------------------------------------------------- README
def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.2f}%"


def _model_name(row: dict) -> str:
    e = row["train_epsilon"]
    if row.get("tie_break") == "max-margin-l2":
        return "regular, classical SVM"
    kind = "regular" if e == 0 else ("robust, box-aware" if row["train_box"] else "robust")
    eps = "" if e == 0 else f" ε={e:g}"
    return f"{kind}{eps}"


def _method(row: dict) -> str:
    if row["method"] != "exact":
        return "SGD"
    if row.get("tie_break") == "max-margin-l2":
        return "exact (l2 max-margin)"
    text = "exact (max-margin)" if row.get("degenerate") else "exact"
    if row.get("same_classifier_as"):
        text += " = regular, rescaled"
    return text


def results_table(rows: Sequence[dict], meta: dict) -> str:
    """A compact Markdown table of the summary (the full one is summary.csv)."""
    train = meta["train_epsilons"]
    box = meta["evaluation"]["box"] is not None
    study = meta["study_epsilon"]
    head = ["model", "method", "train objective", "gap to optimum", "clean"]
    head += [f"certified ε={e:g}" for e in train]
    if box:
        head.append(f"certified in [0,1] box ε={study:g}")
    head += ["‖w‖₁", "nonzeros"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [_model_name(r), _method(r), f"{r['train_objective']:.4g}",
                 "0 (certified)" if r["method"] == "exact" else f"{r['gap_to_optimum']:.3g}",
                 _pct(r["clean_accuracy"])]
        cells += [_pct(r.get(f"certified_accuracy@{e:g}")) for e in train]
        if box:
            cells.append(_pct(r.get(f"certified_box_accuracy@{study:g}")))
        cells += [f"{r['l1_norm']:.4g}", str(r["nonzeros"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def readme_text(meta: dict, rows: Sequence[dict], figures: Sequence[Any], facts: dict) -> str:
    """The Markdown of the output folder's README (deterministic: no timing)."""
    d = meta["data"]
    ev = meta["evaluation"]
    sgd = meta["sgd"]
    study = meta["study_epsilon"]
    train = ", ".join(f"{e:g}" for e in meta["train_epsilons"])
    evals = ", ".join(f"{e:g}" for e in meta["eval_epsilons"])
    degenerate = facts.get("degenerate") or []
    out: list[str] = []
    out.append(f"# Regular vs robust linear classifiers: {facts.get('data_title', d['name'])}")
    out.append("")
    out.append("The figures of the original study (linear classifiers, regular vs robust hinge loss "
               "max(0, 1 − y(w·x+b) + ε‖w‖₁), trained with SGD) made again, with the **exact, certified optimum** "
               "of every training problem beside the SGD model. Made by:")
    out.append("")
    out.append("```")
    out.append(meta["command"])
    out.append("```")
    out.append("")
    out.append("## Data")
    out.append("")
    out.append(f"- spec `{d['name']}`: {d['source']}")
    out.append(f"- {d['n']:,} training samples, {d['d']} features (pixels scaled to [0, 1]); split: {d['split']}")
    names = facts.get("class_names") or {}
    if names:
        out.append(f"- label −1 = {names[-1.0]}, label +1 = {names[1.0]}")
    out.append(f"- every accuracy is measured on the **{ev['split']}** split ({ev['n']:,} samples)")
    for note in d.get("notes") or []:
        out.append(f"- note from the loader: {note}")
    out.append("")
    out.append("## Models")
    out.append("")
    out.append(f"- **exact**: the regular hinge (ε = 0) and the robust hinge at ε ∈ {{{train}}} (l∞ threat, penalty "
               f"ε‖w‖₁), solved to a certified optimum (duality gap ≤ 1e-8) by `robustcvx.solve` "
               f"(solver `{meta['exact']['solver']}`, `tie_break=\"max-margin\"`); **box-aware** exact models use the "
               f"same ε but keep perturbed pixels inside [0, 1] (the real threat for images).")
    out.append(f"- **SGD**: the same objectives trained with plain SGD as in the study: {sgd['epochs']} epochs, batch "
               f"{sgd['batch_size']}, learning rate {sgd['lr']:g}, seed {sgd['seed']}.")
    out.append("- objective = mean (robust) hinge over the training set, no regulariser.")
    if degenerate:
        out.append(f"- **degenerate problems** ({'; '.join(degenerate)}): the training data is (robustly) "
                   "separable, so the optimal objective is 0 and *every* separator with zero loss, and every "
                   "scaling of it by a factor ≥ 1, is optimal; the vertex a solver returns would be arbitrary. "
                   "For those problems the figures and tables show the **max-margin optimum**: among the zero-loss "
                   "models the one with the smallest ‖w‖₁ (the dual of the l∞ threat norm), i.e. the largest "
                   "certified l∞ radius of its least robust training sample, which is what a robust model should "
                   "maximise; it is also unique in margin, so the results are reproducible. For the degenerate "
                   "regular problem the classical SVM (the l2 max-margin optimum, smallest ‖w‖₂) is shown too: it "
                   "is an equally optimal answer to the same training problem.")
    out.append("")
    if facts.get("findings"):
        out.append("## What the results show")
        out.append("")
        for line in facts["findings"]:
            out.append(f"- {line}")
        out.append("")
    out.append("## Results")
    out.append("")
    out.append(results_table(rows, meta))
    out.append("")
    out.append(f"Accuracy at ε ∈ {{{evals}}} (clean, exactly certified, under the exact worst-case attack and "
               "certified inside the [0, 1] box), objectives, gaps to the optimum, ‖w‖₁, nonzeros and training "
               "times of every model: [`summary.csv`](summary.csv), [`summary.json`](summary.json). "
               "\"certified\" is exact for linear models and equals the accuracy under the worst-case attack "
               "(both columns are in the tables).")
    out.append("")
    out.append("## Figures")
    out.append("")
    for k, fig in enumerate(figures, 1):
        heading = getattr(fig, "heading", "") or fig.title
        out.append(f"### {k}. {heading}")
        out.append("")
        out.append(f"![{heading}]({fig.file})")
        out.append("")
        out.append(fig.caption)
        out.append("")
    out.append("## Versions")
    out.append("")
    out.append(", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    out.append("")
    return "\n".join(out)


def write_readme(out: Path, meta: dict, rows: Sequence[dict], figures: Sequence[Any], facts: dict) -> None:
    """Write ``README.md`` into ``out``."""
    from .io import write_text

    write_text(Path(out) / "README.md", readme_text(meta, rows, figures, facts))
