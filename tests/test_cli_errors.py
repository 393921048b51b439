"""Bad inputs through the real command line, and the CLI's failure modes.

Every bad input must give exit code 2, exactly one line on stderr that names the problem,
no traceback, nothing on stdout and no file at (or beside) the ``--save`` path.  Each row of
``ROWS`` runs in-process through :func:`robustcvx.cli.main` (fast); the rows marked ``sub``
also run as real ``python -m robustcvx`` subprocesses, two at a time.

Also here: the top-level entry points (no args, ``--help``, ``--version``, usage errors),
the CLI-level fault injection (every backend lies -> ``verified: false``, exit 1, exit 0 with
``--allow-unverified``), backend exceptions and internal errors (one line, exit 1), and the
Python API raising ``ValueError``/``TypeError`` subclasses with the same one-line messages.
"""

from __future__ import annotations

import gzip
import json
import os
import shlex
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import robustcvx
from robustcvx.cli import build_parser, main
from robustcvx.errors import InputTypeError, RobustCVXError

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- bad files


def _idx(arr: np.ndarray) -> bytes:
    return b"\x00\x00\x08" + bytes([arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.astype(">u1").tobytes()


@pytest.fixture(scope="module")
def bad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of small good and broken data / model files."""
    d = tmp_path_factory.mktemp("bad")
    rng = np.random.default_rng(0)
    X = rng.random((20, 3))
    y = np.arange(20) % 2
    np.savez(d / "good.npz", X_train=X, y_train=y)
    np.savetxt(d / "good.csv", np.c_[X, y], delimiter=",")
    Xn = X.copy()
    Xn[3, 1] = np.nan
    np.savez(d / "nan.npz", X_train=Xn, y_train=y)
    Xi = X.copy()
    Xi[2, 0] = np.inf
    np.savetxt(d / "inf.csv", np.c_[Xi, y], delimiter=",")
    (d / "ragged.csv").write_text("0.1,0.2,0\n0.3,0.4,0.5,1\n")
    np.savez(d / "oned.npz", X_train=X[:, 0], y_train=y)
    np.savez(d / "mismatch.npz", X_train=X, y_train=y[:-1])
    (d / "empty.csv").write_text("")
    (d / "header_only.csv").write_text("a,b,label\n")
    np.savez(d / "empty.npz", X_train=np.zeros((0, 3)), y_train=np.zeros(0))
    np.savez(d / "oneclass.npz", X_train=X, y_train=np.ones(20))
    np.savez(d / "three.npz", X_train=X, y_train=np.arange(20) % 3)
    (d / "strlabel.csv").write_text("".join(f"{a},{b},cat\n" for a, b in X[:, :2]))
    np.savez(d / "strlabel.npz", X_train=X, y_train=np.array(["a", "b"] * 10))
    (d / "garbage.npz").write_bytes(b"PK\x03\x04" + b"garbage" * 10)
    whole = (d / "good.npz").read_bytes()
    (d / "trunc.npz").write_bytes(whole[: len(whole) // 2])
    (d / "text.npz").write_text("X_train,y_train\n1,2\n")
    np.save(d / "single.npy", X)
    os.replace(d / "single.npy", d / "single.npz")
    (d / "binary.csv").write_bytes(bytes(range(256)))
    text = (d / "good.csv").read_text()
    (d / "trunc.csv").write_text(text[: len(text) // 2 + 7])  # cut in the middle of a row
    packed = gzip.compress(text.encode())
    (d / "trunc.csv.gz").write_bytes(packed[: len(packed) // 2])
    img = rng.integers(0, 255, size=(4, 2, 2))
    lab = np.array([0, 1, 0, 1])
    for name, images, labels in (
        ("idx_magic", b"\x12\x34\x08\x03" + _idx(img)[4:], _idx(lab)),
        ("idx_trunc", _idx(img)[:-3], _idx(lab)),
        ("idx_gz", gzip.compress(_idx(img))[:-6], _idx(lab)),
    ):
        (d / name).mkdir()
        suffix = ".gz" if name == "idx_gz" else ""
        (d / name / f"train-images-idx3-ubyte{suffix}").write_bytes(images)
        (d / name / "train-labels-idx1-ubyte").write_bytes(labels)
    (d / "idx_empty").mkdir()
    (d / "notjson.json").write_text("{not json")
    (d / "nofields.json").write_text('{"coef": [1, 2, 3]}')
    (d / "wrongdim.json").write_text('{"coef": [1, 2], "intercept": 0}')
    (d / "nancoef.json").write_text('{"coef": [1, NaN, 2], "intercept": 0}')
    (d / "array.json").write_text("[1, 2, 3]")
    (d / "strcoef.json").write_text('{"coef": ["a", "b", "c"], "intercept": 0}')
    (d / "good.json").write_text('{"coef": [1, -1, 0.5], "intercept": 0.1}')
    (d / "zeros784.json").write_text(json.dumps({"coef": [0.0] * 784, "intercept": 0.5}))
    (d / "afile").write_text("a regular file")
    (d / "emptydir").mkdir()
    return d


# --------------------------------------------------------------------------- the table

# (id, command line with {d} = the bad-files folder and {out} = an empty output folder,
#  fragments the one stderr line must contain, also run as a subprocess)
# ``solve`` rows get ``--save {out}/model.json`` appended unless they test --save themselves.
ROWS: list[tuple[str, str, tuple[str, ...], bool]] = [
    # data values
    ("nan-features", "solve --data npz:{d}/nan.npz", ("NaN or inf", "row index 3"), True),
    ("inf-features", "solve --data csv:{d}/inf.csv", ("NaN or inf", "row index 2"), False),
    ("ragged-csv", "solve --data csv:{d}/ragged.csv", ("ragged", "line 2"), True),
    ("1-D-features", "solve --data npz:{d}/oned.npz", ("must be 2-D",), False),
    ("X-y-length-mismatch", "solve --data npz:{d}/mismatch.npz", ("20 feature rows but 19 labels",), True),
    ("empty-csv", "solve --data csv:{d}/empty.csv", ("no data rows",), False),
    ("header-only-csv", "solve --data csv:{d}/header_only.csv", ("no data rows",), False),
    ("empty-npz", "solve --data npz:{d}/empty.npz", ("no examples",), False),
    ("one-class", "solve --data npz:{d}/oneclass.npz", ("only the value 1", "both classes"), True),
    ("three-classes-two-weights", "solve --data npz:{d}/three.npz --class-weight 1,2", ("3 weights",), False),
    ("bad-multiclass", "solve --data npz:{d}/three.npz --multiclass ovo", ("unknown multiclass",), False),
    ("non-numeric-csv-label", "solve --data csv:{d}/strlabel.csv", ("'cat' is not a number",), False),
    ("non-numeric-npz-label", "solve --data npz:{d}/strlabel.npz", ("labels are not numeric",), False),
    # options
    ("epsilon-negative", "solve --data npz:{d}/good.npz --epsilon -1", ("epsilon must be >= 0",), True),
    ("epsilon-nan", "solve --data npz:{d}/good.npz --epsilon nan", ("epsilon must be finite",), False),
    ("epsilon-inf", "solve --data npz:{d}/good.npz --epsilon inf", ("epsilon must be finite",), False),
    ("epsilon-not-a-number", "solve --data npz:{d}/good.npz --epsilon abc", ("epsilon must be a number",), False),
    ("unknown-norm", "solve --data npz:{d}/good.npz --norm 3", ("unknown norm '3'", "inf, 2, 1"), True),
    ("unknown-solver", "solve --data npz:{d}/good.npz --solver gurobi", ("unknown solver 'gurobi'", "clarabel"), False),
    ("solver-cannot-solve", "solve --data npz:{d}/good.npz --norm 2 --epsilon 0.1 --solver highs",
     ("cannot solve a SOCP", "--solver auto"), False),
    ("unknown-tie-break", "solve --data npz:{d}/good.npz --tie-break foo", ("unknown tie_break", "max-margin"), False),
    ("l1-negative", "solve --data npz:{d}/good.npz --l1 -1", ("l1 must be >= 0",), False),
    ("l2-not-a-number", "solve --data npz:{d}/good.npz --l2 x", ("l2 must be a number",), False),
    ("seed-negative", "solve --data npz:{d}/good.npz --seed -1", ("seed must be >= 0",), False),
    ("box-not-containing-data", "solve --data npz:{d}/good.npz --epsilon 0.1 --box 0.5,1",
     ("does not contain the data", "widen the box"), True),
    ("box-lo-equals-hi", "solve --data npz:{d}/good.npz --box 1,1", ("lo < hi",), False),
    ("box-lo-above-hi", "solve --data npz:{d}/good.npz --box 1,0", ("lo < hi",), False),
    ("box-malformed", "solve --data npz:{d}/good.npz --box 0,1,2", ("LO,HI",), False),
    ("box-not-a-number", "solve --data npz:{d}/good.npz --box a,1", ("box lower bound must be a number",), False),
    ("box-with-l2-threat", "solve --data npz:{d}/good.npz --epsilon 0.1 --norm 2 --box 0,1",
     ("inf-norm threat only",), False),
    # corrupt / wrong files
    ("idx-wrong-magic", "solve --data idx:{d}/idx_magic", ("not an IDX file",), True),
    ("idx-truncated", "solve --data idx:{d}/idx_trunc", ("truncated IDX file",), False),
    ("idx-truncated-gzip", "solve --data idx:{d}/idx_gz", ("truncated gzip",), False),
    ("idx-folder-without-files", "solve --data idx:{d}/idx_empty", ("no IDX files",), False),
    ("idx-is-a-file", "solve --data idx:{d}/afile", ("needs a folder",), False),
    ("npz-corrupt-zip", "solve --data npz:{d}/garbage.npz", ("cannot read", ".npz archive"), True),
    ("npz-truncated", "solve --data npz:{d}/trunc.npz", ("cannot read", ".npz archive"), False),
    ("npz-wrong-magic", "solve --data npz:{d}/text.npz", ("not an .npz archive",), False),
    ("npz-is-npy", "solve --data npz:{d}/single.npz", ("single-array .npy",), False),
    ("csv-binary", "solve --data csv:{d}/binary.csv", ("not UTF-8 text",), False),
    ("csv-truncated", "solve --data csv:{d}/trunc.csv", ("is ragged",), False),
    ("csv-gzip-truncated", "solve --data csv:{d}/trunc.csv.gz", ("corrupt or truncated gzip",), True),
    # data sources and paths
    ("unknown-source", "solve --data imagenet:0,1", ("unknown data spec", "valid forms"), True),
    ("spec-without-classes", "solve --data mnist:0", ("needs its classes", "mnist:all"), False),
    ("class-not-in-csv", "solve --data csv:{d}/good.csv:5,7", ("class 5 not found", "present: 0, 1"), True),
    ("class-not-a-digit", "solve --data mnist-sample:0,12", ("class 12 does not exist", "0-9"), False),
    ("same-class-twice", "solve --data mnist:3,3", ("names class 3 twice",), False),
    ("data-file-missing", "solve --data npz:{d}/missing.npz", ("not found",), True),
    ("data-path-is-a-folder", "solve --data csv:{d}/emptydir", ("is a folder",), False),
    ("data-dir-is-a-file", "solve --data mnist:0,1 --data-dir {d}/afile", ("is a file, not a folder",), True),
    ("save-missing-folder", "solve --data npz:{d}/good.npz --save {out}/nofolder/m.json",
     ("does not exist", "mkdir -p"), True),
    ("save-under-a-file", "solve --data npz:{d}/good.npz --save {d}/afile/m.json", ("is a file, not a folder",), False),
    ("save-to-a-folder", "solve --data npz:{d}/good.npz --save {out}", ("it is a folder", "file name"), False),
    # model files
    ("model-not-json", "certify --model {d}/notjson.json --data npz:{d}/good.npz", ("not valid JSON",), True),
    ("model-missing-fields", "certify --model {d}/nofields.json --data npz:{d}/good.npz", ("'coef' and 'intercept'",), False),
    ("model-wrong-dimension", "certify --model {d}/wrongdim.json --data npz:{d}/good.npz",
     ("has 2 weights but", "3 features"), True),
    ("model-wrong-dimension-mnist", "certify --model {d}/good.json --data mnist-sample:0,1",
     ("has 3 weights but", "784 features"), False),
    ("model-nan-coef", "certify --model {d}/nancoef.json --data npz:{d}/good.npz", ("NaN or inf",), False),
    ("model-json-array", "certify --model {d}/array.json --data npz:{d}/good.npz", ("JSON object",), False),
    ("model-non-numeric", "certify --model {d}/strcoef.json --data npz:{d}/good.npz", ("list of numbers",), False),
    ("model-file-missing", "certify --model {d}/missing.json --data npz:{d}/good.npz", ("not found", "--save"), False),
    ("model-is-a-folder", "certify --model {d}/emptydir --data npz:{d}/good.npz", ("is a folder",), False),
    ("certify-epsilon-list-negative", "certify --model {d}/good.json --data npz:{d}/good.npz --epsilon 0,-1",
     ("--epsilon must be comma-separated numbers >= 0",), False),
    ("certify-epsilon-list-empty", "certify --model {d}/good.json --data npz:{d}/good.npz --epsilon ,",
     ("needs at least one number",), False),
    ("certify-unknown-norm", "certify --model {d}/good.json --data npz:{d}/good.npz --norm l7", ("unknown norm",), False),
    ("certify-box-not-containing-data", "certify --model {d}/good.json --data npz:{d}/good.npz --box 0.5,1",
     ("does not contain the data",), False),
    # usage errors (argparse)
    ("missing-required-option", "solve", ("required: --data", "robustcvx solve --help"), True),
    ("bad-int-option", "solve --data npz:{d}/good.npz --seed x", ("invalid int value",), False),
    ("unknown-option", "certify --model {d}/good.json --data npz:{d}/good.npz --bogus", ("unrecognized arguments",), False),
    ("unknown-command", "bogus", ("invalid choice",), False),
    # commands built by other issues (rows are skipped until the command exists)
    ("compare-negative-epochs", "compare --data npz:{d}/good.npz --epsilon 0.1 --epochs -1 --save {out}/c.json",
     ("epochs must be >= 0",), True),
    ("compare-zero-batch-size", "compare --data npz:{d}/good.npz --epsilon 0.1 --batch-size 0 --save {out}/c.json",
     ("batch size must be >= 1",), False),
    ("compare-unknown-optimizer", "compare --data npz:{d}/good.npz --epsilon 0.1 --optimizer lbfgs --save {out}/c.json",
     ("unknown optimizer", "sgd"), False),
    ("compare-bad-data", "compare --data npz:{d}/nan.npz --epsilon 0.1 --save {out}/c.json", ("NaN or inf",), False),
    ("compare-save-missing-folder", "compare --data npz:{d}/good.npz --epsilon 0.1 --save {out}/nofolder/c.json",
     ("does not exist",), False),
    ("reproduce-negative-epochs", "reproduce --data npz:{d}/good.npz --epochs -1 --out {out}/r", ("epochs",), True),
    ("reproduce-zero-batch-size", "reproduce --data npz:{d}/good.npz --batch-size 0 --out {out}/r", ("batch",), False),
    ("reproduce-negative-epsilon", "reproduce --data npz:{d}/good.npz --epsilon -0.1 --out {out}/r", ("epsilon",), False),
    ("reproduce-bad-data", "reproduce --data npz:{d}/nan.npz --quick --out {out}/r", ("NaN or inf",), False),
    ("reproduce-out-under-a-file", "reproduce --data npz:{d}/good.npz --quick --out {d}/afile/r", ("afile",), False),
]

# Per-command extras, so that the error row fails on its bad input and not on a missing option.
ROW_IDS = [r[0] for r in ROWS]


def _commands() -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return set(sub.choices)


COMMANDS = _commands()


def _argv(template: str, d: Path, out: Path) -> list[str]:
    argv = [tok.format(d=d, out=out) for tok in shlex.split(template)]
    if argv and argv[0] == "solve" and "--save" not in argv and len(argv) > 1:
        argv += ["--save", str(out / "model.json")]
    return argv


def _check(row_id: str, rc: int, out: str, err: str, fragments: tuple[str, ...], out_dir: Path) -> None:
    lines = err.strip().splitlines()
    assert rc == 2, f"{row_id}: exit {rc}, stderr: {err!r}"
    assert "Traceback" not in err, f"{row_id}: traceback: {err}"
    assert len(lines) == 1, f"{row_id}: stderr must be one line, got {lines!r}"
    assert lines[0].startswith("robustcvx: error: "), lines[0]
    for frag in fragments:
        assert frag in lines[0], f"{row_id}: {frag!r} not in {lines[0]!r}"
    assert out == "", f"{row_id}: partial output on stdout: {out[:200]!r}"
    left = sorted(p.name for p in out_dir.rglob("*"))
    assert not left, f"{row_id}: files written: {left}"


@pytest.fixture()
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No network (the download fails at once) and an empty default data dir."""
    import robustcvx.data.images as images

    monkeypatch.setattr(images, "download", lambda dataset, root: "download failed (offline?)")
    cache = tmp_path / "cache"
    monkeypatch.setenv("ROBUSTCVX_DATA_DIR", str(cache))
    return cache


@pytest.mark.parametrize(("row_id", "template", "fragments", "sub"), ROWS, ids=ROW_IDS)
def test_bad_input_in_process(row_id, template, fragments, sub, bad, tmp_path, offline, capsys):
    argv = _argv(template, bad, tmp_path / "out")
    (tmp_path / "out").mkdir()
    rc = main(argv)
    out, err = capsys.readouterr()
    _check(row_id, rc, out, err, fragments, tmp_path / "out")


def test_bad_inputs_as_subprocesses(bad, tmp_path):
    """The ``sub`` rows through ``python -m robustcvx`` (two at a time): the real entry point."""
    rows = [r for r in ROWS if r[3] and (shlex.split(r[1])[0] in COMMANDS or shlex.split(r[1])[0] == "bogus")]
    assert len(rows) >= 15
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
           "ROBUSTCVX_DATA_DIR": str(tmp_path / "cache")}

    def run(i_row):
        i, (row_id, template, fragments, _) = i_row
        out_dir = tmp_path / f"out{i}"
        out_dir.mkdir()
        proc = subprocess.run([sys.executable, "-m", "robustcvx", *_argv(template, bad, out_dir)],
                              capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
        return row_id, proc, fragments, out_dir

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, enumerate(rows)))
    for row_id, proc, fragments, out_dir in results:
        _check(row_id, proc.returncode, proc.stdout, proc.stderr, fragments, out_dir)


def test_bad_input_table_is_large_enough():
    assert len({r[0] for r in ROWS}) == len(ROWS)
    runnable = [r for r in ROWS if shlex.split(r[1])[0] in COMMANDS | {"bogus"}]
    assert len(runnable) >= 30


def test_bench_bad_options(bad, tmp_path):
    """The benchmark (``robustcvx bench``) checks its options before it starts."""
    bench = [sys.executable, "-m", "robustcvx", "bench"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    quick = ["--quick", "--no-cli", "--no-reference"]
    rows = [
        ("repeats-zero", [*quick, "--repeats", "0", "--out", str(tmp_path / "out0" / "b.json")], ("repeats",)),
        ("out-under-a-file", [*quick, "--repeats", "1", "--out", f"{bad}/afile/b.json"], ("afile", "not a folder")),
    ]

    def run(row):
        name, args, frags = row
        proc = subprocess.run([*bench, *args], capture_output=True, text=True, env=env, timeout=300, cwd=tmp_path)
        return name, proc, frags

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, rows))
    for name, proc, frags in results:
        lines = [ln for ln in proc.stderr.strip().splitlines() if not ln.startswith(("Running HiGHS", "Includes third"))]
        assert proc.returncode == 2, f"bench {name}: exit {proc.returncode}: {proc.stderr[-1500:]}"
        assert "Traceback" not in proc.stderr and len(lines) == 1, f"bench {name}: {lines}"
        assert all(f in lines[0] for f in frags), f"bench {name}: {lines[0]}"
        assert proc.stdout == "", f"bench {name}: started before checking its options: {proc.stdout[:300]}"


# --------------------------------------------------------------------------- data sets offline


def test_fashion_mnist_missing_offline_says_how_to_get_it(bad, offline, capsys):
    rc = main(["certify", "--model", str(bad / "good.json"), "--data", "fashion-mnist:0,1",
               "--data-dir", str(bad / "emptydir")])
    out, err = capsys.readouterr()
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1
    for hint in ("not found", "--data-dir", "apt-get install dataset-fashion-mnist", "idx:/usr/share/datasets/fashion-mnist"):
        assert hint in err


def test_mnist_offline_falls_back_to_the_bundled_sample(bad, offline, capsys):
    rc = main(["certify", "--model", str(bad / "zeros784.json"), "--data", "mnist:0,1",
               "--data-dir", str(bad / "emptydir"), "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "using the bundled 5,000-digit sample instead (mnist-sample:0,1)" in err and "Traceback" not in err
    assert json.loads(out)["data"]["name"] == "mnist-sample:0,1"


# --------------------------------------------------------------------------- entry points


def test_no_arguments_prints_usage_and_exits_2(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: robustcvx")


def test_help_and_version(capsys):
    assert main(["--help"]) == 0
    out, _ = capsys.readouterr()
    assert "usage: robustcvx" in out and all(c in out for c in COMMANDS)
    for command in sorted(COMMANDS):
        assert main([command, "--help"]) == 0
        assert f"usage: robustcvx {command}" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"robustcvx {robustcvx.__version__}"


def test_entry_points_as_subprocesses(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    runs = {args: subprocess.run([sys.executable, "-m", "robustcvx", *args], capture_output=True, text=True,
                                 env=env, timeout=60, cwd=tmp_path)
            for args in ((), ("--help",), ("--version",))}
    assert runs[()].returncode == 2 and "usage: robustcvx" in runs[()].stderr
    assert runs[("--help",)].returncode == 0 and "usage: robustcvx" in runs[("--help",)].stdout
    assert runs[("--version",)].returncode == 0 and robustcvx.__version__ in runs[("--version",)].stdout
    assert not any("Traceback" in p.stderr for p in runs.values())


# --------------------------------------------------------------------------- solver failures


def _patch_every_backend(monkeypatch, fn):
    from robustcvx.solvers import BACKENDS, registry

    for name, b in list(BACKENDS.items()):
        monkeypatch.setitem(BACKENDS, name, registry.Backend(name, fn, b.supports, b.description))


def test_cli_fault_injection_every_backend_lies(bad, tmp_path, monkeypatch, capsys):
    """Every backend returns a wrong point claiming optimality: caught, reported, exit 1 (0 if allowed)."""
    from robustcvx.solvers import BackendResult

    def liar(problem, warm_start=None):
        return BackendResult(np.ones(problem.d), 0.0, np.full(problem.n, 0.5 / problem.n), 0.0, "optimal", 0.0)

    _patch_every_backend(monkeypatch, liar)
    save = tmp_path / "model.json"
    # epsilon 0.01: w = 0 is not optimal, so the answer must come from a (lying) backend
    argv = ["solve", "--data", f"npz:{bad}/good.npz", "--epsilon", "0.01", "--json", "--save", str(save)]
    rc = main(argv)
    out, err = capsys.readouterr()
    rec = json.loads(out)
    cert = rec["certificate"]
    assert rc == 1
    assert cert["verified"] is False and cert["reason"]
    assert "duality gap" in cert["reason"] or "infeasible" in cert["reason"]
    assert rec["attempts"] and all(a["verified"] is False and a.get("reason") for a in rec["attempts"])
    assert {a["solver"] for a in rec["attempts"]} >= {"highs", "clarabel"}
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("robustcvx: no solver's answer verified (")
    assert cert["reason"] in err and "not written" in err
    assert not save.exists() and list(tmp_path.iterdir()) == []

    rc = main([*argv, "--allow-unverified"])
    out, err = capsys.readouterr()
    assert rc == 0 and json.loads(out)["certificate"]["verified"] is False
    assert json.loads(save.read_text())["certificate"]["verified"] is False

    rc = main(argv[:-3])  # the text summary says so too
    out, err = capsys.readouterr()
    assert rc == 1 and "NOT VERIFIED" in out


def test_cli_every_backend_raises(bad, monkeypatch, capsys):
    def boom(problem, warm_start=None):
        raise RuntimeError("numerical trouble\nin the backend")

    _patch_every_backend(monkeypatch, boom)
    rc = main(["solve", "--data", f"npz:{bad}/good.npz", "--epsilon", "0.01", "--allow-unverified"])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 1 and out == "" and "Traceback" not in err
    assert lines[-1].startswith("robustcvx: solver failure: every solver failed") and "numerical trouble" in lines[-1]


def test_cli_backend_returning_nan_is_a_solver_failure(bad, tmp_path, monkeypatch, capsys):
    """Numerical trouble that yields NaN (or a wrong-size point) everywhere: exit 1, said so, nothing saved."""
    from robustcvx.solvers import BackendResult

    def nan_point(problem, warm_start=None):
        return BackendResult(np.full(problem.d, np.nan), 0.0, None, float("nan"), "optimal", 0.0)

    _patch_every_backend(monkeypatch, nan_point)
    save = tmp_path / "m.json"
    rc = main(["solve", "--data", f"npz:{bad}/good.npz", "--json", "--save", str(save)])
    out, err = capsys.readouterr()
    assert rc == 1 and out == "" and "Traceback" not in err and not save.exists()
    assert err.strip().splitlines()[-1].startswith("robustcvx: solver failure: ")


def test_cli_internal_error_is_one_line(bad, monkeypatch, capsys):
    import robustcvx.fit

    def bug(*args, **kwargs):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(robustcvx.fit, "fit_task", bug)
    monkeypatch.delenv("ROBUSTCVX_DEBUG", raising=False)
    rc = main(["solve", "--data", f"npz:{bad}/good.npz"])
    out, err = capsys.readouterr()
    assert rc == 1 and out == "" and "Traceback" not in err
    assert err.strip().splitlines() == ["robustcvx: internal error: ZeroDivisionError: float division by zero "
                                        "(please report it; rerun with ROBUSTCVX_DEBUG=1 for the traceback)"]
    monkeypatch.setenv("ROBUSTCVX_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["solve", "--data", f"npz:{bad}/good.npz"])


def test_cli_save_and_certify_round_trip(bad, tmp_path, capsys):
    """The happy path the error rows are measured against: solve --save, then certify the file."""
    model = tmp_path / "m.json"
    assert main(["solve", "--data", f"npz:{bad}/good.npz", "--epsilon", "0.05", "--save", str(model)]) == 0
    assert json.loads(model.read_text())["certificate"]["verified"] is True
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    capsys.readouterr()
    assert main(["certify", "--model", str(model), "--data", f"npz:{bad}/good.npz", "--epsilon", "0,0.05",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["certified_accuracy"] == r["attacked_accuracy"] for r in report["results"]] == [True, True]


# --------------------------------------------------------------------------- the Python API


def _api_cases(bad: Path):
    from robustcvx import attacked_accuracy, certified_accuracy, load_task, worst_case_attack
    from robustcvx.model_io import load_model
    from robustcvx.problems import RobustHingeProblem
    from robustcvx.solvers import solve

    X = np.random.default_rng(1).random((10, 3))
    y = np.where(np.arange(10) % 2, 1.0, -1.0)
    w = (np.ones(3), 0.0)
    return [
        ("nan", lambda: RobustHingeProblem(np.where(X > 0.9, np.nan, X), y), "NaN or inf"),
        ("ragged", lambda: RobustHingeProblem([[1.0, 2.0], [3.0]], [1.0, -1.0]), "ragged or non-numeric"),
        ("1-D", lambda: RobustHingeProblem(X[:, 0], y), "2-D"),
        ("length", lambda: RobustHingeProblem(X, y[:-1]), "must match"),
        ("empty", lambda: RobustHingeProblem(np.zeros((0, 3)), []), "empty"),
        ("one-class", lambda: RobustHingeProblem(X, np.ones(10)), "one class"),
        ("labels-0-1", lambda: RobustHingeProblem(X, (y > 0).astype(float)), "-1 and +1"),
        ("string-labels", lambda: RobustHingeProblem(X, ["a"] * 10), "numeric labels"),
        ("eps-negative", lambda: RobustHingeProblem(X, y, -0.1), "epsilon must be >= 0"),
        ("eps-nan", lambda: RobustHingeProblem(X, y, float("nan")), "epsilon must be finite"),
        ("eps-str", lambda: RobustHingeProblem(X, y, "abc"), "epsilon must be a number"),
        ("eps-none", lambda: RobustHingeProblem(X, y, None), "epsilon must be a number"),
        ("norm", lambda: RobustHingeProblem(X, y, 0.1, "l3"), "unknown norm"),
        ("box-lo-hi", lambda: RobustHingeProblem(X, y, 0.1, box=(1, 0)), "lo < hi"),
        ("box-data", lambda: RobustHingeProblem(X, y, 0.1, box=(0.5, 1)), "does not contain the data"),
        ("solver", lambda: solve(RobustHingeProblem(X, y), "gurobi"), "unknown solver"),
        ("cert-labels", lambda: certified_accuracy(w, X, y * 2, 0.1), "-1 and +1"),
        ("cert-length", lambda: certified_accuracy(w, X, y[:-1], 0.1), "must match"),
        ("cert-string-labels", lambda: certified_accuracy(w, X, ["x"] * 10, 0.1), "numeric labels"),
        ("cert-eps-list", lambda: certified_accuracy(w, X, y, [0.0, "abc"]), "epsilon must be a number"),
        ("cert-eps-negative-list", lambda: certified_accuracy(w, X, y, [0.1, -1]), "epsilon must be >= 0"),
        ("cert-dimension", lambda: certified_accuracy((np.ones(2), 0.0), X, y, 0.1), "2 weights but the data has 3"),
        ("cert-box-norm", lambda: certified_accuracy(w, X, y, 0.1, "2", (0, 1)), "inf-norm threat only"),
        ("attack-labels", lambda: attacked_accuracy(w, X, y[:-1], 0.1), "must match"),
        ("attack-eps", lambda: worst_case_attack(w, -1.0), "epsilon must be >= 0"),
        ("attack-model", lambda: worst_case_attack("w", 0.1), "linear model"),
        ("data-spec", lambda: load_task("imagenet:0,1"), "unknown data spec"),
        ("data-spec-type", lambda: load_task(Path("x.csv")), "must be a string"),
        ("data-dir-file", lambda: load_task("mnist-sample:0,1", data_dir=bad / "afile"), "is a file"),
        ("model-json", lambda: load_model(bad / "notjson.json"), "not valid JSON"),
        ("model-fields", lambda: load_model(bad / "nofields.json"), "'coef' and 'intercept'"),
    ]


def test_python_api_raises_value_or_type_errors_with_one_line_messages(bad):
    for name, call, fragment in _api_cases(bad):
        with pytest.raises((RobustCVXError, InputTypeError)) as info:
            call()
        assert isinstance(info.value, (ValueError, TypeError)), name
        msg = str(info.value)
        assert fragment in msg, f"{name}: {fragment!r} not in {msg!r}"
        assert "\n" not in msg, name


def test_save_model_is_atomic_and_checks_the_path(tmp_path):
    from robustcvx.io import OutputError
    from robustcvx.model_io import load_model, save_model

    rec = {"coef": [1.0, 2.0], "intercept": 0.5}
    with pytest.raises(OutputError, match="does not exist"):
        save_model(tmp_path / "missing" / "m.json", rec)
    with pytest.raises(OutputError, match="is a file, not a folder"):
        (tmp_path / "f").write_text("x")
        save_model(tmp_path / "f" / "m.json", rec)
    save_model(tmp_path / "m.json", rec)
    w, b, _ = load_model(tmp_path / "m.json")
    assert w.tolist() == [1.0, 2.0] and b == 0.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "m.json"]
