"""Figures 8 and 9: the mistakes of regular and robust models, clean and under attack.

* :func:`misclassified` -- the misclassified samples nearest the boundary, drawn exactly as the
  model saw them: clean, and after the exact worst-case attack at each attack radius (inside the
  pixel box for pixel data, so every image shown is a valid image that fooled the model);
* :func:`distances` -- how far the misclassified samples are from the boundary, as the signed
  distance ``y f(x) / ||w||_1`` (scale-free; the raw logit of the study changes with the scale of
  ``w``), which tests the study's "wrong regular predictions are confident, robust ones uncertain".
"""

from __future__ import annotations

import numpy as np

from ..analysis import nearest_misclassified, signed_distances
from ..facts import compared_radius, confidence, error_distances
from ..models import TrainedModel
from ..results import RunResults
from .base import Drawn, wrap

#: images per row of the misclassified figure
K_IMAGES = 6


def compared_models(r: RunResults) -> list[TrainedModel]:
    """Regular and robust (study radius), SGD and exact, without a model that repeats another."""
    e = r.study
    out = [r.m("sgd", 0.0), r.m("sgd", e), r.m("exact", 0.0), r.m("exact", e)]
    return [m for m in out if not m.same_as]


def misclassified(r: RunResults) -> Drawn:
    from ...attacks import WorstCaseAttack
    from ...plots import nearest_misclassified_figure

    X, y, split = r.task.evaluation_split()
    pixels = r.box_threat is not None                   # pixel data: attacks keep the image valid
    attack_threat = r.box_threat if pixels else r.threat
    radii = r.attack_radii()
    rows = []
    totals: dict[str, list[int]] = {}
    for m in compared_models(r):
        for eps in (0.0, *radii):
            Xs = WorstCaseAttack(m.wb, eps, attack_threat)(X, y) if eps > 0 else X
            dist = signed_distances(*m.wb, Xs, y, r.threat)
            idx = nearest_misclassified(dist * y, y, K_IMAGES)
            total = int(np.sum(dist <= 0))
            totals.setdefault(m.key, []).append(total)
            what = "clean" if eps == 0 else f"attacked, eps = {eps:g}"
            rows.append({"label": f"{m.label.replace(', ', chr(10))}\n{what}", "images": Xs[idx],
                         "scores": dist[idx], "labels": y[idx], "total": total})
    lo, hi = r.pixel_range()
    inside = (f"inside the pixel range [{lo:g}, {hi:g}]" if pixels
              else "(no pixel range: the data are not images in a box)")
    if not pixels:                                      # the attacked values leave the data's range
        lo, hi = lo - max(radii), hi + max(radii)
    said = " and ".join(f"{v:g}" for v in radii)
    title = (f"Misclassified {split} samples nearest the decision boundary, clean and under the exact attack at "
             f"eps = {said} {inside}, {r.data}")
    fig = nearest_misclassified_figure(rows, r.image_shape(), class_names=r.names, title=wrap(title, 95),
                                       score_name="dist", vmin=lo, vmax=hi)
    counts = "; ".join(f"{m.label}: " + ", ".join(f"{t}" for t in totals[m.key]) for m in compared_models(r))
    cap = (f"For each model, the misclassified {split} samples nearest the boundary (smallest |signed distance| "
           f"y f(x) / ||w||_1, written under each image), clean and after the exact worst-case attack at eps = "
           f"{said} {inside}: each image is exactly the input that fooled the model. Errors out of {len(y):,} "
           f"(clean, then at eps = {said}): {counts}."
           + (" Under attack these counts are lower than the plain l_inf ones of figures 6 and 9, because an "
              "attacked pixel cannot leave the pixel range (a background pixel at 0 can only be raised)."
              if pixels else ""))
    return Drawn(fig=fig, title=title, caption=cap)


def distances(r: RunResults) -> Drawn:
    from ...plots import distance_histograms_figure

    panels = []
    verdicts = []
    for method, mname in (("sgd", "SGD"), ("exact", "exact")):
        e = compared_radius(r, method)
        reg = r.m(method, 0.0)
        rob = r.m(method, e) if e is not None else None
        for eps in (0.0, e or 0.0):
            series = [("regular", error_distances(r, reg, eps), r.color(0.0))]
            if rob is not None:
                series.append((f"robust eps = {e:g}", error_distances(r, rob, eps), r.color(e)))
            what = f"under the eps = {eps:g} attack" if eps else "clean"
            panels.append({"title": f"{mname} models, {what}", "series": series, "vline": -eps if eps else None,
                           "vline_label": f"-eps = {-eps:g}: the most the attack moves a sample"})
            if e is None:
                break
        c = confidence(r, method)
        if c is not None:
            verdicts.append(c.summary())
        if e is not None and e != r.study:
            verdicts.append(f"the exact robust models below eps = {e:g} are the regular one rescaled, so the exact "
                            f"regular model is compared with the one trained at {e:g}")
    title = (f"Signed l_inf distance to the boundary of the misclassified {r.split} samples, regular vs robust, "
             f"{r.data}")
    fig = distance_histograms_figure(panels, ncols=2, title=wrap(title, 100))
    cap = (f"Histograms (log counts, bins with an edge at 0) of y f(x) / ||w||_1 for every misclassified {r.split} "
           f"sample: how far, in l_inf distance, the sample is on the wrong side of the boundary. Unlike the raw "
           f"logit, this does not change when w and b are scaled (the exact robust and regular models can be one "
           f"classifier at two scales). Clean, and under the exact attack at the robust model's training radius "
           f"eps, which moves every sample by exactly eps towards the boundary (dashed line); triangles mark the "
           f"medians. Medians under attack: " + ("; ".join(verdicts) if verdicts else "no robust model differs "
                                                 "from the regular one") + ".")
    return Drawn(fig=fig, title=title, caption=cap)
