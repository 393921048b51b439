"""The grid of a sweep: which cells to run.

A cell is one (data spec, threat norm, epsilon, method, seed) combination; ``exact`` cells ignore the
seed (the certified optimum is deterministic).  ``mnist-sample:pairs`` (and ``SOURCE:pairs`` for the
digit data sets) expands to every pair ``A < B`` of the ten classes: 45 specs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import OptionError
from ..threats import accepts_box, parse_norm
from ..validation import check_box, check_epsilons, check_number

#: methods a cell can run: the exact optimum or one of the PyTorch baselines
METHODS = ("exact", "sgd", "adam", "fgsm", "pgd")
DIGIT_SOURCES = ("mnist", "mnist-sample", "fashion-mnist")


def expand_specs(specs: list[str]) -> list[str]:
    """``SOURCE:pairs`` -> the 45 specs ``SOURCE:A,B`` (``A < B``); other specs unchanged, order kept."""
    out: list[str] = []
    for spec in specs:
        source, _, rest = str(spec).strip().partition(":")
        if rest.strip().lower() == "pairs":
            if source.lower() not in DIGIT_SOURCES:
                raise OptionError(f"{spec!r}: ':pairs' is for the ten-class digit data sets "
                                  f"({', '.join(DIGIT_SOURCES)})")
            out += [f"{source}:{a},{b}" for a in range(10) for b in range(a + 1, 10)]
        else:
            out.append(str(spec).strip())
    if not out:
        raise OptionError("a sweep needs at least one data spec")
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Cell:
    """One cell of the grid (what is run, not how long it took)."""

    data: str
    norm: str
    epsilon: float
    method: str
    seed: int
    box: tuple[float, float] | None = None
    l1: float = 0.0
    l2: float = 0.0
    epochs: int = 100
    lr: float = 0.1
    batch_size: int = 100

    def key(self) -> str:
        """A stable identifier: a finished cell with this key is not run again."""
        text = json.dumps(asdict(self), sort_keys=True, default=list)
        return hashlib.sha1(text.encode()).hexdigest()[:16]

    def problem_key(self) -> tuple:
        """Cells that share the training problem (and so the certified optimum)."""
        return (self.data, self.norm, self.epsilon, self.box, self.l1, self.l2)


@dataclass(frozen=True)
class SweepConfig:
    """What to sweep over (validated by :meth:`cells`)."""

    data: tuple[str, ...]
    epsilons: tuple[float, ...] = (0.0, 0.1)
    norms: tuple[str, ...] = ("inf",)
    methods: tuple[str, ...] = ("exact", "sgd")
    seeds: tuple[int, ...] = (0,)
    box: Any = None
    l1: float = 0.0
    l2: float = 0.0
    epochs: int = 100
    lr: float = 0.1
    batch_size: int = 100
    data_dir: str | None = None
    extra: dict = field(default_factory=dict)

    def cells(self) -> list[Cell]:
        specs = expand_specs(list(self.data))
        eps = [float(e) for e in check_epsilons(list(self.epsilons))]
        norms = list(dict.fromkeys(parse_norm(n) for n in self.norms))
        methods = [str(m).strip().lower() for m in self.methods]
        bad = [m for m in methods if m not in METHODS]
        if bad or not methods:
            raise OptionError(f"unknown method {bad[0] if bad else ''!r}: use some of {', '.join(METHODS)}")
        seeds = [int(s) for s in self.seeds]
        if not seeds or any(s < 0 for s in seeds):
            raise OptionError("seeds must be integers >= 0, at least one")
        box = check_box(self.box)
        l1, l2 = check_number(self.l1, "l1"), check_number(self.l2, "l2")
        for name, value in (("epochs", self.epochs), ("batch size", self.batch_size)):
            if int(value) != value or value < 1:
                raise OptionError(f"{name} must be a positive integer, got {value!r}")
        lr = check_number(self.lr, "learning rate")
        out = []
        for spec in specs:
            for norm in norms:
                for e in eps:
                    for m in dict.fromkeys(methods):
                        for seed in ([0] if m == "exact" else seeds):
                            out.append(Cell(spec, norm, e, m, seed, box if accepts_box(norm) else None, l1, l2,
                                            int(self.epochs), lr, int(self.batch_size)))
        return out
