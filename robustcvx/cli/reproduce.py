"""``robustcvx reproduce``: the original study's figures and tables, exact optimum beside SGD."""

from __future__ import annotations

import argparse
import sys

from .common import parse_float_list


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "reproduce", help="re-make the study's figures and tables (regular vs robust, exact vs SGD)",
        description="Train the regular and robust hinge models exactly (certified optimum) and with SGD, evaluate "
                    "them (clean, certified and attacked accuracy, on the test and training splits), and write the "
                    "figures (11 for pixel data, 10 otherwise), summary.csv, summary.json and a README.md (with the "
                    "study's claims checked) into the output folder. With three or more classes "
                    "(e.g. --data mnist-sample:all) it trains the exact Crammer-Singer model at eps 0 and at one "
                    "robust radius (default 0.1), exact "
                    "one-vs-rest, SGD on the same joint hinge, softmax and PGD-trained softmax, and writes the "
                    "weight images, certified vs PGD accuracy against eps, SGD's gap to the optimum, summary.csv, "
                    "summary.json, models.npz and README.md.")
    p.add_argument("--data", default="mnist:0,1", metavar="SPEC",
                   help="data spec (default mnist:0,1; offline it falls back to the bundled 5,000-digit sample, "
                        "tested on the official MNIST test set when found in --data-dir)")
    p.add_argument("--data-dir", default=None, metavar="DIR",
                   help="where datasets are looked for (default: $ROBUSTCVX_DATA_DIR or ~/.cache/robustcvx)")
    p.add_argument("--epsilon", nargs="+", default=None, metavar="E",
                   help="robust training radii, space- or comma-separated (default: 0.05 0.1 0.2; --quick: 0.1); "
                        "the regular model (eps 0) is always trained")
    p.add_argument("--eval-epsilon", default=None, metavar="E,E,...",
                   help="radii of the accuracy columns (default 0,0.05,0.1,0.15,0.2,0.25,0.3)")
    p.add_argument("--epochs", type=int, default=None, help="SGD epochs (default 100; --quick: 3)")
    p.add_argument("--batch-size", type=int, default=100, help="SGD batch size (default 100)")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
    p.add_argument("--seed", type=int, default=0, help="seed of SGD and of sampled splits (default 0)")
    p.add_argument("--solver", default="auto", help="exact solver: auto | fast | highs | clarabel (default auto)")
    p.add_argument("--sgd-schedule", default="none", metavar="S",
                   help="SGD learning-rate schedule: none (constant, the study's) | cosine | step | inv-sqrt "
                        "(default none)")
    p.add_argument("--sgd-average", default="tail", metavar="A",
                   help="iterate averaging reported beside SGD's last iterate: none | all | tail (the mean of "
                        "the last half of the epochs; default tail); the model shown stays the last iterate")
    p.add_argument("--max-train", type=int, default=None, dest="max_train", metavar="N",
                   help="train on a seeded stratified subsample of at most N training samples (every class keeps "
                        "its share; --seed picks it); the evaluation split is unchanged (default: every sample)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default results/<data>, e.g. results/mnist-0-1)")
    p.add_argument("--quick", action="store_true", help="small grid and 3 epochs (tests, CI)")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.set_defaults(func=run)


def _config(args: argparse.Namespace):
    """The :class:`~robustcvx.reproduce.ReproduceConfig` named by the parsed options."""
    from ..errors import OptionError
    from ..reproduce import ReproduceConfig

    eps = None
    if args.epsilon is not None:
        eps = tuple(v for text in args.epsilon for v in parse_float_list(text, "--epsilon"))
    ev = tuple(parse_float_list(args.eval_epsilon, "--eval-epsilon")) if args.eval_epsilon is not None else None
    if args.batch_size < 1:
        raise OptionError(f"--batch-size must be >= 1, got {args.batch_size}")
    if not args.lr > 0:
        raise OptionError(f"--lr must be > 0, got {args.lr}")
    return ReproduceConfig(data=args.data, data_dir=args.data_dir, epsilons=eps, eval_epsilons=ev,
                           epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                           solver=args.solver, out=args.out, quick=args.quick, sgd_schedule=args.sgd_schedule,
                           sgd_average=args.sgd_average, max_train=args.max_train)


def run(args: argparse.Namespace) -> int:
    from .. import reproduce

    result = reproduce.run(_config(args), progress=not args.quiet)
    print(f"wrote {len(result.figures)} figures, summary.csv, summary.json and README.md to {result.out} "
          f"in {result.seconds:.1f} s")
    sys.stdout.flush()
    return 0
