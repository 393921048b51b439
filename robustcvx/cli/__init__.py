"""The ``robustcvx`` command line (thin: parsing, calling the API, printing).

Every command lives in its own module ``robustcvx.cli.<name>`` exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Errors in the input exit with code 2 and one line on stderr; a solver failure or an internal
error with code 1 (one line too); Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from .. import __version__
from ..errors import InputTypeError, RobustCVXError, SolverError

COMMANDS = ("solve", "certify", "compare", "reproduce", "bench", "sweep", "path", "bound")


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line (exit 2) instead of usage + message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"robustcvx: error: {message} (see 'robustcvx {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"robustcvx: error: {message} (see 'robustcvx --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="robustcvx", description="Exact robust training and certification of linear classifiers.")
    parser.add_argument("--version", action="version", version=f"robustcvx {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    """An exception's message on one line (backend messages may span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr closed: nothing more we can do
        print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input, 130 Ctrl-C).

    Set ``ROBUSTCVX_DEBUG=1`` to get the traceback of an unexpected internal error.
    """
    import signal
    import threading

    from ..io import mark_interrupted

    def on_sigint(signum: int, frame: object) -> None:
        mark_interrupted()
        raise KeyboardInterrupt

    own = threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if own:
        signal.signal(signal.SIGINT, on_sigint)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _say("robustcvx: interrupted; no file was left half-written")
        return 130
    finally:
        if own:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def _main(argv: list[str] | None) -> int:
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # usage error (2), --help or --version (0)
            return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        if not getattr(args, "func", None):
            parser.print_help(sys.stderr)
            return 2
        return int(args.func(args) or 0)
    except (RobustCVXError, InputTypeError) as exc:
        _say(f"robustcvx: error: {_one_line(exc)}")
        return 2
    except SolverError as exc:
        _say(f"robustcvx: solver failure: {_one_line(exc)}")
        return 1
    except BrokenPipeError:  # e.g. `robustcvx ... | head`: stop quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # a bug: one line, not a traceback (ROBUSTCVX_DEBUG=1 shows it)
        if os.environ.get("ROBUSTCVX_DEBUG"):
            raise
        _say(f"robustcvx: internal error: {type(exc).__name__}: {_one_line(exc)} "
             "(please report it; rerun with ROBUSTCVX_DEBUG=1 for the traceback)")
        return 1
