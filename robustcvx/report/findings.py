"""What the results show: Markdown sentences computed from a run's models (deterministic, no timing).

Each sentence is one function of a :class:`~robustcvx.reproduce.results.RunResults` returning a
string (or ``None`` when it does not apply); :func:`findings` lists them in reading order.
"""

from __future__ import annotations

from typing import Any

from ..metrics import significant_weights


def pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def gap(x: float) -> str:
    """A gap to the optimum: ``0`` when it is rounding (|x| < 1e-12), else 3 significant digits."""
    return "0" if abs(float(x)) < 1e-12 else f"{float(x):.3g}"


def _separable(r: Any) -> str | None:
    from ..reproduce.facts import separation_margin

    gamma = separation_margin(r)
    if gamma is None:
        return None
    same = [f"{m.epsilon:g}" for m in r.models.values() if m.same_as and not m.box]
    text = (f"**The training set is separable, with l∞ margin {gamma:.3g}**: the regular problem is degenerate "
            f"(optimal loss 0), and so is every robust problem with eps below that margin. The exact model shown "
            f"for them is the max-margin optimum (smallest ‖w‖₁)")
    if same:
        text += (f"; for eps = {', '.join(same)} it is the regular max-margin model rescaled (same predictions), "
                 f"so robust training at those radii changes nothing once the optimum is taken exactly")
    return text + "."


def _certified(r: Any) -> str:
    e = r.study
    shown = [("regular SGD", r.m("sgd", 0.0)), (f"robust SGD (eps = {e:g})", r.m("sgd", e)),
             ("exact regular", r.m("exact", 0.0)), (f"exact robust (eps = {e:g})", r.m("exact", e))]
    if r.svm is not None:
        shown.append(("classical SVM", r.svm))
    return (f"**Certified accuracy at eps = {e:g}** on the {r.split} split (clean accuracy in brackets): "
            + ", ".join(f"{name} {pct(r.certified(m, e))} ({pct(r.ev(m).clean)})" for name, m in shown) + ".")


def _optima(r: Any) -> str | None:
    from ..reproduce.facts import regular_optima

    found = regular_optima(r)
    optimal = [o for o in found if o.optimal]
    if len(optimal) < 2:
        return None
    nums = ", ".join(f"{o.name} {pct(o.certified)}" for o in optimal)
    spread = max(o.certified for o in optimal) - min(o.certified for o in optimal)
    lead = (f"{len(optimal)} optima of the regular problem (training loss {gap(optimal[-1].model.objective)}) certify "
            f"{nums} at eps = {r.study:g} (figure 7)")
    if spread < 0.10:
        return f"**The optima of the regular problem agree here**: {lead}."
    sgd = [o for o in optimal if o.model.method == "sgd"]
    tail = (": a brittle regular model is the optimum SGD happens to find, not a property of the regular objective"
            if sgd and sgd[0].certified == min(o.certified for o in optimal) else
            ": which optimum is returned decides the robustness")
    return f"**One training problem, {len(optimal)} optima, {len(optimal)} robustness levels**: {lead}{tail}."


def _not_most_robust(r: Any) -> str | None:
    e = r.study
    sgd_rob, ex_rob = r.m("sgd", e), r.m("exact", e)
    if not (ex_rob.degenerate and r.certified(sgd_rob, e) > r.certified(ex_rob, e)):
        return None
    return (f"**Optimal is not always most robust on new data**: at eps = {e:g} the training problem has zero "
            f"optimal loss, every robust separator is optimal, and the max-margin one certifies "
            f"{pct(r.certified(ex_rob, e))} of the {r.split} set while robust SGD, which is not optimal, certifies "
            f"{pct(r.certified(sgd_rob, e))}.")


def _large_radii(r: Any) -> str:
    top = max(r.epsilons)
    return (f"**Robust training matters at large radii**: at eps = {top:g}, exact robust (trained at {top:g}) "
            f"{pct(r.certified(r.m('exact', top), top))} certified vs exact regular "
            f"{pct(r.certified(r.m('exact', 0.0), top))} and regular SGD {pct(r.certified(r.m('sgd', 0.0), top))}.")


def _sgd_gaps(r: Any) -> str:
    parts = []
    for v in (0.0, *r.epsilons):
        m = r.m("sgd", v)
        it = m.iterates
        text = f"eps = {v:g}: last {gap(m.objective - m.optimum)}"
        if it is not None:
            text += f", best {gap(it.best - m.optimum)} (epoch {it.best_epoch})"
            if it.averaged is not None:
                text += f", averaged {gap(it.averaged - m.optimum)}"
        parts.append(text)
    return (f"**How far SGD is from the optimum** (training objective minus the certified optimum after "
            f"{r.cfg.epochs} epochs; the last iterate, the best iterate after any epoch, and the averaged iterate "
            f"where recorded): " + "; ".join(parts) + " (figure 10).")


def _sparsity(r: Any) -> str:
    from ..reproduce.facts import dead_pixel_weights

    grid = (0.0, *r.epsilons)
    nz = ", ".join(str(significant_weights(r.m("exact", v).coef)) for v in grid)
    nz_sgd = ", ".join(str(significant_weights(r.m("sgd", v).coef)) for v in grid)
    n_dead, share = dead_pixel_weights(r, r.m("sgd", 0.0))
    dead = (f" {n_dead} pixels are 0 in every training image; regular SGD keeps its random initial weights there "
            f"({pct(share)} of its ‖w‖₁), weights no training sample asks for and only an attacker uses."
            if n_dead else "")
    return (f"**Sparsity** (weights above 1 % of the model's largest, eps = {', '.join(f'{v:g}' for v in grid)}): "
            f"exact optima {nz}, SGD {nz_sgd} of {r.task.d} (figure 5).{dead}")


def _train_test(r: Any) -> str | None:
    if r.split != "test":
        return None
    e = r.study
    parts = []
    for name, m in (("regular SGD", r.m("sgd", 0.0)), (f"robust SGD eps = {e:g}", r.m("sgd", e)),
                    ("exact regular", r.m("exact", 0.0)), (f"exact robust eps = {e:g}", r.m("exact", e))):
        ev = r.ev(m)
        parts.append(f"{name} {pct(ev.train_clean)} / {pct(ev.clean)} clean, "
                     f"{pct(ev.train_curve(e))} / {pct(ev.curve(e))} certified")
    return f"**Training vs test accuracy** (train / test, certified at eps = {e:g}): " + "; ".join(parts) + "."


def _attained(r: Any) -> str:
    from ..reproduce.evaluation import largest_disagreement

    return (f"**Certified = attacked**: for every model and radius the exact certificate and the exact worst-case "
            f"attack agree (largest difference {largest_disagreement(r.evals):.2g}), so the certified numbers are "
            f"attained, not bounds.")


def _box(r: Any) -> str | None:
    if r.box_threat is None:
        return None
    bits = []
    for v in r.epsilons:
        free = float(r.ev(r.m("exact", v)).box_curve(v))
        aware = float(r.ev(r.m("exact", v, True)).box_curve(v))
        bits.append(f"eps = {v:g}: box-aware {pct(aware)} vs box-free {pct(free)}")
    lo, hi = r.box_threat.box
    return (f"**Box-aware training** (perturbed pixels kept in [{lo:g}, {hi:g}]), certified under that threat at the "
            f"training radius: " + "; ".join(bits) + ".")


def _confidence(r: Any) -> str | None:
    from ..reproduce.facts import confidence

    bits = [c.summary() for c in (confidence(r, "sgd"), confidence(r, "exact")) if c is not None]
    if not bits:
        return None
    return (f"**Distance of the errors to the boundary** under the attack at the robust model's training radius "
            f"(median signed l∞ distance y f(x)/‖w‖₁ of the misclassified {r.split} samples; scale-free, unlike the "
            f"logit): " + "; ".join(bits) + " (figure 9).")


SENTENCES = (_separable, _certified, _optima, _not_most_robust, _large_radii, _sgd_gaps, _sparsity, _train_test,
             _confidence, _attained, _box)


def findings(r: Any) -> list[str]:
    """The sentences of :data:`SENTENCES` that apply to this run, in order."""
    out = [f(r) for f in SENTENCES]
    return [s for s in out if s]
