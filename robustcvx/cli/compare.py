"""``robustcvx compare``: the exact optimum against SGD / Adam / adversarial training."""

from __future__ import annotations

import argparse
import sys

from .common import add_data_args, add_json_arg, add_threat_args, load, print_json

OPTIMIZER_HELP = "sgd | adam | fgsm | pgd | all; several allowed (space or comma separated; default sgd)"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare", help="train the exact model and PyTorch baselines on the same objective; show the gap",
        description="Solve the (robust) hinge problem exactly, train PyTorch baselines (minibatch SGD, Adam, "
                    "FGSM / PGD adversarial training) on the same objective, and compare objective, gap to the "
                    "certified optimum, distance to the set of optima, and clean / certified / PGD accuracy on the "
                    "test split (the training split when the data has no test split), for each baseline's last "
                    "iterate, best epoch and averaged iterate. Exit 1 when a consistency check fails (PGD "
                    "accuracy != certified accuracy, objective mismatch, unverified optimum).")
    add_data_args(p)
    p.add_argument("--epsilon", required=True, help="perturbation radius (0: regular hinge)")
    add_threat_args(p)
    p.add_argument("--l1", default="0", help="l1 regularisation weight lambda_1 (default 0)")
    p.add_argument("--l2", default="0", help="l2 regularisation weight lambda_2, term (lambda_2/2)||w||^2 (default 0)")
    p.add_argument("--class-weight", default=None, dest="class_weight", metavar="balanced|NEG,POS",
                   help="weigh the training samples by class: 'balanced' (n / (2 n_class)) or the factors of the "
                        "classes labelled -1 and +1, e.g. 1,5; the objective becomes the weighted mean hinge")
    p.add_argument("--epochs", type=int, default=100, help="training epochs of every baseline (default 100)")
    p.add_argument("--optimizer", nargs="+", default=["sgd"], metavar="NAME", help=OPTIMIZER_HELP)
    p.add_argument("--lr", default="0.1",
                   help="learning rate (default 0.1, the original study's); a comma list trains one baseline per rate")
    p.add_argument("--batch-size", type=int, default=100, dest="batch_size", help="minibatch size (default 100)")
    p.add_argument("--schedule", default="none",
                   help="learning-rate schedule: none | cosine | step | inv-sqrt (lr / sqrt(1 + t / steps per "
                        "epoch)) (default none)")
    p.add_argument("--average", default="tail",
                   help="iterate averaging reported beside the last iterate: none | all (Polyak-Ruppert) | tail "
                        "(the last half of the epochs) (default tail)")
    p.add_argument("--momentum", default="0", help="SGD momentum (default 0)")
    p.add_argument("--device", default="auto", help="auto (GPU when present) | cpu | cuda (default auto)")
    p.add_argument("--pgd-steps", type=int, default=10, dest="pgd_steps",
                   help="PGD steps of PGD adversarial training (default 10)")
    p.add_argument("--pgd-step-size", default=None, dest="pgd_step_size",
                   help="PGD training step size (default 2.5 * epsilon / steps)")
    p.add_argument("--attack-steps", type=int, default=20, dest="attack_steps",
                   help="steps of the evaluation PGD attack (default 20)")
    p.add_argument("--attack-restarts", type=int, default=2, dest="attack_restarts",
                   help="starts of the evaluation PGD attack, the first from the clean point (default 2)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch threads for training and the attack (default: torch's own; 1 is often much "
                        "faster on a busy machine)")
    p.add_argument("--solver", default="auto", help="exact solver: auto | fast | highs | clarabel (default auto)")
    p.add_argument("--tie-break", default="max-margin", dest="tie_break",
                   help="exact model for degenerate (zero-loss) optima: max-margin (default) or none (the solver's "
                        "vertex, faster); the optimum and the distances do not depend on it")
    p.add_argument("--no-distance", action="store_true", dest="no_distance",
                   help="skip the distance to the set of optima (one QP per model)")
    p.add_argument("--save", default=None, metavar="FILE.json", help="also write the JSON result to FILE.json")
    add_json_arg(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace):
    """The :class:`~robustcvx.compare.CompareConfig` of the command line (validated: bad options
    fail here, before any data is loaded or anything is solved)."""
    from ..compare import CompareConfig

    return CompareConfig.create(
        epsilon=args.epsilon, norm=args.norm, box=args.box, l1=args.l1, l2=args.l2, class_weight=args.class_weight,
        optimizers=args.optimizer, lr=args.lr, epochs=args.epochs, batch_size=args.batch_size,
        schedule=args.schedule, average=args.average, seed=args.seed, momentum=args.momentum, device=args.device,
        pgd_steps=args.pgd_steps, pgd_step_size=args.pgd_step_size, threads=args.threads,
        attack_steps=args.attack_steps, attack_restarts=args.attack_restarts, solver=args.solver,
        tie_break=args.tie_break, distance=not args.no_distance)


def run(args: argparse.Namespace) -> int:
    from ..compare import compare

    cfg = config_from_args(args)
    if args.save:
        from ..io import check_writable
        check_writable(args.save)  # fail before the (long) run
    task = load(args)
    progress = not args.json and sys.stderr.isatty()
    result = compare(task, cfg, progress=progress)
    record = result.to_dict()
    if args.save:
        from ..io import write_json
        write_json(args.save, record)
    if args.json:
        print_json(record)
    else:
        _print_summary(result)
    for w in result.warnings:
        print(f"robustcvx: warning: {w}", file=sys.stderr)
    for e in result.errors:
        print(f"robustcvx: error: {e}", file=sys.stderr)
    return 0 if result.ok else 1


def _print_summary(result) -> None:
    d, pr, ev, st = result.data, result.problem, result.evaluation, result.settings
    tr = st["training"]
    box = f", box [{pr['box'][0]:g}, {pr['box'][1]:g}]" if pr["box"] else ""
    reg = f", l1 {pr['l1']:g}, l2 {pr['l2']:g}" if (pr["l1"] or pr["l2"]) else ""
    weights = f", class weights {st['class_weight']}" if st.get("class_weight") else ""
    weighted = " (weighted)" if pr.get("weighted") else ""
    exact = result.models[0]
    cert = exact.info.get("certificate", {})
    print(f"data      {d.get('name', '?')}: {pr['n']} x {pr['d']} training samples; accuracies on the "
          f"{ev['split']} split ({ev['n']})")
    print(f"problem   mean{weighted} robust hinge, l_{pr['norm']} threat, epsilon {pr['epsilon']:g}{box}{reg}"
          f"{weights} [{pr['kind']}]")
    state = "verified" if exact.info.get("verified") else "NOT VERIFIED"
    print(f"optimum   {result.optimum:.12g} ({state}, gap {cert.get('gap', float('nan')):.1e}, "
          f"solver {exact.info.get('solver')})")
    print(f"training  {tr['epochs']} epochs, batch {tr['batch_size']}, lr {','.join(f'{v:g}' for v in st['lrs'])}, "
          f"schedule {tr['schedule']}, averaging {tr['average']}, seed {tr['seed']}")
    print()
    print(result.table())
    print()
    print("gap = objective - optimum (objectives recomputed in float64 on the training data); NAME = the last "
          "iterate, NAME:best = the epoch with the lowest objective, NAME:averaged = the averaged iterate; "
          "dist.opt.set = Euclidean distance of (w, b) to the set of optimal models; w>1%max = weights above 1 % "
          f"of the largest; PGD = accuracy under an autograd PGD attack ({st['attack']['steps']} steps, "
          f"{st['attack']['restarts']} starts), must equal certified.")
