"""``robustcvx bound``: the smallest robust error any classifier can reach on a data split."""

from __future__ import annotations

import argparse

from .common import add_data_args, add_json_arg, load, parse_float_list, pct, print_json, print_notes

SPLITS = ("train", "test")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bound", help="the best robust error any classifier (linear or not) can reach",
                       description="The minimum fraction of samples that every classifier gets wrong under the "
                                   "l_p threat of radius epsilon: a maximum matching of the conflict graph (samples "
                                   "of different classes within 2 epsilon), exact for two classes (Konig). The "
                                   "pixel box [0,1] does not change it.")
    add_data_args(p)
    p.add_argument("--norm", default="inf", metavar="{inf,2,1}", help="threat norm p (default inf)")
    p.add_argument("--epsilon", required=True, help="comma-separated radii, e.g. 0.1,0.2,0.3")
    p.add_argument("--split", default="train", help="train (default) or test")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bound import bound_report
    from ..errors import OptionError
    from ..threats import parse_norm

    eps = parse_float_list(args.epsilon, "--epsilon")
    norm = parse_norm(args.norm)
    if args.split not in SPLITS:
        raise OptionError(f"--split must be train or test, got {args.split!r}")
    task = load(args, notes=False)
    report = bound_report(task, eps, norm=norm, split=args.split)
    print_notes(task)
    if args.json:
        print_json(report)
        return 0
    kind = "exact (maximum matching, Konig)" if report["exact"] else "lower bound (best split of the classes)"
    print(f"data   {report['data']}, {report['split']} split, {report['n']} samples; threat l_{report['norm']}; "
          f"{kind}")
    print(f"{'epsilon':>10} {'min robust error':>17} {'matching':>9}")
    for r in report["results"]:
        print(f"{r['epsilon']:>10g} {pct(r['min_robust_error']):>17} {r['matching']:>9}")
    return 0
