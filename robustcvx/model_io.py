"""Saved models: one JSON object (``robustcvx solve --save``), read back by ``certify``.

Fields: ``format`` ("robustcvx-linear-model"), ``version`` (1), ``coef`` (list; a multiclass model: one list
per class, with ``classes``, the label of each row), ``intercept`` (a number, or one per class),
``objective``, ``certificate``, ``problem`` (epsilon, norm, box, l1, l2), ``data``
(name, n, d, classes, split), ``solver``, ``seconds``.  Only ``coef`` and ``intercept`` are needed
to certify, so any linear model can be written in this form by hand.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from .errors import ModelFileError
from .io import write_json
from .linear import as_linear, as_multiclass, is_multiclass

FORMAT = "robustcvx-linear-model"


def save_model(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Write ``record`` (must hold coef/intercept) atomically, tagged with the format."""
    as_multiclass(record) if is_multiclass(record) else as_linear(record)
    write_json(path, {"format": FORMAT, "version": 1, **record})


def load_model(path: str | os.PathLike) -> tuple[np.ndarray, Any, dict]:
    """``(w, b, record)`` from a model file (multiclass: ``(W, b, record)`` with ``W`` of shape ``(K, d)``);
    ModelFileError with one clear line otherwise."""
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as fh:
            record = json.load(fh)
    except FileNotFoundError:
        raise ModelFileError(f"model file {path} not found: create one with "
                             f"'robustcvx solve ... --save {path}'") from None
    except IsADirectoryError:
        raise ModelFileError(f"model file {path} is a folder, not a JSON file") from None
    except PermissionError:
        raise ModelFileError(f"model file {path} is not readable (permission denied)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"model file {path} is not valid JSON ({getattr(exc, 'msg', exc)})") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    if not isinstance(record, dict):
        raise ModelFileError(f"model file {path} must hold a JSON object with 'coef' and 'intercept'")
    try:
        w, b = as_multiclass(record)[:2] if is_multiclass(record) else as_linear(record)
    except (ModelFileError, TypeError, ValueError) as exc:
        raise ModelFileError(f"model file {path}: {exc}") from None
    if w.size == 0:
        raise ModelFileError(f"model file {path} has an empty 'coef'")
    return w, b, record


def check_model_matches(path: str | os.PathLike, w: np.ndarray, record: dict, task: Any) -> None:
    """ModelFileError naming the file (and the data it was trained on) if ``w`` does not fit ``task``."""
    d = task.evaluation_split()[0].shape[1]
    if w.shape[-1] == d:
        return
    data = record.get("data") if isinstance(record, dict) else None
    trained = data.get("name") if isinstance(data, dict) else None
    hint = f"it was trained on {trained}; certify it on that data" if isinstance(trained, str) and trained \
        else "use the data the model was trained on"
    per = " per class" if w.ndim == 2 else ""
    raise ModelFileError(f"model file {path} has {w.shape[-1]} weights{per} but {task.name} has {d} features: {hint}")
