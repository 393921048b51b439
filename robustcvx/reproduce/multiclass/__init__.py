r"""``robustcvx reproduce`` for ``K >= 3`` classes (dispatched from :func:`robustcvx.reproduce.run`).

* :mod:`.models` -- the models (exact Crammer--Singer at 0 and at the radius, exact one-vs-rest, SGD on the
  joint hinge, softmax and PGD-trained softmax), trained via :func:`robustcvx.compare.compare`, and their
  exact certified curves and PGD accuracies;
* :mod:`.figures` -- weight images, certified accuracy against epsilon, SGD's gap to the optimum;
* :mod:`.report` -- ``summary.csv``, ``summary.json``, ``models.npz``, ``README.md``;
* :mod:`.pipeline` -- :func:`run`.
"""

from __future__ import annotations

from .pipeline import DEFAULT_EPSILON, FIGURES, MulticlassResult, class_names, run

__all__ = ["DEFAULT_EPSILON", "FIGURES", "MulticlassResult", "class_names", "run"]
