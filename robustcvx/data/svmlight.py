"""``svmlight:TRAIN[,TEST][:A,B]``: LIBSVM / svmlight text files (the format SVM data sets ship in).

Read with :func:`sklearn.datasets.load_svmlight_files`, so zero-based and one-based feature
indices are handled as scikit-learn does (auto-detected), comment lines and ``qid`` are accepted,
and a training and a test file share one feature count.  The features stay sparse (CSR).  Labels
must be binary (0/1 or -1/+1) unless ``:A,B`` selects two classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from robustcvx.data.prepare import make_task
from robustcvx.data.spec import Classes
from robustcvx.data.task import BinaryTask, MulticlassTask
from robustcvx.errors import DataError


def split_paths(text: str) -> tuple[Path, Path | None]:
    """``TRAIN`` or ``TRAIN,TEST`` (a comma separates two files unless the whole text names a file)."""
    whole = Path(text)
    if whole.exists() or "," not in text:
        return whole, None
    train, _, test = text.rpartition(",")
    return Path(train.strip()), Path(test.strip())


def load_svmlight(text: str, classes: Classes, name: str) -> BinaryTask | MulticlassTask:
    from sklearn.datasets import load_svmlight_files

    train, test = split_paths(text)
    for p in (train, test):
        if p is None:
            continue
        if not p.exists():
            raise DataError(f"svmlight file not found: {p}; check the path")
        if p.is_dir():
            raise DataError(f"{p} is a folder, not an svmlight file; pass the file itself")
    files = [str(train)] + ([str(test)] if test is not None else [])
    try:
        parts = load_svmlight_files(files, dtype=np.float64)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        reason = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise DataError(f"cannot read {', '.join(files)} as svmlight / LIBSVM text ({reason}); each line must be "
                        "'label index:value index:value ...'") from None
    X, y = parts[0], parts[1]
    X_test, y_test = (parts[2], parts[3]) if test is not None else (None, None)
    return make_task(
        name=name, source=f"svmlight file{'s' if test else ''} {', '.join(files)}", classes=classes,
        X_train=X, y_train=y, X_test=X_test, y_test=y_test,
        split=("train: " + str(train) + " ({n_train}); test: " + str(test) + " ({n_test})") if test is not None
        else f"{train} only ({{n_train}}); no test split",
        image_shape=None, what=f"svmlight data {', '.join(files)}",
    )
