"""Figures 6, 7 and 11: accuracy against the attack radius.

* :func:`accuracy` -- clean, exactly certified and exactly attacked accuracy of every model;
* :func:`optima` -- three optima of the same regular problem (SGD's when it reached the optimal
  value, the classical SVM, the l_inf max-margin optimum) certify very different accuracies:
  "regular training is brittle" is a property of the optimum SGD finds, not of the objective;
* :func:`box` -- box-aware against box-free robust models under the pixel-box threat.
"""

from __future__ import annotations

import numpy as np

from ...plots import SVM_COLOR
from ..facts import regular_optima
from ..models import model_key
from ..results import RunResults
from .base import Drawn, wrap


def _zoom_window(curve, width: int = 6) -> tuple[float, float] | None:
    """A small range of radii around the curve's median breakpoint, holding about ``2 * width`` steps."""
    bps = np.asarray(curve.breakpoints, dtype=float)
    if bps.size < 3:
        return None
    lv = np.asarray(curve.levels, dtype=float)
    k = int(np.argmin(np.abs(lv[1:] - 0.5 * (lv[0] + lv[-1]))))
    a, b = bps[max(k - width, 0)], bps[min(k + width, bps.size - 1)]
    pad = max((b - a) / 12, 1e-9)
    return max(float(a - pad), 0.0), float(b + pad)


def accuracy(r: RunResults) -> Drawn:
    from ...attacks import attacked_accuracy
    from ...plots import accuracy_vs_epsilon_figure

    X, y, split = r.task.evaluation_split()
    models = []
    for method, group in (("exact", "exact optimum (certified)"), ("sgd", f"SGD ({r.cfg.epochs} epochs)")):
        for e in (0.0, *r.epsilons):
            m, ev = r.m(method, e), r.ev(r.m(method, e))
            label = "regular" if e == 0 else f"robust, trained at eps = {e:g}"
            if m.same_as:
                label += " (= regular, rescaled)"
            models.append({"label": label, "group": group, "color": r.color(e), "curve": ev.curve,
                           "clean": ev.clean, "attack_eps": ev.attack_eps, "attack_acc": ev.attack_acc,
                           "linestyle": (0, (4, 3)) if m.same_as else "-"})
        if method == "exact" and r.svm is not None:
            ev = r.ev(r.svm)
            models.append({"label": "regular, classical SVM (l2 max-margin)", "group": group, "color": SVM_COLOR,
                           "curve": ev.curve, "clean": ev.clean, "attack_eps": ev.attack_eps,
                           "attack_acc": ev.attack_acc, "linestyle": "-."})
    zm = r.m("sgd", 0.0)
    zcurve = r.ev(zm).curve
    window = _zoom_window(zcurve)
    zoom = None
    if window is not None:
        ze = np.linspace(window[0], window[1], 41)
        za = np.array([attacked_accuracy(zm.wb, X, y, v, r.threat) for v in ze])
        zoom = {"label": zm.label, "color": r.color(0.0), "curve": zcurve, "attack_eps": ze, "attack_acc": za,
                "range": window}
    title = f"Clean, certified and attacked accuracy against the l_inf radius on the {split} split of {r.data}"
    fig = accuracy_vs_epsilon_figure(models, max(r.cfg.eval_epsilons), title=wrap(title, 110), marks=r.epsilons,
                                     zoom=zoom)
    same = [m.label for m in r.models.values() if m.same_as and not m.box]
    cap = (f"Exact certified accuracy as a step function of eps (one step at every {split} sample's certified "
           f"radius), accuracy under the worst-case l_inf attack (circles) and clean accuracy (dotted): for linear "
           f"models the attack attains the certificate, so every circle sits on its step curve (the right panel "
           f"magnifies a few steps of the regular SGD model, breakpoints marked)."
           + (f" {', '.join(same)}: the same classifier as the regular exact one (dashed, hidden under it), see "
              f"'degenerate problems' above." if same else ""))
    return Drawn(fig=fig, title=title, caption=cap)


def optima(r: RunResults) -> Drawn:
    from ...certify import certified_radii
    from ...plots import optima_figure

    X, y, split = r.task.evaluation_split()
    e = r.study
    colors = {"SGD": r.color(0.0), "l_inf max-margin": "#d62728"}
    entries = []
    for o in regular_optima(r):
        label = o.name + ("" if o.optimal else f" (NOT optimal: objective {o.model.objective:.3g} > "
                                               f"{o.model.optimum:.3g})")
        entries.append({"label": label, "color": colors.get(o.name, SVM_COLOR), "curve": r.ev(o.model).curve,
                        "radii": certified_radii(o.model.wb, X, y, r.threat),
                        "linestyle": "-" if o.optimal else (0, (4, 3))})
    found = regular_optima(r)
    n_opt = sum(o.optimal for o in found)
    count = {1: "One", 2: "Two", 3: "Three"}.get(n_opt, str(n_opt))
    title = (f"{count} optim{'um' if n_opt == 1 else 'a'} of the same regular training problem "
             f"(eps = 0), certified against l_inf attacks, {r.data}")
    fig = optima_figure(entries, max(r.cfg.eval_epsilons), epsilon=e, title=wrap(title, 100))
    nums = ", ".join(f"{o.name} {100 * o.certified:.1f}%" for o in found)
    opt_names = [o.name for o in found if o.optimal]
    cap = (f"Models that minimise the *regular* hinge loss on the training data ({', '.join(opt_names)}"
           + ("" if all(o.optimal for o in found) else "; SGD's regular model did not reach the optimal value and "
              "is drawn dashed for comparison")
           + f"). They are equally good answers to the training problem, yet at eps = {e:g} they certify "
             f"{nums} of the {split} set: which optimum is returned decides how brittle the model is. The right "
             f"panel shows why: the certified radii y f(x) / ||w||_1 of the {split} samples, and how many lie at or "
             f"below eps = {e:g}.")
    return Drawn(fig=fig, title=title, caption=cap)


def box(r: RunResults) -> Drawn:
    from ...plots import box_threat_figure

    models = [{"label": "regular, exact", "curve": r.ev(r.m("exact", 0.0)).box_curve, "color": r.color(0.0),
               "linestyle": "-"}]
    for e in r.epsilons:
        same = " (= regular)" if r.m("exact", e).same_as else ""
        models.append({"label": f"robust eps = {e:g}, box-free training{same}", "color": r.color(e),
                       "linestyle": "--", "curve": r.ev(r.m("exact", e)).box_curve})
        models.append({"label": f"robust eps = {e:g}, box-aware training", "color": r.color(e), "linestyle": "-",
                       "curve": r.evals[model_key("exact", e, True)].box_curve})
    lo, hi = r.box_threat.box
    title = (f"Certified accuracy under the [{lo:g}, {hi:g}] box threat model, box-aware vs box-free exact models, "
             f"{r.data}")
    fig = box_threat_figure(models, max(r.cfg.eval_epsilons), title=wrap(title, 80), marks=r.epsilons)
    cap = (f"Exact certified accuracy on the {r.split} split when the attacked pixels must stay in [{lo:g}, {hi:g}] "
           f"(the real threat for images): exact models trained against that box (solid) versus against the plain "
           f"l_inf ball (dashed), at each training radius (faint vertical lines).")
    return Drawn(fig=fig, title=title, caption=cap)
