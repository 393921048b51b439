"""Benchmark workloads: one :class:`Workload` per problem, as a user would pose it.

A workload names its data (a :func:`robustcvx.data.load_task` spec), the problem options of
``robustcvx solve`` and how the exact solver is timed: ``"cli"`` (the whole
``python -m robustcvx solve --data ... --json`` process, imports, loading and evaluation
included) or ``"api"`` (:func:`robustcvx.solvers.solve` on data already in memory).  Either way
it is compared with 100 torch SGD epochs on the *same* objective, timed in the same run.  A new
workload (another data set, a multiclass task, an epsilon path) is one more entry in a list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FASHION_DIR = "/usr/share/datasets/fashion-mnist"
#: issue 14's sparse row: 10^5 samples, 10^5 features, density 10^-3 (:mod:`.synthetic`)
SPARSE = "synthetic-sparse:100000,100000,0.001,0"

#: the six problems of issue 11: (name, options of ``robustcvx solve``)
PROBLEMS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("linf eps=0.1", {"epsilon": 0.1}),
    ("linf+box eps=0.1", {"epsilon": 0.1, "box": (0.0, 1.0)}),
    ("regular eps=0", {"epsilon": 0.0}),
    ("l1 eps=2", {"epsilon": 2.0, "norm": "1"}),
    ("l2 eps=1", {"epsilon": 1.0, "norm": "2"}),
    ("linf eps=0.1 l2=1e-3", {"epsilon": 0.1, "l2": 1e-3}),
)


@dataclass(frozen=True)
class Workload:
    """One timed problem (see the module docstring)."""

    name: str
    data: str
    options: dict = field(default_factory=dict)
    mode: str = "cli"
    quick: bool = False
    #: seconds a CLI solve may run; one that runs longer is reported unfinished, with the ratio it exceeded
    timeout: float = 900.0
    #: at most this many interleaved repeats (a row whose SGD alone takes minutes runs once)
    max_repeats: int | None = None

    @property
    def epsilon(self) -> float:
        return float(self.options.get("epsilon", 0.0))

    def problem_kwargs(self) -> dict[str, Any]:
        o = self.options
        return {"epsilon": self.epsilon, "norm": o.get("norm", "inf"), "box": o.get("box"),
                "l1": float(o.get("l1", 0.0)), "l2": float(o.get("l2", 0.0))}

    def cli_args(self) -> list[str]:
        """``robustcvx solve`` arguments for this workload (default tie-break and solver)."""
        o = self.options
        args = ["solve", "--data", self.data, "--epsilon", f"{self.epsilon:g}"]
        if o.get("norm", "inf") != "inf":
            args += ["--norm", str(o["norm"])]
        if o.get("box") is not None:
            args += ["--box", ",".join(f"{v:g}" for v in o["box"])]
        for key in ("l1", "l2"):
            if o.get(key):
                args += [f"--{key}", f"{o[key]:g}"]
        return args + ["--json"]

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "data": self.data, "mode": self.mode,
                "problem": {**self.problem_kwargs(), "box": list(self.options["box"]) if self.options.get("box")
                            else None}}


def default_workloads(fashion_dir: str = FASHION_DIR) -> list[Workload]:
    """The issue-11 table on the full Fashion-MNIST T-shirt/Trouser training set (whole CLI
    process), the same problems on the bundled MNIST 0-vs-1 sample (in process), a sparse
    text-like problem with 10^5 samples and 10^5 features (whole CLI process) and the ten-class
    Fashion-MNIST joint problem (issue 12, whole CLI process)."""
    out = [Workload(f"fashion 0v1 {name}", f"idx:{fashion_dir}:0,1", opts, "cli") for name, opts in PROBLEMS]
    out += [Workload(f"mnist-sample 0v1 {name}", "mnist-sample:0,1", opts, "api", quick=True)
            for name, opts in PROBLEMS]
    out.append(Workload("sparse text-like 1e5 x 1e5 linf eps=0.01", SPARSE, {"epsilon": 0.01}, "cli"))
    out.append(ten_class_workload(fashion_dir))
    return out


def ten_class_workload(fashion_dir: str = FASHION_DIR) -> Workload:
    """Issue 12's row: the joint (Crammer--Singer) exact solve on Fashion-MNIST, all ten classes, full training
    set, l_inf eps=0.1, whole CLI process; SGD runs on the same joint objective.  100 SGD epochs take minutes
    here, so the row runs once, and the solve gets 600 s: unfinished by then, the row reports the ratio it
    exceeded."""
    return Workload("fashion all-classes linf eps=0.1", f"idx:{fashion_dir}:all", {"epsilon": 0.1}, "cli",
                    timeout=600.0, max_repeats=1)
