"""``robustcvx sweep``: the grid, the table, resuming, and the same rows with or without Dask."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from robustcvx.cli import main
from robustcvx.errors import OptionError
from robustcvx.sweep import SweepConfig, expand_specs, read_rows, run_sweep

from conftest import make_blobs

#: columns that must be identical between two runs of the same cells (timings are not)
SAME = ("key", "data", "norm", "epsilon", "method", "seed", "objective", "optimum", "gap", "verified",
        "train_accuracy", "test_accuracy", "certified_accuracy", "nonzeros", "error")


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    d = tmp_path_factory.mktemp("sweep")
    out = []
    for k, sep in enumerate((0.3, 0.8)):
        X, y = make_blobs(n=60, d=4, sep=sep, seed=k)
        np.savez(d / f"t{k}.npz", X_train=X[:45], y_train=(y[:45] > 0).astype(int), X_test=X[45:],
                 y_test=(y[45:] > 0).astype(int))
        out.append(f"npz:{d}/t{k}.npz")
    return out


def _config(specs, **kw):
    base = dict(data=tuple(specs), epsilons=(0.0, 0.05), methods=("exact", "sgd"), seeds=(0, 1), epochs=2,
                batch_size=16)
    base.update(kw)
    return SweepConfig(**base)


def _strip(rows):
    return [{c: r[c] for c in SAME} for r in rows]


def test_the_grid():
    assert len(expand_specs(["mnist-sample:pairs"])) == 45
    assert expand_specs(["mnist:pairs", "csv:x.csv"])[:2] == ["mnist:0,1", "mnist:0,2"]
    cells = SweepConfig(data=("a:1,2",), epsilons=(0, 0.1), norms=("inf", "2"), methods=("exact", "pgd"),
                        seeds=(0, 1, 2)).cells()
    assert len(cells) == 2 * 2 * (1 + 3)                          # exact runs once, baselines once per seed
    assert len({c.key() for c in cells}) == len(cells)
    for bad, msg in ((dict(methods=("exact", "lbfgs")), "unknown method"), (dict(epsilons=(-1,)), "epsilon"),
                     (dict(norms=("l7",)), "unknown norm"), (dict(seeds=()), "seeds")):
        with pytest.raises(OptionError, match=msg):
            SweepConfig(data=("a:1,2",), **bad).cells()
    with pytest.raises(OptionError, match="pairs"):
        expand_specs(["csv:pairs"])


def test_rows_gaps_and_recorded_errors(specs, tmp_path):
    out = tmp_path / "t.csv"
    rows = run_sweep(_config(specs, norms=("inf", "2"), box=(-50, 50)), out, backend="sequential", progress=False)
    assert len(rows) == 2 * 2 * 2 * 3 and read_rows(out) and len(read_rows(out)) == len(rows)
    exact = {(r["data"], r["norm"], r["epsilon"]): r for r in rows if r["method"] == "exact"}
    for r in rows:
        assert not r["error"], r["error"]
        e = exact[(r["data"], r["norm"], r["epsilon"])]
        assert e["verified"] is True
        assert r["gap"] == pytest.approx(r["objective"] - e["objective"], abs=1e-12)
        assert r["gap"] >= -1e-9                                   # nothing beats the certified optimum
    # a cell that cannot run records its error and the sweep goes on
    bad = run_sweep(_config(specs[:1], epsilons=(0.05,), box=(0.5, 1.0), methods=("exact",)), tmp_path / "b.csv",
                    backend="sequential", progress=False)
    assert len(bad) == 1 and "does not contain the data" in bad[0]["error"]


def test_an_interrupted_sweep_resumes_without_recomputing(specs, tmp_path):
    out = tmp_path / "r.csv"
    cfg = _config(specs)
    seen = []

    def stop_after_three(row):
        seen.append(row["key"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(cfg, out, backend="sequential", progress=False, on_row=stop_after_three)
    assert [r["key"] for r in read_rows(out)] and {r["key"] for r in read_rows(out)} == set(seen)
    again = []
    rows = run_sweep(cfg, out, backend="sequential", progress=False, on_row=lambda r: again.append(r["key"]))
    assert not set(again) & set(seen) and len(again) == len(cfg.cells()) - 3
    whole = run_sweep(cfg, tmp_path / "whole.csv", backend="sequential", progress=False)
    assert _strip(rows) == _strip(whole)


def test_joblib_and_a_dask_local_cluster_give_the_same_rows(specs, tmp_path):
    cfg = _config(specs)
    seq = run_sweep(cfg, tmp_path / "seq.csv", backend="sequential", progress=False)
    job = run_sweep(cfg, tmp_path / "job.csv", backend="joblib", jobs=2, progress=False)
    dsk = run_sweep(cfg, tmp_path / "dask.csv", backend="dask", jobs=2, progress=False)
    assert _strip(seq) == _strip(job) == _strip(dsk)
    with open(tmp_path / "dask.csv", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(seq)


def test_the_command(specs, tmp_path, capsys):
    out = tmp_path / "c.csv"
    argv = ["sweep", "--data", specs[0], "--epsilon", "0,0.05", "--methods", "exact", "--out", str(out),
            "--backend", "sequential", "--no-progress"]
    assert main(argv) == 0
    assert "2 rows" in capsys.readouterr().err
    for extra, msg in ((["--methods", "exact,nope"], "unknown method"), (["--backend", "mpi"], "unknown backend"),
                       (["--jobs", "0"], "jobs must be a positive integer"), (["--seeds", "a"], "--seeds")):
        rc = main(argv[:-1] + extra)
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and msg in err[0], err
    (tmp_path / "notatable.csv").write_text("a,b\n1,2\n")
    rc = main(["sweep", "--data", specs[0], "--out", str(tmp_path / "notatable.csv"), "--no-progress"])
    assert rc == 2 and "not a sweep table" in capsys.readouterr().err
