"""The README of a ``robustcvx reproduce`` output folder (deterministic: no timing).

Sections: how it was made (the command, and the command that reruns on exactly the data used when
a loader fell back), the data actually used, the models, the study's claims checked
(:mod:`.claims`), what the results show (:mod:`.findings`), a compact results table (the full
one is ``summary.csv``), every figure with its caption, and the package versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any


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


def _gaps(row: dict) -> str:
    if row["method"] == "exact":
        return "0 (certified)"
    text = f"{row['gap_to_optimum']:.3g}"
    extra = [f"best {row['gap_best_iterate']:.3g}" if row.get("gap_best_iterate") is not None else "",
             f"avg {row['gap_averaged_iterate']:.3g}" if row.get("gap_averaged_iterate") is not None else ""]
    extra = [e for e in extra if e]
    return text + (f" ({', '.join(extra)})" if extra else "")


def results_table(rows: Sequence[dict], meta: dict) -> str:
    """A compact Markdown table of the summary (the full one is summary.csv)."""
    train = meta["train_epsilons"]
    box = meta["evaluation"]["box"] is not None
    study = meta["study_epsilon"]
    split = meta["evaluation"]["split"]
    head = ["model", "method", "train objective", "gap to optimum: last (best, averaged)", f"clean train / {split}"]
    head += [f"certified ε={e:g}" for e in train]
    head.append(f"certified ε={study:g} train / {split}")
    if box:
        head.append(f"certified in [0,1] box ε={study:g}")
    head += ["‖w‖₁", "weights > 1% of max"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [_model_name(r), _method(r), f"{r['train_objective']:.4g}", _gaps(r),
                 f"{_pct(r['train_accuracy'])} / {_pct(r['clean_accuracy'])}"]
        cells += [_pct(r.get(f"certified_accuracy@{e:g}")) for e in train]
        cells.append(f"{_pct(r.get(f'train_certified_accuracy@{study:g}'))} / "
                     f"{_pct(r.get(f'certified_accuracy@{study:g}'))}")
        if box:
            cells.append(_pct(r.get(f"certified_box_accuracy@{study:g}")))
        cells += [f"{r['l1_norm']:.4g}", str(r["weights_above_1pct"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


_AVERAGES = {"tail": "of the averaged iterate (the mean of the iterates of the last half of the epochs)",
             "all": "of the averaged iterate (the mean of every iterate, Polyak-Ruppert)"}


def _made_by(meta: dict) -> list[str]:
    d = meta["data"]
    out = ["```", meta["command"], "```", ""]
    if d["name"] != meta["data_requested"]:
        out += [f"The data asked for, `{meta['data_requested']}`, was not found; the loader used `{d['name']}` "
                "instead (see Data). To rerun on exactly the data used here:", "", "```",
                meta["command_same_data"], "```", ""]
    return out


def _data(meta: dict, facts: dict) -> list[str]:
    d = meta["data"]
    ev = meta["evaluation"]
    out = ["## Data", "", f"- data used: spec `{d['name']}`: {d['source']}"]
    if d["name"] != meta["data_requested"]:
        out.append(f"- data asked for: `{meta['data_requested']}`")
    out.append(f"- {d['n']:,} training samples, {d['d']} features; split: {d['split']}")
    names = facts.get("class_names") or {}
    if names:
        out.append(f"- label −1 = {names[-1.0]}, label +1 = {names[1.0]}")
    out.append(f"- every accuracy is measured on the **{ev['split']}** split ({ev['n']:,} samples); the training "
               "split's accuracy is beside it where the tables say *train*")
    out += [f"- note from the loader: {note}" for note in d.get("notes") or []]
    return out + [""]


def _models(meta: dict, facts: dict) -> list[str]:
    sgd = meta["sgd"]
    train = ", ".join(f"{e:g}" for e in meta["train_epsilons"])
    out = ["## Models", "",
           f"- **exact**: the regular hinge (ε = 0) and the robust hinge at ε ∈ {{{train}}} (l∞ threat, penalty "
           f"ε‖w‖₁), solved to a certified optimum (duality gap ≤ 1e-8) by `robustcvx.solve` (solver "
           f"`{meta['exact']['solver']}`, `tie_break=\"max-margin\"`); **box-aware** exact models use the same ε but "
           f"keep perturbed pixels inside [0, 1] (the real threat for images).",
           f"- **SGD**: the same objectives trained with plain SGD as in the study: {sgd['epochs']} epochs, batch "
           f"{sgd['batch_size']}, learning rate {sgd['lr']:g}"
           + (" (constant)" if sgd.get("schedule", "none") == "none" else f", schedule `{sgd['schedule']}`")
           + f", seed {sgd['seed']}. The model shown is the last iterate (the study's); beside its gap to the "
             "optimum the tables give the gap of the best iterate after any epoch and "
           + (_AVERAGES.get(sgd.get("average", "none"), "of the averaged iterate") if sgd.get("average", "none")
              != "none" else "(no iterate averaging in this run) nothing else")
           + ": SGD with a constant step oscillates, so one last-epoch number is noise.",
           "- objective = mean (robust) hinge over the training set, no regulariser."]
    degenerate = facts.get("degenerate") or []
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
    return out + [""]


def readme_text(meta: dict, rows: Sequence[dict], figures: Sequence[Any], facts: dict) -> str:
    """The Markdown of the output folder's README.

    ``figures``: records with ``file``, ``title``, ``caption`` and ``heading``; ``facts``:
    ``data_title``, ``class_names``, ``degenerate`` (labels), ``findings`` (sentences), ``claims``
    (a Markdown table) and ``rules`` (the verdict rules).
    """
    evals = ", ".join(f"{e:g}" for e in meta["eval_epsilons"])
    out = [f"# Regular vs robust linear classifiers: {facts.get('data_title', meta['data']['name'])}", "",
           "The figures of the original study (linear classifiers, regular vs robust hinge loss "
           "max(0, 1 − y(w·x+b) + ε‖w‖₁), trained with SGD) made again, with the **exact, certified optimum** of "
           "every training problem beside the SGD model. Made by:", ""]
    out += _made_by(meta)
    out += _data(meta, facts)
    out += _models(meta, facts)
    if facts.get("claims"):
        out += ["## The study's claims, checked", "", facts["claims"], ""]
        if facts.get("rules"):
            out += [facts["rules"], ""]
    if facts.get("findings"):
        out += ["## What the results show", ""] + [f"- {line}" for line in facts["findings"]] + [""]
    out += ["## Results", "", results_table(rows, meta), "",
            f"Accuracy at ε ∈ {{{evals}}} (clean, exactly certified, under the exact worst-case attack and certified "
            "inside the [0, 1] box, on the evaluation split; clean and certified on the training split), objectives, "
            "gaps to the optimum (last, best and averaged iterate), ‖w‖₁, nonzeros, weights above 1 % of the "
            "largest and training times of every model: [`summary.csv`](summary.csv), "
            "[`summary.json`](summary.json). \"certified\" is exact for linear models and equals the accuracy under "
            "the worst-case attack (both columns are in the tables).", "", "## Figures", ""]
    for k, fig in enumerate(figures, 1):
        heading = getattr(fig, "heading", "") or fig.title
        out += [f"### {k}. {heading}", "", f"![{heading}]({fig.file})", "", fig.caption, ""]
    out += ["## Versions", "", ", ".join(f"{k} {v}" for k, v in meta["versions"].items()), ""]
    return "\n".join(out)


def write_readme(out: Path, meta: dict, rows: Sequence[dict], figures: Sequence[Any], facts: dict) -> None:
    """Write ``README.md`` into ``out`` (atomically)."""
    from ..io import write_text

    write_text(Path(out) / "README.md", readme_text(meta, rows, figures, facts))
