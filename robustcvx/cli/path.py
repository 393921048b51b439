"""``robustcvx path``: the exact robust optimum at every radius (l_inf or l_1 threat) from one
parametric solve; the segments, and the certified optimum at the radii asked for."""

from __future__ import annotations

import argparse

from .common import add_data_args, add_json_arg, load, parse_float_list, print_json, print_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("path", help="the exact robust optimum for every radius (l_inf / l_1 threat)",
                       description="Every robust-optimal model is a rescaled l1-constrained hinge model: one "
                                   "parametric LP over the budget gives the exact optimum V(epsilon), its model and "
                                   "its certificate for every epsilon >= 0, and the radii where the model changes. "
                                   "The l_2 threat has no finite path (solve a grid); the box threat has none.")
    add_data_args(p)
    p.add_argument("--norm", default="inf", metavar="{inf,1}", help="threat norm p (default inf)")
    p.add_argument("--box", default=None, metavar="LO,HI", help="refused: the box threat has no exact path")
    p.add_argument("--epsilon", default=None, help="comma-separated radii at which to report and certify the optimum")
    p.add_argument("--method", default="auto", help="auto (default), homotopy or sandwich")
    p.add_argument("--verify", action="store_true", help="certify every segment's model near both ends")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import OptionError
    from ..path import METHODS, robust_path
    from ..path.robust import check_path_threat
    from ..problems import RobustHingeProblem
    from ..threats import make_threat, parse_norm
    from ..validation import check_box

    eps = parse_float_list(args.epsilon, "--epsilon") if args.epsilon is not None else []
    if args.method not in METHODS:
        raise OptionError(f"--method must be one of {', '.join(METHODS)}, got {args.method!r}")
    norm, box = parse_norm(args.norm), check_box(args.box)
    check_path_threat(make_threat(1.0, norm, box))          # before any data is read
    task = load(args, notes=False)
    problem = RobustHingeProblem(task.X_train, task.y_train, 0.0, norm, box)
    path = robust_path(problem, method=args.method)
    print_notes(task)
    values = path.values(eps) if eps else []
    report = {**path.to_dict(coef="sparse"), "data": task.name}
    if args.verify:
        checks = path.verify_segments()
        report["segments_verified"] = sum(c["verified"] for c in checks)
        for seg, c in zip(report["segments"], checks):
            seg["verified"] = c["verified"]
    report["values"] = values
    if args.json:
        print_json(report)
        return 0
    d = report["path"]
    print(f"data   {task.name}, train split, {d['n']} samples x {d['d']} features; threat l_{d['norm']}")
    print(f"path   {d['breakpoints']} breakpoints ({d['method']}, {d['homotopy_steps']} homotopy steps, "
          f"{d['solves']} LP solves, {d['seconds']:.2f} s)"
          + (f"; {report['segments_verified']} of {len(checks)} segments certified" if args.verify else ""))
    segs = report["segments"]
    shown = segs if len(segs) <= 20 else segs[:10] + [None] + segs[-10:]
    print(f"{'epsilon_from':>14} {'epsilon_to':>14} {'budget':>12} {'regular_loss':>13} {'nonzeros':>9}")
    for s in shown:
        if s is None:
            print(f"{'...':>14} ({len(segs) - 20} more segments: --json lists all)")
            continue
        hi = "inf" if s["epsilon_to"] is None else f"{s['epsilon_to']:.8g}"
        print(f"{s['epsilon_from']:>14.8g} {hi:>14} {s['budget']:>12.6g} {s['regular_loss']:>13.6g} "
              f"{s['nonzeros']:>9}")
    if values:
        print(f"{'epsilon':>10} {'objective':>14} {'gap':>10} {'verified':>9}")
        for v in values:
            print(f"{v['epsilon']:>10g} {v['objective']:>14.10g} {v['gap']:>10.2g} {v['verified']!s:>9}")
    return 0
