"""Tables, findings, the study's claims and the README of ``robustcvx reproduce``.

* :mod:`.tables` -- ``summary.csv`` / ``summary.json`` (one row per model; the run's metadata),
  and the helpers that compare two runs without their timings;
* :mod:`.findings` -- what the results show, as sentences computed from the models;
* :mod:`.claims` -- each claim of the original study: reproduced, qualified or contradicted, with
  the numbers and the rule that decided it;
* :mod:`.readme` -- the output folder's README (every figure with its caption).

:func:`write_report` writes all three files for a run.  Every file is written atomically
(:mod:`robustcvx.io`); the README holds no timing, so it is reproducible byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .claims import RULES, Claim, check_claims, claims_table
from .findings import findings
from .readme import readme_text, results_table, write_readme
from .tables import (
    ACCURACY_KINDS,
    LEADING,
    TRAILING,
    VERSION_PACKAGES,
    columns,
    csv_text,
    package_versions,
    run_metadata,
    strip_timing,
    strip_timing_csv,
    summary_rows,
    write_tables,
)


def readme_facts(results: Any) -> dict:
    """What the README needs from a run beyond its tables: names, degenerate problems, findings, claims."""
    return {"data_title": results.data, "class_names": results.names,
            "degenerate": [m.label for m in results.models.values() if m.degenerate],
            "findings": findings(results), "claims": claims_table(check_claims(results)), "rules": RULES}


def write_report(out: Path, results: Any, figures: Sequence[Any], total_seconds: float | None = None) -> list[dict]:
    """Write ``summary.csv``, ``summary.json`` and ``README.md`` for a run into ``out``; return the rows."""
    rows = summary_rows(results)
    meta = run_metadata(results)
    write_tables(out, meta, rows, total_seconds=total_seconds)
    write_readme(out, meta, rows, figures, readme_facts(results))
    return rows


__all__ = [
    "ACCURACY_KINDS",
    "LEADING",
    "RULES",
    "TRAILING",
    "VERSION_PACKAGES",
    "Claim",
    "check_claims",
    "claims_table",
    "columns",
    "csv_text",
    "findings",
    "package_versions",
    "readme_facts",
    "readme_text",
    "results_table",
    "run_metadata",
    "strip_timing",
    "strip_timing_csv",
    "summary_rows",
    "write_readme",
    "write_report",
    "write_tables",
]
