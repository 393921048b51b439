"""The benchmark: workload specs, the report's flags (true only on every workload), an end-to-end run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from robustcvx.bench import PROBLEMS, Workload, default_workloads, run_bench
from robustcvx.bench.report import markdown, summarize
from robustcvx.cli import main

from conftest import make_blobs


def test_default_workloads_are_the_issue_table_as_a_user_runs_it():
    ws = default_workloads("/data/fashion")
    fashion = [w for w in ws if w.name.startswith("fashion 0v1")]
    assert len(fashion) == len(PROBLEMS) == 6 and all(w.mode == "cli" for w in fashion)
    args = {w.name: w.cli_args() for w in fashion}
    assert args["fashion 0v1 linf+box eps=0.1"] == ["solve", "--data", "idx:/data/fashion:0,1", "--epsilon", "0.1",
                                                    "--box", "0,1", "--json"]
    assert args["fashion 0v1 l2 eps=1"][-3:] == ["--norm", "2", "--json"]
    assert "--l2" in args["fashion 0v1 linf eps=0.1 l2=1e-3"]
    assert "--tie-break" not in " ".join(" ".join(a) for a in args.values())      # the default tie-break
    assert all(w.quick and w.mode == "api" for w in ws if w.name.startswith("mnist"))


def _row(name, ratio, verified=True):
    return {"name": name, "mode": "api", "ratio": ratio, "solver": {"median": ratio, "verified": verified},
            "sgd": {"median": 1.0, "threads": 1}}


def test_flags_hold_only_on_every_workload():
    good = [_row("a", 0.2), _row("b", 0.9)]
    s = summarize(good)
    assert s["every_workload_not_slower_than_100_sgd_epochs"] and s["every_workload_verified"]
    assert s["worst"] == {"name": "b", "ratio": 0.9} and s["ratios"] == {"a": 0.2, "b": 0.9}
    s = summarize(good + [_row("c", 1.01)])
    assert not s["every_workload_not_slower_than_100_sgd_epochs"] and s["worst"]["name"] == "c"
    s = summarize(good + [{"name": "d", "mode": "cli", "error": "data not found"}])   # not run: no flag
    assert not s["every_workload_not_slower_than_100_sgd_epochs"] and not s["every_workload_verified"]
    assert s["not_run"] == ["d"]
    assert not summarize(good + [_row("e", 0.5, verified=False)])["every_workload_verified"]


def test_markdown_states_every_ratio_and_the_worst():
    rows = [_row("a", 0.25), _row("b", 1.5)]
    rows[1]["profile"] = {"load_data": 0.1, "solve": 1.2, "attempts": [{"solver": "fast", "seconds": 1.0}],
                          "certificate_and_rest": 0.2, "evaluation": 0.05}
    report = {"machine": {"processor": "x", "cpu_count": 2, "python": "3", "load_average_at_start": None},
              "command": "robustcvx bench", "settings": {"repeats": 3}, "workloads": rows,
              "summary": summarize(rows)}
    text = markdown(report)
    assert "0.250" in text and "1.500" in text and "Worst ratio: **1.500** (b)" in text
    assert "ratio <= 1): **False**" in text and "Where the time goes" in text and "fast 1.00 s" in text


def test_a_small_run_end_to_end(tmp_path):
    X, y = make_blobs(n=60, d=5, sep=1.0, seed=4)
    np.savez(tmp_path / "d.npz", X_train=X, y_train=(y > 0).astype(int))
    ws = [Workload("blobs linf", f"npz:{tmp_path / 'd.npz'}", {"epsilon": 0.05}, "api"),
          Workload("blobs l2 qp", f"npz:{tmp_path / 'd.npz'}", {"epsilon": 0.1, "norm": "2", "l2": 0.01}, "cli"),
          Workload("missing", f"npz:{tmp_path / 'nothing.npz'}", {}, "api")]
    report = run_bench(ws, tmp_path / "out" / "bench.json", repeats=1, log=lambda s: None)
    doc = json.loads((tmp_path / "out" / "bench.json").read_text())
    assert doc["summary"] == json.loads(json.dumps(report["summary"]))
    rows = {r["name"]: r for r in doc["workloads"]}
    for name in ("blobs linf", "blobs l2 qp"):
        r = rows[name]
        assert r["solver"]["verified"] and r["sgd"]["median"] > 0 and r["sgd"]["threads"] in (1, 2)
        assert r["ratio"] == pytest.approx(r["solver"]["median"] / r["sgd"]["median"])
        assert r["profile"]["solve"] > 0
    assert rows["blobs l2 qp"]["solver"]["solver"] == "fast"          # parsed from the CLI's JSON
    assert "error" in rows["missing"] and doc["summary"]["not_run"] == ["missing"]
    assert not doc["summary"]["every_workload_not_slower_than_100_sgd_epochs"]
    md = (tmp_path / "out" / "bench.md").read_text()
    assert "blobs linf" in md and "not run: missing" in md


def test_synthetic_sparse_data_is_text_like_and_runs_through_the_cli(tmp_path):
    import scipy.sparse as sp

    from robustcvx.bench.synthetic import materialise, text_like
    from robustcvx.data import load_task

    X, y = text_like(3000, 5000, 2e-3, seed=1)
    assert sp.issparse(X) and X.shape == (3000, 5000)
    assert np.allclose(np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()), 1.0)     # unit rows
    assert abs(X.nnz / 3000 - 10) <= 1                                                 # density * d per row
    assert 0.3 < np.mean(y > 0) < 0.7
    col = np.asarray((X != 0).sum(axis=0)).ravel()
    assert col[:50].sum() > col[-2500:].sum()                        # a few frequent features, a long tail
    spec = materialise("synthetic-sparse:3000,5000,0.002,1", tmp_path)
    assert spec.startswith("npz:") and materialise("mnist-sample:0,1", tmp_path) == "mnist-sample:0,1"
    task = load_task(spec)
    assert sp.issparse(task.X_train) and np.array_equal(task.y_train, y)
    assert abs(task.X_train - X).max() == 0.0
    ws = [Workload("sparse", "synthetic-sparse:3000,5000,0.002,1", {"epsilon": 0.01}, "cli")]
    doc = run_bench(ws, tmp_path / "b.json", repeats=1, log=lambda s: None)
    row = doc["workloads"][0]
    assert row["solver"]["verified"] and row["d"] == 5000 and row["data"] == ws[0].data
    assert row["solver"]["peak_memory_mb"] > row["data_memory_mb"] > 0          # the child's own peak
    assert "peak memory [MB]" in (tmp_path / "b.md").read_text()


def test_bench_rejects_an_unknown_workload_filter(tmp_path, capsys):
    rc = main(["bench", "--only", "no-such-workload", "--out", str(tmp_path / "b.json")])
    err = capsys.readouterr().err
    assert rc == 2 and "matches no workload" in err and len(err.strip().splitlines()) == 1


def test_ten_class_row_and_the_crammer_singer_sgd_timer(tmp_path):
    from robustcvx.bench import measure
    from robustcvx.bench.workloads import ten_class_workload
    from robustcvx.data import load_task
    from robustcvx.problems import MulticlassHingeProblem

    w = ten_class_workload("/data/fashion")
    assert w in default_workloads("/data/fashion") and w.mode == "cli"
    assert w.cli_args() == ["solve", "--data", "idx:/data/fashion:all", "--epsilon", "0.1", "--json"]
    rng = np.random.default_rng(3)
    y = np.arange(45) % 3
    X = rng.random((45, 4)) + 0.6 * y[:, None] * np.array([1.0, 0.0, 0.5, 0.0])
    np.savez(tmp_path / "k3.npz", X_train=X, y_train=y)
    small = Workload("k3 linf", f"npz:{tmp_path / 'k3.npz'}", {"epsilon": 0.05}, "api")
    problem = measure.problem_for(small, load_task(small.data, download=False))
    assert isinstance(problem, MulticlassHingeProblem) and problem.K == 3 and problem.epsilon == 0.05
    sgd = measure.time_sgd(problem, threads=1, epochs=2)        # the joint objective, W of shape (K, d)
    assert sgd["seconds"] > 0 and np.isfinite(sgd["objective"]) and sgd["objective"] >= 0
    report = run_bench([small], tmp_path / "bench.json", repeats=1, log=lambda s: None)
    row = report["workloads"][0]
    assert row["solver"]["verified"] and row["ratio"] == pytest.approx(row["solver"]["median"] / row["sgd"]["median"])
    assert row["solver"]["objective"] <= row["sgd"]["objective"] + 1e-9 * max(1.0, row["sgd"]["objective"])


def test_a_solve_past_its_time_limit_is_unfinished_and_fails_the_flags(tmp_path):
    X, y = make_blobs(n=40, d=4, sep=1.0, seed=5)
    np.savez(tmp_path / "d.npz", X_train=X, y_train=(y > 0).astype(int))
    ws = [Workload("blobs linf", f"npz:{tmp_path / 'd.npz'}", {"epsilon": 0.05}, "api"),
          Workload("killed", f"npz:{tmp_path / 'd.npz'}", {"epsilon": 0.05}, "cli", timeout=0.01, max_repeats=1)]
    report = run_bench(ws, tmp_path / "bench.json", repeats=2, log=lambda s: None)
    rows = {r["name"]: r for r in report["workloads"]}
    killed = rows["killed"]
    assert killed["ratio"] is None and killed["solver"]["timed_out_after"] == 0.01
    assert len(killed["sgd"]["runs"]) == 1 and len(rows["blobs linf"]["sgd"]["runs"]) == 2
    assert killed["ratio_exceeds"] == pytest.approx(0.01 / killed["sgd"]["median"])
    s = report["summary"]
    assert s["unfinished"] == {"killed": killed["ratio_exceeds"]} and s["not_run"] == []
    assert not s["every_workload_not_slower_than_100_sgd_epochs"] and not s["every_workload_verified"]
    assert s["worst"]["name"] == "blobs linf"
    md = (tmp_path / "bench.md").read_text()
    assert "(unfinished)" in md and "Unfinished: killed, the exact solve was stopped after 0.01 s" in md
