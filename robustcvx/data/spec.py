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
    "mnist:A,B, fashion-mnist:A,B, mnist-sample:A,B (digit classes, e.g. mnist:0,1; A,B,C,... or all for "
    "multiclass), "
    "idx:DIR[:A,B], npz:PATH[:A,B], csv:PATH[:A,B], svmlight:TRAIN[,TEST][:A,B]"
)

_CLASS_LIST = re.compile(r"^\s*([+-]?\d+\s*(?:,\s*[+-]?\d+\s*)+)$")
_SUFFIX = re.compile(r"^(.*):\s*([+-]?\d+\s*(?:,\s*[+-]?\d+\s*)+|all)\s*$", re.DOTALL | re.IGNORECASE)

#: the classes part of a spec: two or more class labels (``A,B`` is binary, ``A,B,C,...`` multiclass) or "all"
Classes = tuple[int, ...] | str | None


def _parse_classes(text: str, spec: str) -> tuple[int, ...] | str:
    text = text.strip()
    if text.lower() == "all":
        return "all"
    classes = tuple(int(t) for t in text.split(","))
    if len(set(classes)) != len(classes):
        twice = next(c for c in classes if classes.count(c) > 1)
        raise DataError(f"data spec {spec!r} names class {twice} twice; list each class once, "
                        f"e.g. ':{twice},{twice + 1}'")
    return classes


def parse_spec(spec: str) -> tuple[str, str | None, Classes]:
    """Split a data spec into ``(source, path_or_None, classes)``.

    ``classes`` is a tuple of two or more class labels (two: a binary task, the first labelled -1; more:
    a multiclass task, in that order), ``"all"`` (every class present), or ``None`` (path sources without a
    suffix: binary labels as given, or every class when there are more than two).  Classes are parsed only
    as a final ``:INT,INT[,...]`` or ``:all`` suffix, so paths may contain ':'.  ``path`` has ``~``
    expanded.  Raises DataError for unknown sources or bad forms.
    """
    if not isinstance(spec, str):
        raise InputTypeError(f"data spec must be a string such as 'mnist:0,1', got {type(spec).__name__}")
    text = spec.strip()
    source, sep, rest = text.partition(":")
    source = source.strip().lower()
    if source in IMAGE_SOURCES:
        ok = sep and (rest.strip().lower() == "all" or _CLASS_LIST.match(rest))
        if not ok:
            raise DataError(
                f"data spec {spec!r}: {source} needs its classes as {source}:A,B (binary), {source}:A,B,C,... "
                f"or {source}:all (multiclass), e.g. {source}:0,1"
            )
        classes = _parse_classes(rest, spec)
        for c in () if classes == "all" else classes:
            if not 0 <= c <= 9:
                raise DataError(
                    f"data spec {spec!r}: class {c} does not exist; {source} classes are the digits 0-9, "
                    f"e.g. {source}:0,1"
                )
        return source, None, classes
    if source in PATH_SOURCES:
        what = "DIR" if source == "idx" else "PATH"
        classes: Classes = None
        match = _SUFFIX.match(rest)
        if match is not None:
            rest = match[1]
            classes = _parse_classes(match[2], spec)
        path = rest.strip()
        if not path:
            raise DataError(f"data spec {spec!r} has no path; use {source}:{what}[:A,B]")
        return source, os.path.expanduser(path), classes
    raise DataError(f"unknown data spec {spec!r}; valid forms: {VALID_FORMS}")


def format_spec(source: str, path: str | None, classes: Classes) -> str:
    """The normalised spec string, e.g. ``mnist-sample:0,1``, ``mnist-sample:all`` or ``csv:/data/x.csv:3,8``."""
    parts = [source]
    if path is not None:
        parts.append(path)
    if classes is not None:
        parts.append(classes if isinstance(classes, str) else ",".join(str(c) for c in classes))
    return ":".join(parts)
