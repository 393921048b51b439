r"""The original study's claims, each checked against the run: reproduced, qualified or contradicted.

Each claim is one function of a :class:`~robustcvx.reproduce.results.RunResults` returning a
:class:`Claim` with the verdict, the numbers it rests on, and the figure that shows it.  The rules
are stated here, fixed in advance, and printed under the table:

* **brittle** (a model is): its certified accuracy at the study radius is more than
  :data:`BRITTLE_DROP` (10 points) below its clean accuracy;
* *regular training is brittle*: reproduced when regular SGD is brittle and so is every other
  optimum of the regular problem; qualified when regular SGD is brittle but another optimum of the
  same objective is not; contradicted when regular SGD is not brittle;
* *robust training gives robust models*: reproduced when robust SGD certifies at least
  :data:`BRITTLE_DROP` more than regular SGD at the study radius; qualified when it certifies more,
  but by less; contradicted otherwise;
* *robustness costs little clean accuracy*: compares clean accuracy of regular and robust SGD at
  the study radius: reproduced for a drop of at most :data:`SMALL_DROP` (1 point), qualified up to
  :data:`MODERATE_DROP` (5 points), contradicted beyond;
* *robust weights are sparse*: reproduced when robust SGD and the exact robust optimum both have
  fewer weights above 1 % of their largest than regular SGD; contradicted otherwise;
* *wrong regular predictions are confident, robust ones uncertain*: measured as the median signed
  l_inf distance ``y f(x) / ||w||_1`` of the misclassified samples under the attack at the robust
  model's training radius (the study radius, or the next one where the exact robust model is not
  the regular one rescaled; raw logits change with the scale of ``w``); reproduced when the regular
  model's errors lie farther from the boundary than the robust model's for SGD and for the exact
  models, qualified when for one of them, contradicted when for neither;
* *training accuracy carries over to test data*: reproduced when clean accuracy differs between
  the splits by at most :data:`SMALL_DROP` and certified accuracy at the study radius by at most
  :data:`MODERATE_DROP` for every SGD model; qualified when only clean accuracy does; contradicted
  otherwise;
* *SGD solves the training problem* (the study reads its SGD models as the minimisers of their
  objectives): reproduced when every last iterate is within :data:`OPTIMAL_GAP` of the certified
  optimum; qualified when the best or averaged iterate is, but not the last; contradicted otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..metrics import significant_weights
from .findings import gap

BRITTLE_DROP = 0.10
SMALL_DROP = 0.01
MODERATE_DROP = 0.05
#: absolute gap of the mean hinge (a loss of order 1) below which SGD counts as having solved the problem
OPTIMAL_GAP = 1e-3

REPRODUCED, QUALIFIED, CONTRADICTED = "reproduced", "qualified", "contradicted"


@dataclass(frozen=True, kw_only=True)
class Claim:
    """One claim of the study and what this run says about it."""

    claim: str
    verdict: str
    evidence: str
    figure: str = ""


def _pct(x: float) -> str:
    return f"{100 * float(x):.1f}%"


def _brittle(r: Any, model: Any) -> bool:
    return r.ev(model).clean - r.certified(model, r.study) > BRITTLE_DROP


def brittle_regular(r: Any) -> Claim:
    from ..reproduce.facts import regular_optima

    e = r.study
    sgd = r.m("sgd", 0.0)
    others = [o for o in regular_optima(r) if o.optimal and o.model is not sgd]
    nums = ", ".join(f"{o.name} {_pct(o.certified)} (clean {_pct(o.clean)})"
                     for o in regular_optima(r) if o.optimal or o.model is sgd)
    if not _brittle(r, sgd):
        verdict, why = CONTRADICTED, "regular SGD is not brittle"
    elif all(_brittle(r, o.model) for o in others):
        verdict, why = REPRODUCED, "every optimum of the regular problem is brittle"
    else:
        verdict = QUALIFIED
        why = ("regular SGD is brittle, but another optimum of the same regular objective is not: brittleness is "
               "SGD's implicit bias, not the objective's")
    return Claim(claim="Regular training is brittle: a small l∞ attack breaks the regular model",
                 verdict=verdict, evidence=f"certified at ε = {e:g}: {nums}; {why}", figure="7")


def robust_training_works(r: Any) -> Claim:
    e = r.study
    reg, rob, ex = r.m("sgd", 0.0), r.m("sgd", e), r.m("exact", e)
    gain = r.certified(rob, e) - r.certified(reg, e)
    verdict = REPRODUCED if gain >= BRITTLE_DROP else (QUALIFIED if gain > 0 else CONTRADICTED)
    return Claim(claim="Robust training gives robust models",
                 verdict=verdict,
                 evidence=(f"certified at ε = {e:g}: robust SGD {_pct(r.certified(rob, e))} vs regular SGD "
                           f"{_pct(r.certified(reg, e))} (exact robust optimum {_pct(r.certified(ex, e))})"),
                 figure="6")


def small_clean_cost(r: Any) -> Claim:
    e = r.study
    reg, rob = r.m("sgd", 0.0), r.m("sgd", e)
    drop = r.ev(reg).clean - r.ev(rob).clean
    top = max(r.epsilons)
    verdict = REPRODUCED if drop <= SMALL_DROP else (QUALIFIED if drop <= MODERATE_DROP else CONTRADICTED)
    return Claim(claim="Robustness costs little clean accuracy",
                 verdict=verdict,
                 evidence=(f"clean {r.split} accuracy: regular SGD {_pct(r.ev(reg).clean)}, robust SGD ε = {e:g} "
                           f"{_pct(r.ev(rob).clean)} (ε = {top:g}: {_pct(r.ev(r.m('sgd', top)).clean)}; exact "
                           f"robust ε = {e:g}: {_pct(r.ev(r.m('exact', e)).clean)})"),
                 figure="6")


def sparse_weights(r: Any) -> Claim:
    e = r.study
    reg, rob, ex = r.m("sgd", 0.0), r.m("sgd", e), r.m("exact", e)
    n = {k: significant_weights(m.coef) for k, m in (("reg", reg), ("rob", rob), ("ex", ex))}
    verdict = REPRODUCED if n["rob"] < n["reg"] and n["ex"] < n["reg"] else CONTRADICTED
    return Claim(claim="Robust weights are sparse",
                 verdict=verdict,
                 evidence=(f"weights above 1 % of the largest, of {r.task.d}: regular SGD {n['reg']}, robust SGD "
                           f"ε = {e:g} {n['rob']}, exact robust ε = {e:g} {n['ex']} (exact regular "
                           f"{significant_weights(r.m('exact', 0.0).coef)})"),
                 figure="5")


def confident_errors(r: Any) -> Claim:
    from ..reproduce.facts import confidence

    checks = [c for c in (confidence(r, "sgd"), confidence(r, "exact")) if c is not None]
    held = [c.holds for c in checks if c.holds is not None]
    verdict = (REPRODUCED if held and all(held) else QUALIFIED if any(held) else CONTRADICTED)
    evidence = "; ".join(c.summary() for c in checks) or "every robust model is the regular one rescaled"
    return Claim(claim="Wrong regular predictions are confident, robust ones uncertain",
                 verdict=verdict,
                 evidence=("median signed l∞ distance y f(x)/‖w‖₁ of the errors under the attack at the robust "
                           f"model's training radius (raw logits scale with w): {evidence}"),
                 figure="9")


def train_test(r: Any) -> Claim | None:
    if r.split != "test":
        return None
    e = r.study
    clean_gap = cert_gap = 0.0
    parts = []
    for v in (0.0, *r.epsilons):
        ev = r.ev(r.m("sgd", v))
        clean_gap = max(clean_gap, abs(ev.train_clean - ev.clean))
        cert_gap = max(cert_gap, abs(float(ev.train_curve(e)) - float(ev.curve(e))))
        parts.append(f"SGD ε = {v:g}: {_pct(ev.train_clean)} / {_pct(ev.clean)} clean, "
                     f"{_pct(ev.train_curve(e))} / {_pct(ev.curve(e))} certified")
    if clean_gap <= SMALL_DROP and cert_gap <= MODERATE_DROP:
        verdict = REPRODUCED
    else:
        verdict = QUALIFIED if clean_gap <= SMALL_DROP else CONTRADICTED
    return Claim(claim="Training accuracy carries over to test data (the study's train/test comparison)",
                 verdict=verdict,
                 evidence=(f"train / test at ε = {e:g}: " + "; ".join(parts)
                           + f" (largest gaps: clean {_pct(clean_gap)}, certified {_pct(cert_gap)})"),
                 figure="summary.csv")


def sgd_solves(r: Any) -> Claim:
    parts = []
    last_ok, any_ok = True, True
    for v in (0.0, *r.epsilons):
        m = r.m("sgd", v)
        it = m.iterates
        gaps = {"last": m.objective - m.optimum}
        if it is not None:
            gaps["best"] = it.best - m.optimum
            if it.averaged is not None:
                gaps["averaged"] = it.averaged - m.optimum
        last_ok = last_ok and gaps["last"] <= OPTIMAL_GAP
        any_ok = any_ok and min(gaps.values()) <= OPTIMAL_GAP
        parts.append(f"ε = {v:g}: " + ", ".join(f"{k} {gap(g)}" for k, g in gaps.items()))
    verdict = REPRODUCED if last_ok else (QUALIFIED if any_ok else CONTRADICTED)
    return Claim(claim="SGD's models solve their training problems",
                 verdict=verdict,
                 evidence=("gap of the training objective to the certified optimum after "
                           f"{r.cfg.epochs} epochs, " + "; ".join(parts)),
                 figure="10")


CLAIMS = (brittle_regular, robust_training_works, small_clean_cost, sparse_weights, confident_errors, train_test,
          sgd_solves)


def check_claims(r: Any) -> list[Claim]:
    """Every claim of :data:`CLAIMS` that applies to this run."""
    out = [f(r) for f in CLAIMS]
    return [c for c in out if c is not None]


def claims_table(rows: list[Claim]) -> str:
    """The claims as a Markdown table."""
    lines = ["| claim of the original study | verdict | the numbers | figure |", "|---|---|---|---|"]
    for c in rows:
        fig = f"[{c.figure}]({c.figure})" if c.figure.endswith(".csv") else (f"{c.figure}" if c.figure else "")
        lines.append(f"| {c.claim} | **{c.verdict}** | {c.evidence} | {fig} |")
    return "\n".join(lines)


RULES = ("Verdict rules (fixed in advance, `robustcvx/report/claims.py`): a model is *brittle* when its certified "
         f"accuracy at the study radius is more than {100 * BRITTLE_DROP:g} points below its clean accuracy; a "
         f"*small* accuracy change is at most {100 * SMALL_DROP:g} point, a *moderate* one at most "
         f"{100 * MODERATE_DROP:g} points; SGD *solves* a problem when its objective is within {OPTIMAL_GAP:g} of the "
         "certified optimum. *Qualified* means: true as measured, but for a different reason or only in part (the "
         "evidence says which).")
