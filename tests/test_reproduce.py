"""``robustcvx reproduce``: helpers, the pipeline on a tiny task (twice: identical tables), the CLI."""

from __future__ import annotations

import csv
import io
import json
import shlex
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("matplotlib")

from robustcvx import report, reproduce
from robustcvx.errors import OptionError
from robustcvx.problems import RobustHingeProblem
from robustcvx.reproduce import ReproduceConfig


def tiny_task(n=48, n_test=30, seed=0):
    """Two 4x4 'image' classes in [0, 1] (a centre blob vs corners) plus noise, with a test split."""
    from robustcvx.data import BinaryTask

    def draw(m, rng):
        y = np.where(np.arange(m) % 2 == 0, 1.0, -1.0)
        pos, neg = np.zeros(16), np.zeros(16)
        pos[[5, 6, 9, 10]] = 0.6
        neg[[0, 3, 12, 15]] = 0.6
        X = np.where(y[:, None] > 0, pos, neg) + rng.uniform(0.0, 0.4, size=(m, 16))
        return np.clip(X, 0.0, 1.0), y

    rng = np.random.default_rng(seed)
    X, y = draw(n, rng)
    Xt, yt = draw(n_test, rng)
    return BinaryTask(name="toy:0,1", source="synthetic 4x4 test images", classes=(0, 1), X_train=X, y_train=y,
                      X_test=Xt, y_test=yt, split=f"train: {n}; test: {n_test}", image_shape=(4, 4))


# ---------------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("spec, slug", [
    ("mnist:0,1", "mnist-0-1"),
    ("mnist-sample:3,8", "mnist-sample-3-8"),
    ("idx:/usr/share/datasets/fashion-mnist:0,1", "fashion-mnist-0-1"),
    ("idx:/usr/share/datasets/fashion-mnist/:0,1", "fashion-mnist-0-1"),
    ("npz:/tmp/x/My Data.npz", "my-data"),
    ("csv:~/a.csv:3,8", "a-3-8"),
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
                          eval_epsilons=(0, 0.1, 0.3), lr=0.05, seed=2, out="out dir").resolved()
    argv = shlex.split(cfg.command())
    assert argv[:2] == ["robustcvx", "reproduce"]
    again = _config(build_parser().parse_args(argv[1:])).resolved()
    assert again == cfg


def test_landscape_matches_the_problem_objective_and_its_derivative():
    task = tiny_task()
    X, y = task.X_train, task.y_train
    t = np.linspace(-3, 3, 61)
    j, eps = 5, 0.1
    lr, lb, gr, gb = reproduce.landscape_along_weight(X, y, j, eps, t)
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


def test_same_classifier_detects_rescaled_models():
    a = reproduce.TrainedModel("a", "exact", 0.0, False, np.array([1.0, -2.0]), 0.5, 0, 0, 0)
    b = reproduce.TrainedModel("b", "exact", 0.1, False, np.array([3.0, -6.0]), 1.5, 0, 0, 0)
    c = reproduce.TrainedModel("c", "exact", 0.1, False, np.array([3.0, -6.0]), 1.0, 0, 0, 0)
    assert reproduce.same_classifier(a, b) and not reproduce.same_classifier(a, c)


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
    figs = [s.file for s in reproduce.FIGURES]
    assert len(figs) == 10
    assert names == sorted(figs + ["README.md", "summary.csv", "summary.json"])  # no temporary files left
    for f in figs:
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [f.file for f in res.figures] == figs


def test_tables_are_identical_across_runs_apart_from_timing(two_runs):
    _, _, texts = two_runs
    a, b = texts
    assert report.strip_timing_csv(a["summary.csv"]) == report.strip_timing_csv(b["summary.csv"])
    assert report.strip_timing(json.loads(a["summary.json"])) == report.strip_timing(json.loads(b["summary.json"]))
    assert a["README.md"] == b["README.md"]
    header = next(csv.reader(io.StringIO(a["summary.csv"])))
    timing = [c for c in header if "second" in c]
    assert timing == ["train_seconds"]


def test_summary_rows_are_consistent(two_runs):
    out, results, texts = two_runs
    doc = json.loads(texts[0]["summary.json"])
    rows = doc["rows"]
    keys = [r["model"] for r in rows]
    assert keys[:2] == ["exact-regular", "exact-regular-l2svm"] or keys[0] == "exact-regular"
    assert {"exact-robust-0.1", "exact-robust-box-0.1", "sgd-regular", "sgd-robust-0.1"} <= set(keys)
    assert doc["columns"] == report.columns(doc["eval_epsilons"])
    for r in rows:
        for e in doc["eval_epsilons"]:
            # exact certificate and exact worst-case attack agree for linear models
            assert r[f"certified_accuracy@{e:g}"] == r[f"attacked_accuracy@{e:g}"]
            # the box is a smaller threat: never less certified accuracy
            assert r[f"certified_box_accuracy@{e:g}"] >= r[f"certified_accuracy@{e:g}"]
        assert r["clean_accuracy"] == r["certified_accuracy@0"]
        if r["method"] == "exact":
            assert r["verified"] is True and r["gap_to_optimum"] == 0.0
        else:
            assert r["gap_to_optimum"] >= -1e-9 and r["train_objective"] >= r["optimum"] - 1e-9
        assert 0 <= r["nonzeros"] <= 16
    # csv and json hold the same rows
    parsed = list(csv.DictReader(io.StringIO(texts[0]["summary.csv"])))
    assert [p["model"] for p in parsed] == keys
    assert float(parsed[0]["clean_accuracy"]) == rows[0]["clean_accuracy"]
    assert doc["data"]["name"] == "toy:0,1" and doc["evaluation"]["split"] == "test"


def test_readme_embeds_every_figure_with_caption_data_versions_and_command(two_runs):
    _, results, texts = two_runs
    readme = texts[0]["README.md"]
    for fig in results[0].figures:
        assert f"]({fig.file})" in readme
        assert fig.caption in readme and len(fig.caption) > 40
    assert "robustcvx reproduce --data toy:0,1 --quick --eval-epsilon 0,0.05,0.1,0.3 --epochs 2" in readme
    assert "synthetic 4x4 test images" in readme
    for pkg in ("numpy", "cvxpy", "torch", "matplotlib"):
        assert pkg in readme.split("## Versions")[1]
    assert "summary.csv" in readme


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


def test_readme_states_findings(two_runs):
    _, _, texts = two_runs
    readme = texts[0]["README.md"]
    assert "## What the results show" in readme
    assert "**Certified = attacked**" in readme and "**Certified accuracy at eps = 0.1**" in readme


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
    assert "wrote 10 figures" in cap.out
    assert "[ 1/" in cap.err and "exact robust eps=0.05" in cap.err  # progress on stderr
    doc = json.loads((out / "summary.json").read_text())
    assert doc["train_epsilons"] == [0.05, 0.1]
    assert doc["command"].endswith(f"--epsilon 0.05 0.1 --epochs 1 --out {out}")


def test_cli_reproduce_bad_options_exit_2(tmp_path, capsys):
    from robustcvx.cli import main

    assert main(["reproduce", "--quick", "--epsilon", "abc", "--out", str(tmp_path / "x")]) == 2
    assert "--epsilon" in capsys.readouterr().err
    assert main(["reproduce", "--quick", "--epsilon", "0", "--out", str(tmp_path / "x")]) == 2
    assert "radius > 0" in capsys.readouterr().err


def test_cli_reproduce_interrupt_exits_130(monkeypatch, tmp_path, capsys):
    from robustcvx.cli import main

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(reproduce, "run", interrupted)
    assert main(["reproduce", "--quick", "--out", str(tmp_path / "x")]) == 130
    assert "interrupted" in capsys.readouterr().err
