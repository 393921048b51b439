"""Run the cells of a sweep: in this process, in local processes (joblib) or on a Dask cluster.

Each data set is loaded once in the driver and sent to the workers once (joblib memory-maps large
arrays; Dask scatters them to every worker), every cell runs single-threaded, and finished rows are
written (atomically, :mod:`.table`) as soon as they arrive, so an interrupted sweep restarts where it
stopped: cells whose key is already in the table are not run again.  A progress bar (stderr) counts
finished cells.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from ..errors import OptionError
from .cell import run_cell
from .grid import Cell, SweepConfig
from .table import check_output, read_rows, write_rows

BACKENDS = ("sequential", "joblib", "dask")


def load_arrays(spec: str, data_dir: str | None) -> dict:
    """What a cell needs of a task (plain arrays: cheap to send to workers)."""
    from ..data import load_task

    task = load_task(spec, data_dir=data_dir)
    return {"X_train": task.X_train, "y_train": task.y_train, "X_test": task.X_test, "y_test": task.y_test,
            "info": task.info()}


def run_sweep(config: SweepConfig, out: str, *, backend: str = "joblib", jobs: int = 2, scheduler: str | None = None,
              progress: bool = True, on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Run every cell of ``config`` not yet in ``out``; return all rows (old and new) with gaps.

    ``backend``: ``sequential``, ``joblib`` (``jobs`` processes) or ``dask`` (a ``LocalCluster`` of
    ``jobs`` single-threaded worker processes, or the cluster at ``scheduler``).  ``on_row`` is called
    in the driver after each finished row is written (tests use it to interrupt a sweep).
    """
    if backend not in BACKENDS:
        raise OptionError(f"unknown backend {backend!r}: use one of {', '.join(BACKENDS)}")
    if isinstance(jobs, bool) or int(jobs) != jobs or jobs < 1:
        raise OptionError(f"jobs must be a positive integer, got {jobs!r}")
    if scheduler is not None and backend != "dask":
        backend = "dask"
    path = check_output(out)
    cells = config.cells()
    rows = read_rows(path)
    done = {r["key"] for r in rows}
    todo = [c for c in cells if c.key() not in done]
    bar = _bar(len(cells), len(cells) - len(todo), progress)
    try:
        if todo:
            arrays = {spec: load_arrays(spec, config.data_dir) for spec in dict.fromkeys(c.data for c in todo)}

            def finished(row: dict) -> None:
                rows.append(row)
                write_rows(path, rows)
                bar.update(1)
                if on_row is not None:
                    on_row(row)

            {"sequential": _sequential, "joblib": _joblib, "dask": _dask}[backend](
                todo, arrays, finished, jobs=int(jobs), scheduler=scheduler)
        elif not path.exists():
            write_rows(path, rows)
    finally:
        bar.close()
    order = {c.key(): k for k, c in enumerate(cells)}
    from .table import with_gaps

    return with_gaps(sorted(rows, key=lambda r: order.get(r["key"], len(order))))


def _bar(total: int, initial: int, enabled: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc="sweep", unit="cell", file=sys.stderr, disable=not enabled)


def _sequential(cells: list[Cell], arrays: dict, finished: Callable, **_: Any) -> None:
    for c in cells:
        finished(run_cell(arrays[c.data], c))


def _joblib(cells: list[Cell], arrays: dict, finished: Callable, jobs: int, **_: Any) -> None:
    from joblib import Parallel, delayed

    if jobs == 1:
        return _sequential(cells, arrays, finished)
    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered", max_nbytes="1M")
    for row in parallel(delayed(run_cell)(arrays[c.data], c) for c in cells):
        finished(row)
    return None


def _dask(cells: list[Cell], arrays: dict, finished: Callable, jobs: int, scheduler: str | None, **_: Any) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise OptionError("the dask backend needs dask[distributed]: pip install 'robustcvx[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=30)
        except OSError as exc:
            raise OptionError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        # sent once to every worker; a list (not the dict itself, whose keys would name the data on the
        # cluster and collide between data sets)
        scattered = {spec: client.scatter([a], broadcast=True)[0] for spec, a in arrays.items()}
        futures = [client.submit(run_cell, scattered[c.data], c, pure=False) for c in cells]
        for fut in as_completed(futures):
            finished(fut.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
