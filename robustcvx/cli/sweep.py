"""``robustcvx sweep``: run a grid of data specs x radii x threats x methods; one row per cell."""

from __future__ import annotations

import argparse
import sys

from .common import parse_float_list


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="a grid of problems and methods, one row per cell (joblib or Dask)",
                       description="Run every cell of a grid (data specs x norms x radii x methods x seeds) and write "
                                   "one row per cell to --out (CSV, or Parquet with pyarrow). Cells already in --out "
                                   "are skipped, so an interrupted sweep is restarted by running it again.")
    p.add_argument("--data", required=True, action="append", metavar="SPEC",
                   help="a data spec (repeat for several); SOURCE:pairs means every digit pair, "
                        "e.g. mnist-sample:pairs")
    p.add_argument("--data-dir", default=None, metavar="DIR", help="where datasets are looked for (as in solve)")
    p.add_argument("--epsilon", default="0,0.1", help="comma-separated radii (default 0,0.1)")
    p.add_argument("--norm", default="inf", help="comma-separated threat norms from inf,2,1 (default inf)")
    p.add_argument("--box", default=None, metavar="LO,HI", help="data domain for the inf-norm cells, e.g. 0,1")
    p.add_argument("--l1", default="0", help="l1 regularisation (default 0)")
    p.add_argument("--l2", default="0", help="l2 regularisation (default 0)")
    p.add_argument("--methods", default="exact,sgd",
                   help="comma-separated from exact,sgd,adam,fgsm,pgd (default exact,sgd)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds of the baselines (default 0)")
    p.add_argument("--epochs", type=int, default=100, help="baseline epochs (default 100)")
    p.add_argument("--lr", default="0.1", help="baseline learning rate (default 0.1)")
    p.add_argument("--batch-size", type=int, default=100, dest="batch_size", help="baseline batch size (default 100)")
    p.add_argument("--out", required=True, metavar="FILE", help="the table: .csv, or .parquet (needs pyarrow)")
    p.add_argument("--backend", default="joblib", help="sequential | joblib | dask (default joblib: local processes)")
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a Dask scheduler address (implies --backend dask); default: a LocalCluster of --jobs workers")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import OptionError
    from ..sweep import SweepConfig, run_sweep
    from ..sweep.table import check_output

    try:
        seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    except ValueError:
        raise OptionError(f"--seeds must be comma-separated integers, got {args.seeds!r}") from None
    config = SweepConfig(data=tuple(args.data), epsilons=tuple(parse_float_list(args.epsilon, "--epsilon")),
                         norms=tuple(n for n in args.norm.split(",") if n.strip()),
                         methods=tuple(m for m in args.methods.split(",") if m.strip()), seeds=seeds, box=args.box,
                         l1=args.l1, l2=args.l2, epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                         data_dir=args.data_dir)
    cells = config.cells()                    # every option checked before any work
    check_output(args.out)
    rows = run_sweep(config, args.out, backend=args.backend, jobs=args.jobs, scheduler=args.scheduler,
                     progress=not args.no_progress)
    failed = [r for r in rows if r.get("error")]
    print(f"{len(rows)} rows in {args.out} ({len(cells)} cells); {len(failed)} with an error", file=sys.stderr)
    return 0
