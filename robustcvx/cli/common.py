"""Options and output helpers shared by the commands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import OptionError


def add_data_args(p: argparse.ArgumentParser, required: bool = True) -> None:
    p.add_argument("--data", required=required, metavar="SPEC",
                   help="mnist:A,B | fashion-mnist:A,B | mnist-sample:A,B | idx:DIR:A,B | npz:PATH | csv:PATH")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where datasets are cached / looked for (default: $ROBUSTCVX_DATA_DIR or ~/.cache/robustcvx)")
    p.add_argument("--seed", type=int, default=0, help="seed for sampled splits and baselines (default 0)")


def add_threat_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--norm", default="inf", metavar="{inf,2,1}", help="threat norm p (default inf)")
    p.add_argument("--box", default=None, metavar="LO,HI",
                   help="data domain for the inf-norm threat, e.g. 0,1 (pixels); perturbed inputs stay inside "
                        "(negative bounds: --box=-1,1)")


def add_json_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="end stdout with one JSON object")


def load(args: argparse.Namespace, notes: bool = True):
    """Load the task named by ``--data`` and print its notices on stderr (``notes=False``: the caller
    prints them with :func:`print_notes` once the rest of the input is validated, so that a bad
    option still gives exactly one line on stderr)."""
    from ..data import load_task

    task = load_task(args.data, data_dir=args.data_dir, seed=args.seed)
    if notes:
        print_notes(task)
    return task


def print_notes(task) -> None:
    for note in task.notes:
        print(note, file=sys.stderr)


def parse_float_list(text: str, name: str) -> list[float]:
    """``"0,0.1,0.2"`` -> ``[0.0, 0.1, 0.2]`` (each >= 0 and finite)."""
    from ..validation import check_epsilon

    parts = [t for t in str(text).replace(" ", "").split(",") if t != ""]
    if not parts:
        raise OptionError(f"{name} needs at least one number, e.g. 0,0.1,0.2")
    out = []
    for t in parts:
        try:
            out.append(check_epsilon(t))
        except (ValueError, TypeError):
            raise OptionError(f"{name} must be comma-separated numbers >= 0, got {text!r}") from None
    return out


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, allow_nan=False) + "\n")
    sys.stdout.flush()


def pct(x: float) -> str:
    return f"{100 * x:6.2f}%"
