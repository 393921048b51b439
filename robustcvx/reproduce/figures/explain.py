"""Figures 1-4: what the hinge, the robust hinge and the threat do, drawn with the run's models.

The robust hinge of a norm-ball threat is the hinge shifted by the penalty ``pen(w) = epsilon
||w||_q`` (asked of the threat: :meth:`~robustcvx.threats.Threat.penalties`), the most an attack of
radius ``epsilon`` can lower a margin.
"""

from __future__ import annotations

import numpy as np

from ..analysis import landscape_along_weight, pick_pixels, pixel_signal
from ..results import RunResults
from .base import Drawn, wrap


def hinge(r: RunResults) -> Drawn:
    from ...plots import hinge_loss_figure

    X, y = r.task.X_train, r.task.y_train
    margins = {f"training margins, {m.label}": y * (X @ m.coef + m.intercept)
               for m in (r.m("exact", 0.0), r.m("sgd", 0.0))}
    allm = np.concatenate(list(margins.values()))
    hi = float(np.clip(np.ceil(np.percentile(allm, 97) + 0.5), 3.0, 12.0))
    title = f"Hinge loss and the margin it demands; margins of the regular models on {r.data}"
    fig = hinge_loss_figure(margins, title=wrap(title), m_range=(-2.0, hi))
    reg = r.m("exact", 0.0)
    low = float(np.min(y * (X @ reg.coef + reg.intercept)))
    cap = ("The hinge loss max(0, 1 - y f(x)) is zero only for samples classified correctly *with margin at "
           "least 1*; the histograms (bins with edges at 0 and 1) show where the regular exact and SGD models put "
           f"the training samples (the exact model's smallest training margin is {low:.3g}).")
    return Drawn(fig=fig, title=title, caption=cap)


def _shift(r: RunResults, eps: float, w: np.ndarray) -> float:
    """The penalty ``pen(w)`` of the study's threat at ``eps`` (the same for every sample)."""
    X, y = r.task.X_train[:1], r.task.y_train[:1]
    return float(r.threat.with_epsilon(eps).penalties(w, X, y)[0])


def robust_hinge(r: RunResults) -> Drawn:
    from ...plots import robust_hinge_figure

    e = r.study
    rob = r.m("exact", e)
    shifts = [("regular hinge (eps = 0)", 0.0, r.color(0.0))]
    for ee in r.epsilons:
        s = _shift(r, ee, rob.coef)
        shifts.append((f"robust hinge at eps = {ee:g}: shift {s:.3g}", s, r.color(ee)))
    hi = 1 + list(r.epsilons).index(e)
    X, y, split = r.task.evaluation_split()
    margins = y * (X @ rob.coef + rob.intercept)
    title = (f"Robust hinge = hinge shifted by eps*||w||_1, for the exact robust eps = {e:g} model "
             f"(||w||_1 = {np.abs(rob.coef).sum():.3g}) on {r.data}")
    s = shifts[hi][1]
    hi_m = float(np.clip(np.percentile(margins, 95), 2.0 + 1.25 * max(sh[1] for sh in shifts), 1e9))
    fig = robust_hinge_figure(shifts, highlight=hi, margins=margins, margins_label=f"{split} margins of this model",
                              title=wrap(title, 88), m_range=(-1.0, hi_m))
    band = int(np.sum((margins > 0) & (margins <= s)))
    cap = (f"The robust hinge max(0, 1 - y f(x) + eps ||w||_1) is the hinge shifted right by eps ||w||_1, the "
           f"most an l_inf attack of radius eps can lower a margin (curves for each eps of the grid, all with the "
           f"weights of the exact eps = {e:g} model); at eps = {e:g} the shift is {s:.3g}: the {band} {split} "
           f"samples with clean margin in (0, {s:.3g}] (shaded) are correct but flipped by the attack, and zero "
           f"loss needs a margin of {1 + s:.3g}.")
    return Drawn(fig=fig, title=title, caption=cap)


def landscape(r: RunResults) -> Drawn:
    from ...plots import loss_landscape_figure

    X, y = r.task.X_train, r.task.y_train
    e = r.study
    s = pixel_signal(X, y)
    strong, weak = pick_pixels(s, e, r.m("sgd", 0.0).coef)
    shape = r.image_shape()
    T = 2.5 / max(float(np.max(np.abs(X))), 1e-12)
    t = np.linspace(-T, T, 401)
    panels = []
    for j, kind in ((strong, "strong"), (weak, "weak")):
        lr_, lb, gr, gb = landscape_along_weight(X, y, j, e, t)
        rel = ">" if abs(s[j]) > e else "<"
        where = f"pixel (row {j // shape[1]}, col {j % shape[1]})" if shape[0] > 1 else f"feature {j}"
        name = f"{kind} {where}: |mean y x_j| = {abs(s[j]):.3f} {rel} eps"
        if kind == "strong":
            k0 = int(np.flatnonzero(t > 0)[0]) if s[j] > 0 else int(np.flatnonzero(t < 0)[-1])
            note = (f"slope at 0{'+' if s[j] > 0 else '-'} (where w_j grows):\nrobust {gb[k0]:+.3f}, "
                    f"regular {gr[k0]:+.3f}")
        else:
            note = (f"robust slope changes sign at 0 ({gb[t < 0][-1]:+.3f} | {gb[t > 0][0]:+.3f}):\n"
                    f"w_j = 0 is a minimum")
        panels.append({"name": name, "loss": {"regular hinge": lr_, f"robust hinge, eps = {e:g}": lb},
                       "grad": {"regular hinge": gr, f"robust hinge, eps = {e:g}": gb}, "note": note})
    title = f"1-D loss landscapes along one weight, regular vs robust (eps = {e:g}), {r.data}"
    fig = loss_landscape_figure(t, panels, epsilon=e, title=wrap(title, 90))
    cap = (f"Objective and its derivative along a single weight w_j of the zero model (all other weights and "
           f"the bias 0), on the training data: the robust term adds eps*sign(w_j) to the gradient of every active "
           f"sample, so for a strong pixel the gradient that grows the weight shrinks, and for a pixel whose signal "
           f"|mean y x_j| is below eps = {e:g} it changes sign at 0 -- the weight is pulled back to exactly zero, "
           f"which is why robust weights are sparse.")
    return Drawn(fig=fig, title=title, caption=cap)


def threat_sets(r: RunResults) -> Drawn:
    from ...plots import threat_sets_figure

    P = np.array([[0.30, 0.62], [0.42, 0.85], [0.62, 0.72], [0.55, 0.30], [0.78, 0.52], [0.92, 0.70]])
    lab = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])
    w = np.array([-1.0, 1.0])
    e = r.study
    worst = P + r.threat.with_epsilon(e).worst_delta(w, P, lab)
    title = f"Threat sets of radius eps = {e:g} around 2-D points (illustration, no data)"
    fig = threat_sets_figure(P, lab, e, w=w, b=-0.05, worst=worst, title=wrap(title, 55))
    cap = (f"The l_inf ball of radius eps = {e:g} (our threat: every pixel may move by eps) is a box that contains "
           f"the l_2 and l_1 balls of the same radius; for a linear model the attack moves each point to the box "
           f"corner -eps*y*sign(w) (arrows), lowering the margin by eps*||w||_1, and the point whose box crosses "
           f"the boundary is flipped (red cross).")
    return Drawn(fig=fig, title=title, caption=cap)
