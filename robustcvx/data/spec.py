"""Parsing data spec strings such as ``mnist:0,1`` or ``csv:~/data.csv:3,8``."""

from __future__ import annotations

import os
import re

from robustcvx.errors import DataError, InputTypeError

#: Sources whose spec is ``SOURCE:A,B`` (two digit classes, required).
IMAGE_SOURCES = ("mnist", "fashion-mnist", "mnist-sample")
#: Sources whose spec is ``SOURCE:PATH`` with an optional ``:A,B`` suffix.
PATH_SOURCES = ("idx", "npz", "csv", "svmlight")

VALID_FORMS = (
    "mnist:A,B, fashion-mnist:A,B, mnist-sample:A,B (digit classes, e.g. mnist:0,1), "
    "idx:DIR[:A,B], npz:PATH[:A,B], csv:PATH[:A,B], svmlight:TRAIN[,TEST][:A,B]"
)

_DIGITS = re.compile(r"^\s*(\d+)\s*,\s*(\d+)\s*$")
_SUFFIX = re.compile(r"^(.*):\s*([+-]?\d+)\s*,\s*([+-]?\d+)\s*$", re.DOTALL)


def _check_distinct(a: int, b: int, spec: str) -> tuple[int, int]:
    if a == b:
        raise DataError(f"data spec {spec!r} names class {a} twice; pick two different classes, e.g. ':{a},{a + 1}'")
    return a, b


def parse_spec(spec: str) -> tuple[str, str | None, tuple[int, int] | None]:
    """Split a data spec into ``(source, path_or_None, classes_or_None)``.

    ``path`` has ``~`` expanded; ``classes`` are parsed only as a final ``:INT,INT``
    suffix, so paths may contain ':'. Raises DataError for unknown sources or bad forms.
    """
    if not isinstance(spec, str):
        raise InputTypeError(f"data spec must be a string such as 'mnist:0,1', got {type(spec).__name__}")
    text = spec.strip()
    source, sep, rest = text.partition(":")
    source = source.strip().lower()
    if source in IMAGE_SOURCES:
        match = _DIGITS.match(rest) if sep else None
        if match is None:
            raise DataError(
                f"data spec {spec!r}: {source} needs two digit classes as {source}:A,B, e.g. {source}:0,1"
            )
        classes = _check_distinct(int(match[1]), int(match[2]), spec)
        for c in classes:
            if c > 9:
                raise DataError(
                    f"data spec {spec!r}: class {c} does not exist; {source} classes are the digits 0-9, "
                    f"e.g. {source}:0,1"
                )
        return source, None, classes
    if source in PATH_SOURCES:
        what = "DIR" if source == "idx" else "PATH"
        classes = None
        match = _SUFFIX.match(rest)
        if match is not None:
            rest = match[1]
            classes = _check_distinct(int(match[2]), int(match[3]), spec)
        path = rest.strip()
        if not path:
            raise DataError(f"data spec {spec!r} has no path; use {source}:{what}[:A,B]")
        return source, os.path.expanduser(path), classes
    raise DataError(f"unknown data spec {spec!r}; valid forms: {VALID_FORMS}")


def format_spec(source: str, path: str | None, classes: tuple[int, int] | None) -> str:
    """The normalised spec string, e.g. ``mnist-sample:0,1`` or ``csv:/data/x.csv:3,8``."""
    parts = [source]
    if path is not None:
        parts.append(path)
    if classes is not None:
        parts.append(f"{classes[0]},{classes[1]}")
    return ":".join(parts)
