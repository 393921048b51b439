"""``robustcvx sweep``: a grid of problems and methods, each cell one row of a tidy table.

:class:`SweepConfig` (:mod:`.grid`) says what to run, :func:`run_sweep` (:mod:`.runner`) runs it on
this machine (joblib processes) or on a Dask cluster, :mod:`.table` keeps the table (resumable,
atomic), :mod:`.cell` runs one cell.
"""

from .cell import COLUMNS, run_cell
from .grid import METHODS, Cell, SweepConfig, expand_specs
from .runner import BACKENDS, run_sweep
from .table import read_rows, with_gaps, write_rows

__all__ = ["BACKENDS", "COLUMNS", "METHODS", "Cell", "SweepConfig", "expand_specs", "read_rows", "run_cell",
           "run_sweep", "with_gaps", "write_rows"]
