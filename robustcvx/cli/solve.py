"""``robustcvx solve``: train the exact (robust) hinge model and print its certificate."""

from __future__ import annotations

import argparse
import sys
import time

from .common import add_data_args, add_json_arg, add_threat_args, load, pct, print_json, print_notes


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("solve", help="train the exact robust hinge model, with its optimality certificate",
                       description="Solve the (robust) hinge training problem exactly and certify the optimum.")
    add_data_args(p)
    p.add_argument("--epsilon", default="0", help="perturbation radius (default 0: regular hinge)")
    add_threat_args(p)
    p.add_argument("--l1", default="0", help="l1 regularisation weight lambda_1 (default 0)")
    p.add_argument("--l2", default="0", help="l2 regularisation weight lambda_2, term (lambda_2/2)||w||^2 (default 0)")
    p.add_argument("--class-weight", default=None, dest="class_weight", metavar="balanced|W_A,W_B,...",
                   help="weigh the classes in the mean hinge: 'balanced' (n / (K n_class)) or one weight per class "
                        "of the data spec, in its order (default: every sample weighs the same)")
    p.add_argument("--multiclass", default="crammer-singer", metavar="crammer-singer|ovr",
                   help="with three or more classes: the joint Crammer-Singer problem (default) or one-vs-rest "
                        "(K binary problems; objective their mean, verified when all K are)")
    p.add_argument("--solver", default="auto", help="auto | fast | highs | clarabel (default auto)")
    p.add_argument("--tie-break", default="max-margin", dest="tie_break",
                   help="for degenerate (zero-loss) optima: max-margin (default) or none")
    p.add_argument("--save", default=None, metavar="MODEL.json", help="write the model and its certificate")
    p.add_argument("--allow-unverified", action="store_true",
                   help="exit 0 and write --save even if no solver's answer verifies (the output still says "
                        "verified: false); without it such a run exits 1 and writes no model file")
    add_json_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    from ..errors import OptionError
    from ..fit import fit_task, parse_class_weight, parse_multiclass
    from ..io import check_writable
    from ..problems import MulticlassHingeProblem, RobustHingeProblem
    from ..solvers import parse_solver, parse_tie_break
    from ..threats import parse_norm
    from ..validation import check_box, check_epsilon, check_number

    # every option is checked before the slow work (loading, maybe downloading, solving)
    opts = dict(epsilon=check_epsilon(args.epsilon), norm=parse_norm(args.norm), box=check_box(args.box),
                l1=check_number(args.l1, "l1"), l2=check_number(args.l2, "l2"))
    solver, tie_break = parse_solver(args.solver), parse_tie_break(args.tie_break)
    multiclass = parse_multiclass(args.multiclass)
    if args.save is not None:
        if not args.save.strip():
            raise OptionError("--save needs a file name, e.g. --save model.json")
        check_writable(args.save)
    task = load(args, notes=False)
    K = getattr(task, "n_classes", 2)
    class_weight = parse_class_weight(args.class_weight, K)
    if K == 2:
        RobustHingeProblem(task.X_train, task.y_train, **opts)  # the options against the data (box, norm)
    else:
        MulticlassHingeProblem(task.X_train, task.y_train, **opts, n_classes=K)
    print_notes(task)
    result = fit_task(task, solver=solver, tie_break=tie_break, class_weight=class_weight, multiclass=multiclass,
                      **opts)
    record = result.to_record()
    record["total_seconds"] = time.perf_counter() - t0
    cert = record["certificate"]
    if args.save is not None and (cert["verified"] or args.allow_unverified):
        from ..model_io import save_model
        save_model(args.save, record)
    if args.json:
        print_json(record)
    else:
        _print_summary(record, result)
    if not cert["verified"]:
        kept = f"; {args.save} not written (--allow-unverified writes it)" \
            if args.save and not args.allow_unverified else ""
        print(f"robustcvx: no solver's answer verified ({cert['reason']}){kept}", file=sys.stderr)
        return 0 if args.allow_unverified else 1
    return 0


def _print_summary(rec: dict, result) -> None:
    d, pr, c = rec["data"], rec["problem"], rec["certificate"]
    box = f", box [{pr['box'][0]:g}, {pr['box'][1]:g}]" if pr["box"] else ""
    reg = f", l1 {pr['l1']:g}, l2 {pr['l2']:g}" if (pr["l1"] or pr["l2"]) else ""
    reg += f", class weights {pr['class_weight']}" if pr.get("class_weight") else ""
    K = d.get("n_classes", 2)
    print(f"data        {d['name']}: {d['n']} x {d['d']} training samples ({d['split']})"
          + (f", {K} classes" if K > 2 else ""))
    mean = "weighted mean" if pr.get("weighted") else "mean"
    kind = {"crammer-singer": " multiclass (Crammer-Singer)", "ovr": " one-vs-rest"}.get(pr.get("multiclass"), "")
    print(f"problem     {mean}{kind} robust hinge, l_{pr['norm']} threat, epsilon {pr['epsilon']:g}{box}{reg} "
          f"[{pr['kind']}]")
    what = "the mean of the K binary objectives, each " if pr.get("multiclass") == "ovr" else ""
    print(f"objective   {rec['objective']:.12g}  ({what}recomputed from the model on the training data)")
    state = "VERIFIED OPTIMAL" if c["verified"] else "NOT VERIFIED"
    print(f"certificate {state}: primal {c['primal']:.12g}, dual {c['dual']:.12g}, gap {c['gap']:.2e} "
          f"(tolerance {c['gap_tol']:.0e})")
    if c["degenerate"]:
        which = "returned the max-margin optimum" if rec["tie_break"] == "max-margin" else \
            "returned the solver's vertex (use --tie-break max-margin for a unique margin)"
        print(f"degenerate  yes: zero loss, every scaled separator is optimal; {which}")
    def outcome(a: dict) -> str:       # a step without a certificate of its own (a probe) shows its status
        return str(a.get("status")) if a.get("verified") is None else ("ok" if a["verified"] else "rejected")

    tried = ", ".join(f"{a['solver']}:{outcome(a)}" for a in rec["attempts"])
    print(f"solver      {rec['solver']} (status {rec['status']}), {rec['seconds']:.2f} s solve, "
          f"{rec['total_seconds']:.2f} s total; tried {tried}")
    if K > 2:
        print(f"model       {K} weight vectors, ||W||_1 {rec['norm_l1']:.6g}, nonzeros {rec['nonzeros']}/{K * d['d']}")
    else:
        print(f"model       intercept {rec['intercept']:.6g}, ||w||_1 {rec['norm_l1']:.6g}, "
              f"nonzeros {rec['nonzeros']}/{d['d']}")
    ev = rec["evaluation"]
    print(f"evaluation  on the {ev['split']} split ({ev['n']}): accuracy {pct(ev['accuracy'])}, "
          f"certified at epsilon {pr['epsilon']:g}: {pct(ev['certified_accuracy'])}")
