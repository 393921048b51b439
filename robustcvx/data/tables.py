"""Tabular sources: ``npz:PATH[:A,B]`` and ``csv:PATH[:A,B]`` (features used as given).

An ``npz`` archive holds ``X_train``, ``y_train`` and optionally ``X_test``, ``y_test``.  Sparse
features are stored in the layout of ``scipy.sparse.save_npz`` (``data``, ``indices``, ``indptr``,
``shape``, ``format``): unprefixed for the training matrix (so a file written by
``scipy.sparse.save_npz(PATH, X)`` and completed with ``y_train`` works as is), or prefixed
``X_train.data``, ... / ``X_test.data``, ... (what :func:`save_npz_task` writes).
"""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

import numpy as np

from robustcvx.data.prepare import make_task
from robustcvx.data.spec import Classes
from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError

_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_NPZ_HOW = ("save it with numpy.savez(PATH, X_train=X, y_train=y[, X_test=..., y_test=...]) "
            "or robustcvx.data.save_npz_task(PATH, X_train, y_train[, X_test, y_test]) for sparse X")
_SPARSE_KEYS = ("data", "indices", "indptr", "shape", "format")


def _sparse_from(archive: Any, prefix: str) -> Any:
    """The scipy.sparse matrix stored under ``prefix`` (``""`` or ``"X_train."``), or None."""
    keys = [prefix + k for k in _SPARSE_KEYS]
    if not all(k in archive.files for k in keys):
        return None
    import scipy.sparse as sp

    raw = archive[prefix + "format"].item()
    fmt = raw.decode("ascii") if isinstance(raw, bytes) else str(raw)
    if fmt not in ("csr", "csc"):
        raise DataError(f"sparse format {fmt!r} is not supported: store a CSR or CSC matrix")
    cls = sp.csr_matrix if fmt == "csr" else sp.csc_matrix
    shape = tuple(int(v) for v in archive[prefix + "shape"])
    return cls((archive[prefix + "data"], archive[prefix + "indices"], archive[prefix + "indptr"]), shape=shape).tocsr()


def save_npz_task(path: Any, X_train: Any, y_train: Any, X_test: Any = None, y_test: Any = None) -> None:
    """Write a task as an ``npz`` archive readable by ``npz:PATH`` (sparse matrices keep their sparsity)."""
    import io as _io

    from robustcvx.io import atomic_path

    arrays: dict[str, Any] = {"y_train": np.asarray(y_train)}
    for key, X in (("X_train", X_train), ("X_test", X_test)):
        if X is None:
            continue
        if hasattr(X, "tocsr"):
            M = X.tocsr()
            arrays.update({f"{key}.data": M.data, f"{key}.indices": M.indices, f"{key}.indptr": M.indptr,
                           f"{key}.shape": np.array(M.shape), f"{key}.format": np.array("csr")})
        else:
            arrays[key] = np.asarray(X)
    if y_test is not None:
        arrays["y_test"] = np.asarray(y_test)
    buf = _io.BytesIO()
    np.savez(buf, **arrays)
    with atomic_path(path, suffix=".npz") as tmp:
        tmp.write_bytes(buf.getvalue())


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_file(path: Path, kind: str) -> bytes:
    """Read a data file's bytes; DataError if missing, a folder or unreadable."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise DataError(f"{kind} file not found: {path}; check the path") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a {kind} file; pass the file itself") from None
    except OSError as exc:
        raise DataError(f"cannot read {kind} file {path}: {exc.strerror or exc}; "
                        "check the path and permissions") from None


def load_npz(path: Path, classes: Classes, name: str) -> BinaryTask | MulticlassTask:
    """``npz:PATH``: arrays ``X_train``, ``y_train`` and optionally ``X_test``, ``y_test``."""
    head = _read_file(path, "npz")[:6]
    if head.startswith(b"\x93NUMPY"):
        raise DataError(f"{path} is a single-array .npy file, not an .npz archive; {_NPZ_HOW}")
    if not head.startswith(_ZIP_MAGICS):
        raise DataError(f"{path} is not an .npz archive (not a zip file); {_NPZ_HOW}")
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.files)
            sparse_train = _sparse_from(archive, "X_train.")
            if sparse_train is None:
                sparse_train = _sparse_from(archive, "")
            if sparse_train is not None:
                arrays["X_train"] = sparse_train
            sparse_test = _sparse_from(archive, "X_test.")
            if sparse_test is not None:
                arrays["X_test"] = sparse_test
            missing = [k for k in ("X_train", "y_train") if k not in keys and k not in arrays]
            if missing:
                raise DataError(
                    f"{path} lacks {' and '.join(missing)} (it has: {', '.join(keys) or 'no arrays'}); {_NPZ_HOW}"
                )
            for key in ("X_train", "y_train", "X_test", "y_test"):
                if key in keys and key not in arrays:
                    arrays[key] = archive[key]
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"cannot read {path} as an .npz archive ({_one_line(exc)}); {_NPZ_HOW}") from None
    if ("X_test" in arrays) != ("y_test" in arrays):
        have = "X_test" if "X_test" in arrays else "y_test"
        raise DataError(f"{path} has {have} but not its partner; store both X_test and y_test, or neither")
    has_test = "X_test" in arrays
    return make_task(
        name=name, source=f"npz file {path}", classes=classes,
        X_train=arrays["X_train"], y_train=arrays["y_train"],
        X_test=arrays.get("X_test"), y_test=arrays.get("y_test"),
        split="train: X_train/y_train ({n_train}); test: X_test/y_test ({n_test})" if has_test
        else "X_train/y_train only ({n_train}); no test split",
        image_shape=None, what=f"npz file {path}",
    )


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _diagnose(rows: list[tuple[int, str]], path: Path) -> DataError:
    """A precise DataError for a csv that numpy could not parse (ragged or non-numeric)."""
    width = len(rows[0][1].split(","))
    if width == 1:
        for sep, label in ((";", "';'"), ("\t", "tabs"), (" ", "spaces")):
            if sep in rows[0][1].strip():
                return DataError(
                    f"csv file {path} seems to be separated by {label}; robustcvx reads comma-separated files "
                    "(numbers separated by ',', label last)"
                )
    for lineno, line in rows:
        fields = line.split(",")
        if len(fields) != width:
            return DataError(
                f"csv file {path} is ragged: line {lineno} has {len(fields)} fields but line {rows[0][0]} has {width}; "
                "every row needs the same number of comma-separated columns"
            )
        for col, field in enumerate(fields):
            if not _is_number(field):
                what = "label" if col == width - 1 else f"feature column {col + 1}"
                return DataError(
                    f"csv file {path}: line {lineno}, {what}: {field.strip()!r} is not a number; "
                    "the csv must be comma-separated numbers (label last), with at most one header row"
                )
    return DataError(f"csv file {path} could not be parsed as comma-separated numbers; check its format")


def read_csv_table(path: Path) -> tuple[np.ndarray, bool]:
    """Parse a numeric csv (gzipped or not) into a float64 table; returns ``(table, header_skipped)``."""
    data = _read_file(path, "csv")
    if data.startswith(b"\x1f\x8b"):
        try:
            data = zlib.decompress(data, wbits=31)
        except zlib.error as exc:
            raise DataError(
                f"csv file {path} is a corrupt or truncated gzip file ({_one_line(exc)}); re-download or replace it"
            ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"csv file {path} is not UTF-8 text ({_one_line(exc)}); "
                        "pass a comma-separated text file") from None
    rows = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    header = bool(rows) and not all(_is_number(f) for f in rows[0][1].split(","))
    if header:
        rows = rows[1:]
    if not rows:
        raise DataError(f"csv file {path} has no data rows; it needs rows of numbers with the label last")
    try:
        table = np.loadtxt([line for _, line in rows], delimiter=",", dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        raise _diagnose(rows, path) from None
    return table, header


def load_csv(path: Path, classes: Classes, name: str) -> BinaryTask | MulticlassTask:
    """``csv:PATH``: numeric, comma-separated, optional header row, label in the last column."""
    table, header = read_csv_table(path)
    if table.shape[1] < 2:
        raise DataError(f"csv file {path} has {table.shape[1]} column; it needs feature columns plus the label last")
    return make_task(
        name=name, source=f"csv file {path}" + (" (header row skipped)" if header else ""), classes=classes,
        X_train=table[:, :-1], y_train=table[:, -1], X_test=None, y_test=None,
        split="all rows of the csv ({n_train}); no test split", image_shape=None, what=f"csv file {path}",
    )
