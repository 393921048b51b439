"""Exceptions raised by robustcvx.

Every user-facing problem (bad data, bad option, unreadable file) is raised as a
subclass of :class:`RobustCVXError`, which is itself a ``ValueError`` (or a
``TypeError`` for wrong types), so callers of the Python API can catch the
standard exceptions, and the CLI turns them into one line on stderr with exit
code 2.  Messages say what is wrong *and* how to fix it, in one line.
"""

from __future__ import annotations


class RobustCVXError(ValueError):
    """Base class: invalid input or option (one-line, user-facing message)."""


class DataError(RobustCVXError):
    """A dataset or data file cannot be used (missing, corrupt, wrong labels, ...)."""


class ModelFileError(RobustCVXError):
    """A saved model file is unreadable, incomplete or does not match the data."""


class OptionError(RobustCVXError):
    """An option value is out of range or unknown (epsilon, norm, solver, box, ...)."""


class InputTypeError(TypeError):
    """An argument has the wrong type (e.g. a string where a number is needed)."""


class SolverError(RuntimeError):
    """No backend produced a point that the package's own certificate verifies."""
