"""``robustcvx certify``: exact certified and attacked accuracy of a saved linear model."""

from __future__ import annotations

import argparse

from .common import add_data_args, add_json_arg, add_threat_args, load, parse_float_list, pct, print_json, print_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("certify", help="exact certified / attacked accuracy of a linear model at given radii",
                       description="Certify a saved linear model exactly (any (w, b), not only ours) on the "
                                   "test split when the data has one, else the training split.")
    p.add_argument("--model", required=True, metavar="MODEL.json", help="a file written by 'solve --save' "
                   "(or any JSON object with coef and intercept)")
    add_data_args(p)
    p.add_argument("--epsilon", default="0", help="comma-separated radii, e.g. 0,0.05,0.1 (default 0)")
    add_threat_args(p)
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..evaluation import certify_model
    from ..model_io import check_model_matches, load_model
    from ..threats import parse_norm
    from ..validation import check_box

    w, b, record = load_model(args.model)
    eps = parse_float_list(args.epsilon, "--epsilon")
    norm, box = parse_norm(args.norm), check_box(args.box)
    task = load(args, notes=False)
    check_model_matches(args.model, w, record, task)
    model = record if w.ndim == 2 else (w, b)
    report = certify_model(model, task, eps, norm=norm, box=box)
    print_notes(task)
    if args.json:
        print_json(report)
        return 0
    print(f"data   {report['data']['name']}, {report['split']} split, {report['n']} samples; "
          f"threat l_{report['norm']}{', box ' + str(report['box']) if report['box'] else ''}")
    print(f"{'epsilon':>10} {'accuracy':>10} {'certified':>10} {'attacked':>10}")
    for r in report["results"]:
        print(f"{r['epsilon']:>10g} {pct(r['accuracy']):>10} {pct(r['certified_accuracy']):>10} "
              f"{pct(r['attacked_accuracy']):>10}")
    return 0
