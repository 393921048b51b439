r"""``summary.csv``, ``summary.json``, ``models.npz`` and ``README.md`` of a ``K``-class reproduce run.

One row per model: its method and formulation, training radius, the joint robust hinge objective at that
radius with the certified optimum and the gap (last / best / averaged iterate for SGD runs), clean,
exactly certified and PGD-attacked accuracy at every table radius, ``‖W‖₁`` and training time.  The README
states the numbers and the command that reproduces them.  Every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...report.tables import csv_text, package_versions

FORMULATIONS = {"crammer-singer": "joint hinge (Crammer-Singer)", "ovr": "one-vs-rest (K binary hinges)",
                "softmax": "cross-entropy"}


def _r(x: float | None, digits: int = 10) -> float | None:
    return None if x is None else float(f"{float(x):.{digits}g}")


def summary_rows(models: Sequence[Any], eval_epsilons: Sequence[float]) -> list[dict]:
    rows = []
    for m in models:
        row = {"model": m.key, "label": m.label, "method": m.method, "formulation": m.formulation,
               "train_epsilon": m.epsilon, "objective": _r(m.objective), "optimum": _r(m.optimum),
               "gap": _r(m.gap, 6),
               "gap_best": _r(m.gaps.get("best"), 6), "gap_averaged": _r(m.gaps.get("averaged"), 6),
               "best_epoch": m.epochs.get("best"), "own_objective": _r(m.own_objective), "verified": m.verified}
        for e in eval_epsilons:
            row[f"certified_accuracy@{e:g}"] = m.certified[e]
            row[f"pgd_accuracy@{e:g}"] = m.pgd[e]
        row["l1_norm"] = _r(float(np.abs(m.coef).sum()), 8)
        row["train_seconds"] = round(m.seconds, 3)
        rows.append(row)
    return rows


def columns(eval_epsilons: Sequence[float]) -> list[str]:
    head = ["model", "label", "method", "formulation", "train_epsilon", "objective", "optimum", "gap", "gap_best",
            "gap_averaged", "best_epoch", "own_objective", "verified"]
    head += [f"{k}_accuracy@{e:g}" for e in eval_epsilons for k in ("certified", "pgd")]
    return head + ["l1_norm", "train_seconds"]


def metadata(cfg: Any, task: Any, epsilon: float, split: str, n_eval: int, class_names: Sequence[str],
             notes: Sequence[str]) -> dict:
    """The run's description (data, settings, command, versions); no timing."""
    return {"command": cfg.command(), "data_requested": cfg.data, "data": task.info(),
            "class_names": list(class_names), "max_train": cfg.max_train,
            "evaluation": {"split": split, "n": int(n_eval), "threat": "l_inf", "box": None},
            "train_epsilon": float(epsilon), "eval_epsilons": [float(e) for e in cfg.eval_epsilons],
            "sgd": {"epochs": int(cfg.epochs), "batch_size": int(cfg.batch_size), "lr": float(cfg.lr),
                    "seed": int(cfg.seed), "schedule": cfg.sgd_schedule, "average": cfg.sgd_average},
            "exact": {"solver": cfg.solver, "tie_break": "max-margin"}, "quick": bool(cfg.quick),
            "checks": list(notes), "versions": package_versions()}


def write_tables(out: Path, meta: dict, rows: list[dict], models: Sequence[Any], total_seconds: float) -> None:
    from ...io import atomic_path, write_json, write_text

    cols = columns(meta["eval_epsilons"])
    write_text(out / "summary.csv", csv_text(rows, cols))
    write_json(out / "summary.json", {**meta, "columns": cols, "rows": rows,
                                      "total_seconds": round(float(total_seconds), 3)})
    arrays = {}
    for m in models:
        arrays[f"{m.key}/coef"] = m.coef
        arrays[f"{m.key}/intercept"] = m.intercept
    with atomic_path(out / "models.npz") as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def _gap(row: dict) -> str:
    if row["method"] == "exact":
        return "0 (certified)" if row["formulation"] == "crammer-singer" else f"{row['gap']:.4g}"
    extra = ", ".join(f"{name} {row[k]:.4g}" for name, k in (("best", "gap_best"), ("averaged", "gap_averaged"))
                      if row.get(k) is not None)
    return f"{row['gap']:.4g}" + (f" ({extra})" if extra else "")


def sgd_lines(rows: Sequence[dict]) -> list[str]:
    """One sentence per SGD run: its objective against the certified optimum of the same problem."""
    out = []
    for r in rows:
        if r["method"] != "sgd":
            continue
        rel = f" ({100 * r['gap'] / r['optimum']:.1f} % of it)" if r["optimum"] > 1e-8 else ""
        out.append(f"{r['label']}: the last iterate ends at objective {r['objective']:.6g}, {r['gap']:.4g} above the "
                   f"certified optimum {r['optimum']:.6g}{rel}; the best epoch ({r['best_epoch']}) is "
                   f"{r['gap_best']:.4g} above it"
                   + (f", the averaged iterate {r['gap_averaged']:.4g}" if r.get("gap_averaged") is not None else "")
                   + ".")
    return out


def readme_text(meta: dict, rows: Sequence[dict], figures: Sequence[Any], title: str) -> str:
    d, ev = meta["data"], meta["evaluation"]
    eps, evals = meta["train_epsilon"], meta["eval_epsilons"]
    shown = evals
    sgd = meta["sgd"]
    out = [f"# Exact vs trained {d['n_classes']}-class linear classifiers: {title}", "",
           "Every model predicts argmax_k w_k·x + b_k. The exact models are certified optima of their training "
           "problem; the baselines are trained with PyTorch on the same data. Accuracies are exact (certified) "
           "against an l∞ attack, checked by a PGD attack. Made by:", "", "```", meta["command"], "```", "",
           "## Data", "", f"- spec `{d['name']}`: {d['source']}",
           f"- {d['n']:,} training samples, {d['d']} features, {d['n_classes']} classes "
           f"({', '.join(meta['class_names'])}); split: {d['split']}",
           f"- every accuracy is on the **{ev['split']}** split ({ev['n']:,} samples)"]
    out += [f"- note from the loader: {note}" for note in d.get("notes") or []]
    out += ["", "## Models", "",
            f"- **exact Crammer-Singer**: the joint robust hinge (1/n) Σ_i max(0, max_(k≠y_i) [1 − (w_y − w_k)·x_i − "
            f"(b_y − b_k) + ε‖w_y − w_k‖₁]) at ε = 0 and ε = {eps:g}, the exact worst case of an l∞ attack on the "
            f"multiclass hinge, solved to a certified optimum (solver `{meta['exact']['solver']}`, tie-break "
            "max-margin).",
            f"- **exact one-vs-rest** at ε = {eps:g}: K binary robust hinge problems (class k against the rest), each "
            "certified; its `own_objective` is the mean of the K binary optima, its `objective` the joint hinge of its "
            "weights (so its gap to the joint optimum is shown).",
            f"- **SGD (joint hinge)** at ε = 0 and ε = {eps:g}: plain minibatch SGD on exactly the joint objective: "
            f"{sgd['epochs']} epochs, batch {sgd['batch_size']}, lr {sgd['lr']:g}, schedule {sgd['schedule']}, "
            f"averaging {sgd['average']}, seed {sgd['seed']}; the model shown is the last iterate, the best "
            "epoch's and the averaged iterate's gaps are beside it.",
            "- **softmax regression** (cross-entropy, SGD, same settings) and **PGD-trained softmax** at "
            f"ε = {eps:g} (Madry et al.: cross-entropy on 10-step PGD adversarial examples, same settings): the "
            "standard practice; their "
            "objective and gap are the joint hinge's, for information.", ""]
    out += ["## Where SGD ends", ""] + [f"- {line}" for line in sgd_lines(rows)] + ["", "## Results", ""]
    head = ["model", "joint objective", "gap to optimum: last (best, averaged)"]
    head += [f"certified ε={e:g}" for e in shown]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["label"], f"{r['objective']:.6g}", _gap(r)]
        cells += [f"{_pct(r[f'certified_accuracy@{e:g}'])}" for e in shown]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "ε = 0 is the clean accuracy. Every model's PGD-attacked accuracy at every radius is in "
            "[`summary.csv`](summary.csv) / [`summary.json`](summary.json) (columns `pgd_accuracy@ε`); the "
            "weights are in [`models.npz`](models.npz) (`<model>/coef`, `<model>/intercept`)."]
    checks = meta.get("checks") or []
    out += [""] + ([f"- check: {c}" for c in checks] if checks else
                   ["Every consistency check passed: the exact models verified, PGD accuracy = certified accuracy "
                    "for every model and radius, every objective recomputed from the weights."])
    out += ["", "## Figures", ""]
    for k, fig in enumerate(figures, 1):
        out += [f"### {k}. {fig.title}", "", f"![{fig.title}]({fig.file})", "", fig.caption, ""]
    out += ["## Versions", "", ", ".join(f"{k} {v}" for k, v in meta["versions"].items()), ""]
    return "\n".join(out)
