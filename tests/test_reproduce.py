"""``robustcvx reproduce``: helpers, naming, the pipeline on a tiny task (twice: identical tables), claims, the CLI.

Numbers are checked against formulas written here from the math (margins, accuracies, distances),
and the classical SVM against scikit-learn's hard-margin solver, never against the code under test.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import shlex
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from robustcvx import report, reproduce
from robustcvx.errors import OptionError
from robustcvx.problems import RobustHingeProblem
from robustcvx.report import claims as claim_rules
from robustcvx.reproduce import ReproduceConfig, TrainedModel
from robustcvx.threats import LinfBall


def tiny_task(n=48, n_test=30, seed=0, name="toy:0,1"):
    """Two 4x4 'image' classes in [0, 1] (a centre blob vs corners) plus noise, with a test split."""
    from robustcvx.data import BinaryTask

    def draw(m, rng):
        y = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)
        pos, neg = np.zeros(16), np.zeros(16)
        pos[[5, 6, 9, 10]] = 0.6
        neg[[0, 3, 12, 15]] = 0.6
        X = np.where(y[:, None] > 0, pos, neg) + rng.uniform(0.0, 0.4, size=(m, 16))
        X[:, 7] = 0.0                              # a pixel that is 0 in every image
        return np.clip(X, 0.0, 1.0), y

    rng = np.random.default_rng(seed)
    X, y = draw(n, rng)
    Xt, yt = draw(n_test, rng)
    return BinaryTask(name=name, source="synthetic 4x4 test images", classes=(0, 1), X_train=X, y_train=y,
                      X_test=Xt, y_test=yt, split=f"train: {n}; test: {n_test}", image_shape=(4, 4))


def model(key="m", method="exact", eps=0.0, coef=(1.0, -2.0), b=0.5, objective=0.0, optimum=0.0, **kw):
    return TrainedModel(key=key, method=method, epsilon=eps, coef=np.asarray(coef, dtype=float), intercept=b,
                        objective=objective, optimum=optimum, seconds=0.0, **kw)


# ---------------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("spec, slug", [
    ("mnist:0,1", "mnist-0-1"),
    ("mnist-sample:3,8", "mnist-sample-3-8"),
    ("idx:/usr/share/datasets/fashion-mnist:0,1", "fashion-mnist-0-1"),
    ("idx:/usr/share/datasets/fashion-mnist/:0,1", "fashion-mnist-0-1"),
    ("npz:/tmp/x/My Data.npz", "my-data"),
    ("csv:~/a.csv:3,8", "a-3-8"),
    ("mnist:all", "mnist-all"),
    ("mnist-sample:0,1,2", "mnist-sample-0-1-2"),
])
def test_output_slug(spec, slug):
    assert reproduce.output_slug(spec) == slug


def test_config_defaults_quick_and_errors():
    cfg = ReproduceConfig().resolved()
    assert cfg.epsilons == (0.05, 0.1, 0.2)
    assert cfg.eval_epsilons[0] == 0.0 and max(cfg.eval_epsilons) == 0.3
    assert cfg.epochs == 100 and cfg.study_epsilon == 0.1
    assert cfg.out == str(Path("results") / "mnist-0-1")
    assert cfg.command() == "robustcvx reproduce --data mnist:0,1"
    assert cfg.sgd_schedule == "none" and cfg.sgd_average == "tail"    # the study's step; averaging reported
    with pytest.raises(OptionError, match="sgd-average"):
        ReproduceConfig(sgd_average="mean").resolved()
    # rerunning on the data a loader fell back to keeps the output folder of the spec asked for
    assert cfg.command(data="mnist-sample:0,1") == \
        "robustcvx reproduce --data mnist-sample:0,1 --out results/mnist-0-1"
    assert ReproduceConfig(max_train=500).resolved().command() == "robustcvx reproduce --data mnist:0,1 --max-train 500"
    with pytest.raises(OptionError, match="max-train"):
        ReproduceConfig(max_train=0).resolved()
    q = ReproduceConfig(quick=True).resolved()
    assert q.epsilons == (0.1,) and q.epochs == 3
    assert ReproduceConfig(epsilons=(0.2, 0, 0.05, 0.2)).resolved().epsilons == (0.05, 0.2)
    assert ReproduceConfig(epsilons=(0.05, 0.2)).resolved().study_epsilon == 0.2
    with pytest.raises(OptionError):
        ReproduceConfig(epsilons=(0.0,)).resolved()
    with pytest.raises(OptionError):
        ReproduceConfig(epochs=0).resolved()
    with pytest.raises(OptionError):
        ReproduceConfig(study_epsilon=0.3).resolved()
    with pytest.raises(ValueError):
        ReproduceConfig(epsilons=(-1,)).resolved()


def test_command_round_trips_through_the_cli_parser():
    from robustcvx.cli import build_parser
    from robustcvx.cli.reproduce import _config

    cfg = ReproduceConfig(data="idx:/some dir/fashion:0,1", data_dir="/d", epsilons=(0.1, 0.3), epochs=7,
                          eval_epsilons=(0, 0.1, 0.3), lr=0.05, seed=2, out="out dir", sgd_schedule="inv-sqrt",
                          sgd_average="all", max_train=300).resolved()
    argv = shlex.split(cfg.command())
    assert argv[:2] == ["robustcvx", "reproduce"] and "--sgd-average" in argv and "--sgd-schedule" in argv
    again = _config(build_parser().parse_args(argv[1:])).resolved()
    assert again == cfg


@pytest.mark.parametrize("name, classes, title, names", [
    ("mnist-sample:0,1", (0, 1), "MNIST sample digits 0 vs 1", ("digit 0", "digit 1")),
    ("mnist:3,8", (3, 8), "MNIST digits 3 vs 8", ("digit 3", "digit 8")),
    ("idx:/usr/share/datasets/fashion-mnist:0,1", (0, 1), "Fashion-MNIST T-shirt/top vs Trouser",
     ("T-shirt/top", "Trouser")),
    ("fashion-mnist:7,9", (7, 9), "Fashion-MNIST Sneaker vs Ankle boot", ("Sneaker", "Ankle boot")),
    # a file that merely mentions a data set in its path is not that data set
    ("npz:/data/fashion-mnist-features/extra.npz:0,1", (0, 1), "extra class 0 vs class 1", ("class 0", "class 1")),
    ("toy:0,1", (0, 1), "toy class 0 vs class 1", ("class 0", "class 1")),
])
def test_dataset_and_class_names_come_from_the_spec(name, classes, title, names):
    task = SimpleNamespace(name=name, classes=classes, n=10,
                           evaluation_split=lambda: (None, np.zeros(5), "test"))
    assert reproduce.class_names(task) == {-1.0: names[0], 1.0: names[1]}
    assert reproduce.data_title(task) == f"{title} (10 train / 5 test)"


def test_landscape_matches_the_problem_objective_and_its_derivative():
    task = tiny_task()
    X, y = task.X_train, task.y_train
    t = np.linspace(-3, 3, 61)
    j, eps = 5, 0.1
    lr, lb, _gr, _gb = reproduce.landscape_along_weight(X, y, j, eps, t)
    for k in (0, 13, 30, 47, 60):
        w = np.zeros(X.shape[1])
        w[j] = t[k]
        assert lr[k] == pytest.approx(RobustHingeProblem(X, y, 0.0).objective(w, 0.0))
        assert lb[k] == pytest.approx(RobustHingeProblem(X, y, eps).objective(w, 0.0))
    # derivative = slope of the objective between grid points, away from kinks
    h = 1e-6
    for tv in (-2.05, -0.3, 0.4, 1.7):
        lo = reproduce.landscape_along_weight(X, y, j, eps, np.array([tv - h, tv + h]))
        mid = reproduce.landscape_along_weight(X, y, j, eps, np.array([tv]))
        assert mid[3][0] == pytest.approx((lo[1][1] - lo[1][0]) / (2 * h), abs=1e-6)
        assert mid[2][0] == pytest.approx((lo[0][1] - lo[0][0]) / (2 * h), abs=1e-6)
    # the robust slope jumps by 2 eps * (fraction active) across 0: a sign change when |signal| < eps
    s = reproduce.pixel_signal(X, y)
    weak = int(np.argmin(np.abs(s)))
    _, _, _, g = reproduce.landscape_along_weight(X, y, weak, eps, np.array([-1e-9, 1e-9]))
    assert g[0] < 0 < g[1]


def test_pick_pixels_and_nearest_misclassified():
    s = np.array([0.5, -0.04, 0.06, 0.2, 0.0, -0.07])
    strong, weak = reproduce.pick_pixels(s, 0.1)
    assert strong == 0 and weak in (1, 2, 5)
    assert abs(abs(s[weak]) - 0.05) == min(abs(abs(s[k]) - 0.05) for k in (1, 2, 5))
    assert reproduce.pick_pixels(s, 0.1, reference=np.array([0, 0, 0, 0, 0, 9.0]))[1] == 5
    logits = np.array([0.5, -0.1, 0.02, -2.0, 0.0, 0.3])
    y = np.array([1.0, 1.0, -1.0, 1.0, -1.0, -1.0])
    idx = reproduce.nearest_misclassified(logits, y, 3)
    assert list(idx) == [4, 2, 1]   # wrong: 1, 2, 3, 4, 5 (margin <= 0); smallest |logit| first
    assert list(reproduce.nearest_misclassified(logits, y, 10)) == [4, 2, 1, 5, 3]


def test_signed_distances_are_scale_free_margins_over_the_dual_norm():
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(20, 5)), np.where(rng.random(20) > 0.5, 1.0, -1.0)
    w, b = rng.normal(size=5), 0.3
    d = reproduce.signed_distances(w, b, X, y, LinfBall(0.0))
    np.testing.assert_allclose(d, y * (X @ w + b) / np.abs(w).sum())
    np.testing.assert_allclose(reproduce.signed_distances(3.58 * w, 3.58 * b, X, y, LinfBall(0.0)), d)
    assert list(reproduce.dead_pixels(np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0]]))) == [True, False, False]


def test_same_classifier_detects_rescaled_models():
    a = model("a", coef=(1.0, -2.0), b=0.5)
    b = model("b", eps=0.1, coef=(3.0, -6.0), b=1.5)
    c = model("c", eps=0.1, coef=(3.0, -6.0), b=1.0)
    assert reproduce.same_classifier(a, b) and not reproduce.same_classifier(a, c)


def test_sgd_iterates_last_best_and_averaged():
    from robustcvx.reproduce.training import sgd_iterates

    it = lambda which, obj, epoch: SimpleNamespace(which=which, objective=obj, epoch=epoch)
    trace = [{"epoch": 1, "objective": 0.9, "averaged_objective": 0.9}, {"epoch": 2, "objective": 0.4,
             "averaged_objective": 0.6}, {"epoch": 3, "objective": 0.7, "averaged_objective": 0.5}]
    res = SimpleNamespace(last=it("last", 0.7, 3), best=it("best", 0.4, 2), averaged=it("averaged", 0.5, 3),
                          trace=trace)
    got = sgd_iterates(res)
    assert (got.last, got.best, got.best_epoch, got.averaged) == (0.7, 0.4, 2, 0.5)
    assert got.averaged_trace == (0.9, 0.6, 0.5)
    none = sgd_iterates(SimpleNamespace(last=res.last, best=res.best, averaged=None,
                                        trace=[dict(r, averaged_objective=None) for r in trace]))
    assert none.averaged is None and none.averaged_trace == ()


def test_sgd_models_report_the_baselines_last_best_and_averaged_iterates():
    """Against a direct baseline run: the last iterate is the model, best and averaged match its result."""
    from robustcvx.baselines import BaselineConfig, train_baseline
    from robustcvx.reproduce.training import train_sgd

    task = tiny_task()
    X, y = task.X_train, task.y_train
    exact = {"exact-regular": model("exact-regular", objective=0.0), "exact-robust-0.1": model(
        "exact-robust-0.1", eps=0.1, objective=0.05)}
    got = train_sgd(X, y, (0.1,), exact, threat=LinfBall(0.0), epochs=4, batch_size=10, lr=0.1, seed=1,
                    average="all")["sgd-robust-0.1"]
    problem = RobustHingeProblem(X, y, 0.1)
    ref = train_baseline(problem, BaselineConfig(epochs=4, batch_size=10, lr=0.1, seed=1, average="all",
                                                 device="cpu"), optimum=0.05)
    np.testing.assert_array_equal(got.coef, ref.last.coef)
    assert got.objective == pytest.approx(problem.objective(ref.last.coef, ref.last.intercept), rel=1e-12)
    objectives = [r["objective"] for r in ref.trace]
    assert got.iterates.best == pytest.approx(min(objectives)) and got.iterates.best_epoch == 1 + int(
        np.argmin(objectives))
    # the averaged iterate: the mean of every step's iterate, recomputed here from its weights
    assert got.iterates.averaged == pytest.approx(problem.objective(ref.averaged.coef, ref.averaged.intercept))
    assert len(got.iterates.averaged_trace) == 4


def test_classical_svm_is_the_hard_margin_svm(mnist01):
    """The l2 max-margin optimum of the regular problem equals scikit-learn's hard-margin linear SVM."""
    from sklearn.svm import SVC

    from robustcvx.reproduce.training import train_classical_svm
    from robustcvx.solvers import solve

    y_all = mnist01.y_train
    rows = np.r_[np.flatnonzero(y_all > 0)[:150], np.flatnonzero(y_all < 0)[:150]]
    X, y = mnist01.X_train[rows], y_all[rows]
    regular = solve(RobustHingeProblem(X, y, 0.0))
    svm = train_classical_svm(X, y, regular)
    assert svm is not None and svm.verified and svm.tie_break == "max-margin-l2"
    assert svm.objective <= 1e-8
    assert np.min(y * (X @ svm.coef + svm.intercept)) >= 1.0 - 1e-12     # every margin at least 1
    ref = SVC(kernel="linear", C=1e8, tol=1e-8).fit(X, y)
    w_ref = ref.coef_.ravel()
    assert np.linalg.norm(svm.coef) == pytest.approx(np.linalg.norm(w_ref), rel=1e-3)
    assert float(svm.coef @ w_ref) / (np.linalg.norm(svm.coef) * np.linalg.norm(w_ref)) > 0.999


# --------------------------------------------------------------------------------- pipeline
@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """The quick pipeline run twice on the same tiny task into the same folder."""
    out = tmp_path_factory.mktemp("repro") / "toy"
    cfg = ReproduceConfig(data="toy:0,1", quick=True, epochs=2, out=str(out), eval_epsilons=(0, 0.05, 0.1, 0.3))
    texts = []
    results = []
    for _ in range(2):
        res = reproduce.run(cfg, task=tiny_task(), progress=False)
        results.append(res)
        texts.append({name: (out / name).read_text() for name in ("summary.csv", "summary.json", "README.md")})
    return out, results, texts


def test_run_writes_every_figure_and_table(two_runs):
    out, results, _ = two_runs
    res = results[0]
    names = sorted(p.name for p in out.iterdir())
    figs = [s.file for s in reproduce.planned(True)]
    assert len(figs) == len(reproduce.FIGURES) == 11
    assert [s.file for s in reproduce.planned(False)] == [f for f in figs if "box" not in f]
    assert names == sorted(figs + ["README.md", "summary.csv", "summary.json"])  # no temporary files left
    for f in figs:
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [f.file for f in res.figures] == figs
    figures_again = [(f.file, f.caption) for f in results[1].figures]
    assert figures_again == [(f.file, f.caption) for f in res.figures]


def test_progress_total_is_the_plan(capsys, tmp_path):
    import sys

    cfg = ReproduceConfig(data="toy:0,1", quick=True, epochs=1, out=str(tmp_path / "p"))
    reproduce.run(cfg, task=tiny_task(), progress=True, stream=sys.stderr)
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("[")]
    total = len(reproduce.pipeline.plan(cfg.resolved(), True))
    assert total == 1 + 4 + 2 + 1 + 11 + 1   # load, exact (0, svm, 0.1, box 0.1), sgd x2, eval, figures, tables
    assert [ln.split("]")[0] for ln in lines] == [f"[{k:>2}/{total}" for k in range(1, total + 1)]


def test_tables_are_identical_across_runs_apart_from_timing(two_runs):
    _, _, texts = two_runs
    a, b = texts
    assert report.strip_timing_csv(a["summary.csv"]) == report.strip_timing_csv(b["summary.csv"])
    assert report.strip_timing(json.loads(a["summary.json"])) == report.strip_timing(json.loads(b["summary.json"]))
    assert a["README.md"] == b["README.md"]
    header = next(csv.reader(io.StringIO(a["summary.csv"])))
    timing = [c for c in header if "second" in c]
    assert timing == ["train_seconds"]


def test_summary_rows_are_consistent_with_the_models(two_runs):
    _out, results, texts = two_runs
    doc = json.loads(texts[0]["summary.json"])
    rows = doc["rows"]
    keys = [r["model"] for r in rows]
    assert keys[0] == "exact-regular"
    assert {"exact-robust-0.1", "exact-robust-box-0.1", "sgd-regular", "sgd-robust-0.1"} <= set(keys)
    assert doc["columns"] == report.columns(doc["eval_epsilons"])
    task = tiny_task()
    models = results[0].models
    for r in rows:
        m = models[r["model"]]
        w, b = m.coef, m.intercept
        # accuracies from the formulas: y (w.x + b) > 0, certified iff y f(x) > eps ||w||_1
        for X, y, col, cert in ((task.X_test, task.y_test, "clean_accuracy", "certified_accuracy"),
                                (task.X_train, task.y_train, "train_accuracy", "train_certified_accuracy")):
            margin = y * (X @ w + b)
            assert r[col] == pytest.approx(np.mean(margin > 0), abs=1e-6)
            for e in doc["eval_epsilons"]:
                assert r[f"{cert}@{e:g}"] == pytest.approx(np.mean(margin > e * np.abs(w).sum()), abs=1e-6)
        for e in doc["eval_epsilons"]:
            # exact certificate and exact worst-case attack agree for linear models
            assert r[f"certified_accuracy@{e:g}"] == r[f"attacked_accuracy@{e:g}"]
            # the box is a smaller threat: never less certified accuracy
            assert r[f"certified_box_accuracy@{e:g}"] >= r[f"certified_accuracy@{e:g}"]
        assert r["weights_above_1pct"] == int(np.sum(np.abs(w) > 0.01 * np.abs(w).max()))
        if r["method"] == "exact":
            assert r["verified"] is True and r["gap_to_optimum"] == 0.0
            assert r["gap_best_iterate"] is None and r["best_epoch"] is None
        else:
            assert r["gap_to_optimum"] >= -1e-9 and r["train_objective"] >= r["optimum"] - 1e-9
            problem = RobustHingeProblem(task.X_train, task.y_train, m.epsilon)
            assert r["train_objective"] == pytest.approx(problem.objective(w, b), rel=1e-7)
            best = min(t["objective"] for t in m.trace)
            assert r["gap_best_iterate"] == pytest.approx(best - m.optimum, rel=1e-5, abs=1e-12)
            assert r["gap_best_iterate"] <= r["gap_to_optimum"] + 1e-12
            assert 1 <= r["best_epoch"] <= 2
            # the default averaging (tail) is reported: the mean of the last half of the epochs' iterates
            assert r["gap_averaged_iterate"] == pytest.approx(m.iterates.averaged - m.optimum, rel=1e-5, abs=1e-12)
            assert r["gap_averaged_iterate"] >= -1e-9                  # no model beats the certified optimum
    # csv and json hold the same rows
    parsed = list(csv.DictReader(io.StringIO(texts[0]["summary.csv"])))
    assert [p["model"] for p in parsed] == keys
    assert float(parsed[0]["clean_accuracy"]) == rows[0]["clean_accuracy"]
    assert doc["data"]["name"] == "toy:0,1" and doc["data_requested"] == "toy:0,1"
    assert doc["evaluation"]["split"] == "test" and doc["evaluation"]["threat"] == "l_inf"


def test_classical_svm_is_kept_only_as_a_max_margin_optimum(two_runs):
    _, results, _ = two_runs
    svm = results[0].models.get("exact-regular-l2svm")
    regular = results[0].models["exact-regular"]
    assert regular.degenerate          # the tiny task is separable
    assert svm is not None and svm.tie_break == "max-margin-l2" and svm.verified
    X, y = tiny_task().X_train, tiny_task().y_train
    assert np.min(y * (X @ svm.coef + svm.intercept)) >= 1.0 - 1e-12


def test_readme_embeds_every_figure_with_caption_data_versions_and_command(two_runs):
    _, results, texts = two_runs
    readme = texts[0]["README.md"]
    for fig in results[0].figures:
        assert f"]({fig.file})" in readme
        assert fig.caption in readme and len(fig.caption) > 40
    assert "robustcvx reproduce --data toy:0,1 --quick --eval-epsilon 0,0.05,0.1,0.3 --epochs 2" in readme
    assert "synthetic 4x4 test images" in readme
    assert "data asked for" not in readme          # the data used is the data asked for
    for pkg in ("numpy", "cvxpy", "torch", "matplotlib"):
        assert pkg in readme.split("## Versions")[1]
    assert "summary.csv" in readme


def test_readme_states_findings_and_the_claims_table(two_runs):
    _, results, texts = two_runs
    readme = texts[0]["README.md"]
    assert "## What the results show" in readme
    assert "**Certified = attacked**" in readme and "**Certified accuracy at eps = 0.1**" in readme
    table = readme.split("## The study's claims, checked")[1].split("## What the results show")[0]
    rows = [ln for ln in table.splitlines() if ln.startswith("| ") and "verdict" not in ln]
    assert len(rows) == len(report.check_claims(results[0].results)) >= 6
    for ln in rows:
        assert any(f"**{v}**" in ln for v in ("reproduced", "qualified", "contradicted"))
        assert any(ch.isdigit() for ch in ln.split("|")[3])           # the evidence has numbers
    assert "Verdict rules" in table


def test_provenance_records_the_data_actually_used(two_runs, tmp_path):
    """A loader that fell back (mnist -> mnist-sample): the files say which data was used, and how to rerun it."""
    _, results, _ = two_runs
    r = results[0].results
    fell_back = dataclasses.replace(r, task=dataclasses.replace(r.task, name="mnist-sample:0,1"),
                                    cfg=dataclasses.replace(r.cfg, data="mnist:0,1"))
    meta = report.run_metadata(fell_back)
    assert meta["data"]["name"] == "mnist-sample:0,1" and meta["data_requested"] == "mnist:0,1"
    assert "--data mnist:0,1" in meta["command"]
    assert "--data mnist-sample:0,1" in meta["command_same_data"]
    assert f"--out {r.cfg.out}" in meta["command_same_data"]
    text = report.readme_text(meta, report.summary_rows(fell_back), [], report.readme_facts(fell_back))
    assert "data used: spec `mnist-sample:0,1`" in text and "data asked for: `mnist:0,1`" in text
    assert meta["command_same_data"] in text


def test_save_png_writes_a_small_palette_png_atomically(tmp_path):
    from PIL import Image

    from robustcvx import plots

    fig = plots.hinge_loss_figure()
    path = tmp_path / "fig.png"
    reproduce.save_png(fig, path, dpi=50)
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]
    with Image.open(path) as im:
        assert im.mode == "P" and im.size == (round(7.8 * 50), round(4.6 * 50))
    first = path.read_bytes()
    reproduce.save_png(fig, path, dpi=50)
    assert path.read_bytes() == first  # deterministic bytes


def test_interrupt_propagates_and_leaves_only_complete_files(tmp_path, monkeypatch):
    from robustcvx import plots

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "weight_images_figure", boom)
    out = tmp_path / "toy"
    cfg = ReproduceConfig(quick=True, epochs=1, out=str(out))
    with pytest.raises(KeyboardInterrupt):
        reproduce.run(cfg, task=tiny_task(), progress=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["01-hinge-loss.png", "02-robust-hinge.png", "03-loss-landscape.png", "04-threat-sets.png"]
    for n in names:
        assert (out / n).read_bytes()[:4] == b"\x89PNG"


# ----------------------------------------------------------------------------- claim rules
def _fake_results(clean, certified, objectives=None, svm=True):
    """The few lookups the claim rules use, for models named sgd0, sgd1, ex0, ex1, svm."""
    objectives = objectives or {}
    models = {
        "sgd0": model("sgd-regular", "sgd", 0.0, objective=objectives.get("sgd0", 0.0)),
        "sgd1": model("sgd-robust-0.1", "sgd", 0.1, objective=objectives.get("sgd1", 0.0)),
        "ex0": model("exact-regular", "exact", 0.0), "ex1": model("exact-robust-0.1", "exact", 0.1),
    }
    if svm:
        models["svm"] = model("exact-regular-l2svm", "exact", 0.0, variant="l2svm")
    by_key = {m.key: k for k, m in models.items()}
    evs = {k: SimpleNamespace(clean=clean[k], curve=lambda e, v=certified[k]: v) for k in models}
    lookup = {("sgd", 0.0): "sgd0", ("sgd", 0.1): "sgd1", ("exact", 0.0): "ex0", ("exact", 0.1): "ex1"}
    return SimpleNamespace(
        study=0.1, epsilons=(0.1,), split="test", svm=models.get("svm"), task=SimpleNamespace(d=2),
        cfg=SimpleNamespace(epochs=5),
        m=lambda method, eps, box=False: models[lookup[(method, eps)]],
        ev=lambda mm: evs[by_key[mm.key]], certified=lambda mm, eps: float(evs[by_key[mm.key]].curve(eps)))


@pytest.mark.parametrize("certified, verdict", [
    ({"sgd0": 0.55, "svm": 0.92, "ex0": 0.99}, "qualified"),      # MNIST: brittleness is SGD's, not the objective's
    ({"sgd0": 0.01, "svm": 0.0, "ex0": 0.0}, "reproduced"),        # every optimum is brittle
    ({"sgd0": 0.97, "svm": 0.5, "ex0": 0.99}, "contradicted"),     # regular SGD is not brittle
])
def test_rule_regular_training_is_brittle(certified, verdict):
    clean = {"sgd0": 0.998, "sgd1": 0.998, "ex0": 0.999, "ex1": 0.999, "svm": 0.998}
    cert = {"sgd1": 0.99, "ex1": 0.99, **certified}
    claim = claim_rules.brittle_regular(_fake_results(clean, cert))
    assert claim.verdict == verdict and f"{100 * certified['sgd0']:.1f}%" in claim.evidence


def test_rule_regular_training_ignores_a_model_that_is_not_an_optimum():
    clean = {"sgd0": 0.99, "sgd1": 0.99, "ex0": 0.99, "ex1": 0.99, "svm": 0.99}
    cert = {"sgd0": 0.5, "sgd1": 0.9, "ex0": 0.2, "ex1": 0.9, "svm": 0.1}
    # SGD's regular model is brittle but did not reach the optimum: the optima (svm, ex0) are brittle too
    r = _fake_results(clean, cert, objectives={"sgd0": 0.05})
    assert claim_rules.brittle_regular(r).verdict == "reproduced"


@pytest.mark.parametrize("sgd1_clean, verdict", [(0.995, "reproduced"), (0.97, "qualified"), (0.90, "contradicted")])
def test_rule_small_clean_cost(sgd1_clean, verdict):
    clean = {"sgd0": 1.0, "sgd1": sgd1_clean, "ex0": 1.0, "ex1": 1.0, "svm": 1.0}
    cert = dict.fromkeys(clean, 0.5)
    assert claim_rules.small_clean_cost(_fake_results(clean, cert)).verdict == verdict


def test_rule_sgd_solves_uses_last_best_and_averaged_iterates():
    from robustcvx.reproduce import SgdIterates

    clean = dict.fromkeys(("sgd0", "sgd1", "ex0", "ex1", "svm"), 1.0)
    r = _fake_results(clean, dict(clean), objectives={"sgd0": 0.0, "sgd1": 0.5})
    r.m("sgd", 0.1).iterates = SgdIterates(last=0.5, best=0.4, best_epoch=3, averaged=0.0005)
    assert claim_rules.sgd_solves(r).verdict == "qualified"            # only the averaged iterate is optimal
    r.m("sgd", 0.1).iterates = SgdIterates(last=0.5, best=0.4, best_epoch=3)
    assert claim_rules.sgd_solves(r).verdict == "contradicted"
    r.m("sgd", 0.1).objective = 0.0
    assert claim_rules.sgd_solves(r).verdict == "reproduced"


# ------------------------------------------------------------------------------------- CLI
@pytest.fixture()
def npz_task(tmp_path):
    task = tiny_task(n=40, n_test=20, seed=3)
    path = tmp_path / "toy.npz"
    np.savez(path, X_train=task.X_train, y_train=(task.y_train > 0).astype(int), X_test=task.X_test,
             y_test=(task.y_test > 0).astype(int))
    return path


def test_cli_reproduce_quick(npz_task, tmp_path, capsys):
    from robustcvx.cli import main

    out = tmp_path / "cli-out"
    rc = main(["reproduce", "--quick", "--data", f"npz:{npz_task}", "--epsilon", "0.05,0.1", "--epochs", "1",
               "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "wrote 11 figures" in cap.out
    assert "[ 1/" in cap.err and "exact robust eps=0.05" in cap.err  # progress on stderr
    doc = json.loads((out / "summary.json").read_text())
    assert doc["train_epsilons"] == [0.05, 0.1]
    assert doc["command"].endswith(f"--epsilon 0.05 0.1 --epochs 1 --out {out}")


def test_cli_reproduce_signed_data_draws_no_box_figure(signed_npz, tmp_path, capsys):
    from robustcvx.cli import main

    out = tmp_path / "signed"
    rc = main(["reproduce", "--quick", "--quiet", "--data", f"npz:{signed_npz}", "--epochs", "1", "--out", str(out)])
    cap = capsys.readouterr()
    assert rc == 0, cap.err
    assert "wrote 10 figures" in cap.out
    doc = json.loads((out / "summary.json").read_text())
    assert doc["evaluation"]["box"] is None
    assert all(r["certified_box_accuracy@0.1"] is None for r in doc["rows"])
    assert not list(out.glob("*box*"))


def test_cli_reproduce_bad_options_exit_2(tmp_path, capsys):
    from robustcvx.cli import main

    assert main(["reproduce", "--quick", "--epsilon", "abc", "--out", str(tmp_path / "x")]) == 2
    assert "--epsilon" in capsys.readouterr().err
    assert main(["reproduce", "--quick", "--epsilon", "0", "--out", str(tmp_path / "x")]) == 2
    assert "radius > 0" in capsys.readouterr().err


def test_cli_reproduce_multiclass_data_takes_one_radius_in_one_line(tmp_path, capsys):
    from robustcvx.cli import main

    out = tmp_path / "multi"       # K classes go to their own pipeline (tests/test_reproduce_multiclass.py)
    assert main(["reproduce", "--quick", "--data", "mnist-sample:0,1,2", "--epsilon", "0.05,0.1",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "one robust radius" in err[0]
    assert not out.exists()                          # nothing written


def test_cli_reproduce_interrupt_exits_130(monkeypatch, tmp_path, capsys):
    from robustcvx.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reproduce, "run", interrupted)
    assert main(["reproduce", "--quick", "--out", str(tmp_path / "x")]) == 130
    assert "interrupted" in capsys.readouterr().err
