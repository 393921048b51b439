"""The sweep's table: one row per finished cell, rewritten atomically after every cell.

CSV by default, Parquet when the output ends in ``.parquet`` (needs pyarrow).  Rewriting the whole
file through a temporary file and a rename (:mod:`robustcvx.io`) means an interrupted sweep leaves a
complete table of the cells that finished, never a torn row; a restart reads it and skips them.
``gap`` (a baseline's objective minus the certified optimum of the same problem) is derived from
the ``exact`` row of that problem each time the table is written.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from ..errors import OptionError
from ..io import atomic_path, check_writable
from .cell import COLUMNS

_NUMERIC = {"n_train", "n_test", "d", "epsilon", "l1", "l2", "seed", "objective", "optimum", "gap", "train_accuracy",
            "test_accuracy", "certified_accuracy", "nonzeros", "seconds"}


def _problem_key(row: dict) -> tuple:
    return (row["data"], row["norm"], float(row["epsilon"]), row.get("box") or "", float(row["l1"]), float(row["l2"]))


def with_gaps(rows: list[dict]) -> list[dict]:
    """The rows with ``optimum`` and ``gap`` filled in from the ``exact`` row of the same problem."""
    optimum = {_problem_key(r): r["objective"] for r in rows
               if r["method"] == "exact" and r.get("objective") is not None and not r.get("error")}
    out = []
    for r in rows:
        r = dict(r)
        opt = optimum.get(_problem_key(r))
        if opt is not None and r.get("objective") is not None:
            r["optimum"] = opt
            r["gap"] = float(r["objective"]) - float(opt)
        out.append(r)
    return out


def _parse(value: str, column: str) -> Any:
    if value in ("", "None"):
        return None
    if column in _NUMERIC:
        v = float(value)
        return int(v) if column in ("n_train", "n_test", "d", "seed", "nonzeros") and v.is_integer() else v
    if column == "verified":
        return value == "True"
    return value


def check_output(path: str | Path) -> Path:
    path = check_writable(path)
    if path.suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise OptionError("writing .parquet needs pyarrow (pip install pyarrow); or use a .csv output") from None
    return path


def read_rows(path: str | Path) -> list[dict]:
    """The rows of an existing table (``[]`` when the file does not exist)."""
    path = Path(path)
    if not path.exists():
        return []
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return [dict(r) for r in pq.read_table(path).to_pylist()]
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "key" not in reader.fieldnames:
            raise OptionError(f"{path} exists but is not a sweep table (no 'key' column): pick another --out")
        return [{c: _parse(r.get(c, ""), c) for c in COLUMNS} for r in reader]


def _order(row: dict) -> tuple:
    from .grid import METHODS

    method = row["method"]
    return (str(row["data"]), str(row["norm"]), str(row.get("box") or ""), float(row["l1"]), float(row["l2"]),
            float(row["epsilon"]), METHODS.index(method) if method in METHODS else len(METHODS), int(row["seed"]))


def write_rows(path: str | Path, rows: list[dict]) -> None:
    """Write every row (gaps derived) atomically, in a fixed order (whatever order the cells finished in)."""
    rows = sorted(with_gaps(rows), key=_order)
    path = Path(path)
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pylist([{c: r.get(c) for c in COLUMNS} for r in rows])
        with atomic_path(path) as tmp:
            pq.write_table(table, tmp)
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for r in rows:
        writer.writerow({c: _format(r.get(c)) for c in COLUMNS})
    with atomic_path(path) as tmp:
        tmp.write_text(buf.getvalue(), encoding="utf-8")


def _format(v: Any) -> Any:
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    return "" if v is None else v
