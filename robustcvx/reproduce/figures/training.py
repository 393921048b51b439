"""Figure 10: SGD's training objective per epoch against the certified optimum of the same problem.

SGD with a constant step oscillates around (or above) the optimum, so the last iterate's
objective is one sample of that oscillation: the panel also draws the best iterate so far and,
when the baseline records it, the averaged iterate.
"""

from __future__ import annotations

from ..results import RunResults
from .base import Drawn, wrap


def sgd_vs_optimum(r: RunResults) -> Drawn:
    from ...plots import training_curves_figure

    panels = []
    has_average = False
    for e in (0.0, *r.epsilons):
        m, ex = r.m("sgd", e), r.m("exact", e)
        tr = [row for row in m.trace if row.get("objective") is not None]
        averaged = list(m.iterates.averaged_trace) if m.iterates is not None else []
        has_average = has_average or bool(averaged)
        panels.append({"title": "regular hinge (eps = 0)" if e == 0 else f"robust hinge, eps = {e:g}",
                       "epochs": [float(row.get("epoch", i + 1)) for i, row in enumerate(tr)],
                       "objective": [float(row["objective"]) for row in tr], "optimum": ex.objective,
                       "color": r.color(e), "best": True, "averaged": averaged or None})
    title = f"SGD training objective per epoch vs the certified optimum (dashed), {r.data}"
    fig = training_curves_figure(panels, title=wrap(title, 90))
    cap = ("The training objective (mean robust hinge on the training set) of SGD's iterate after each epoch, the "
           "best of them so far (dotted)" + (", the averaged iterate (black)" if has_average else "")
           + ", and the certified optimum of the same problem (dashed; log scale, linear where the optimum is 0 "
             "because the data is separable at that radius): the distance between them is SGD's suboptimality, "
             "and the spread of the last iterate is why one last-epoch number is not SGD's result.")
    return Drawn(fig=fig, title=title, caption=cap)
