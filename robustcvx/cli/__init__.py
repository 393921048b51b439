"""The ``robustcvx`` command line (thin: parsing, calling the API, printing).

Every command lives in its own module ``robustcvx.cli.<name>`` exposing
``register(subparsers)``, which adds its parser and sets ``func(args) -> int``.
Errors in the input exit with code 2 and one line on stderr; Ctrl-C exits with 130.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import RobustCVXError, InputTypeError, SolverError

COMMANDS = ("solve", "certify", "compare", "reproduce", "bench")


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except (RobustCVXError, InputTypeError) as exc:
        print(f"robustcvx: error: {exc}", file=sys.stderr)
        return 2
    except SolverError as exc:
        print(f"robustcvx: solver failure: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("robustcvx: interrupted; no partial output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
