"""Ctrl-C (SIGINT) mid-run: exit 130, one short line on stderr, no half-written or stray temp file.

Outputs are written to a temporary name beside the target and renamed (:mod:`robustcvx.io`),
so an interrupted run leaves either the complete old file, the complete new file, or nothing.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from robustcvx.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
INTERRUPTED = "robustcvx: interrupted; no file was left half-written"
HIGHS_BANNER = ("Running HiGHS", "Includes third-party software")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _commands() -> set[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return set(sub.choices)


def _env(tmp_path: Path) -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
            "ROBUSTCVX_DATA_DIR": str(tmp_path / "cache"), "PYTHONUNBUFFERED": "1"}


def _own_lines(stderr: str) -> list[str]:
    """stderr without the HiGHS banner (printed by the solver library itself)."""
    return [ln for ln in stderr.strip().splitlines() if ln and not ln.startswith(HIGHS_BANNER)]


def _interrupt_when(proc: subprocess.Popen, ready, timeout: float = 90.0, stream: str = "stderr") -> list[str]:
    """Read lines of ``stream`` until ``ready(lines)``; then send SIGINT and return the lines read so far."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    fd = getattr(proc, stream).fileno()
    buf = b""
    while time.monotonic() < deadline:
        if ready(lines):
            proc.send_signal(signal.SIGINT)
            return lines
        if select.select([fd], [], [], 0.02)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:  # stderr closed: the process ended
                proc.wait(timeout=30)
                pytest.fail(f"finished (exit {proc.returncode}) before it could be interrupted: {lines}")
            buf += chunk
            *done, buf = buf.split(b"\n")
            lines += [ln.decode(errors="replace") for ln in done]
    proc.kill()
    pytest.fail(f"never became ready: {lines}")


def _finish(proc: subprocess.Popen) -> tuple[str, str]:
    """Wait for the interrupted process; its remaining (stdout, stderr) as text."""
    out, err = proc.communicate(timeout=60)
    return out.decode(errors="replace"), err.decode(errors="replace")


def _no_temp_files(folder: Path) -> None:
    stray = [p.name for p in folder.rglob("*") if p.name.startswith((".", "tmp")) or ".tmp" in p.name]
    assert not stray, f"temporary files left behind: {stray}"


@pytest.fixture()
def npz(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.random((60, 8))
    y = (X[:, 0] + 0.3 * rng.normal(size=60) > 0.5).astype(int)
    path = tmp_path / "data.npz"
    np.savez(path, X_train=X[:40], y_train=y[:40], X_test=X[40:], y_test=y[40:])
    return path


# The real command line, with every solver backend replaced by one that announces itself and
# then takes a minute: SIGINT is sent while it solves.
SLOW_SOLVE = r"""
import sys, time
from robustcvx.solvers import BACKENDS, registry
def slow(problem, warm_start=None):
    print("test: solving", file=sys.stderr, flush=True)
    time.sleep(60)
for name, b in list(BACKENDS.items()):
    BACKENDS[name] = registry.Backend(name, slow, b.supports, b.description)
from robustcvx.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigint_during_solve_with_save(tmp_path, npz):
    out = tmp_path / "out"
    out.mkdir()
    save = out / "model.json"
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SOLVE, "solve", "--data", f"npz:{npz}", "--epsilon", "0.1",
                             "--save", str(save), "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(tmp_path), cwd=tmp_path)
    before = _interrupt_when(proc, lambda lines: "test: solving" in lines)
    stdout, rest = _finish(proc)
    assert proc.returncode == 130, rest
    assert _own_lines(rest) == [INTERRUPTED], rest
    assert "Traceback" not in rest and stdout == ""
    assert before == ["test: solving"]
    assert list(out.iterdir()) == []


def test_sigint_while_the_file_is_written_leaves_nothing(tmp_path, npz, monkeypatch, capsys):
    """Ctrl-C inside the atomic write (after the data went to the temporary file): no file at all."""
    import robustcvx.io as rio

    out = tmp_path / "out"
    out.mkdir()
    (out / "old.json").write_text('{"coef": [1], "intercept": 0}')

    def interrupted_replace(src, dst):
        assert Path(src).stat().st_size > 0  # the temporary file was fully written
        raise KeyboardInterrupt

    monkeypatch.setattr(rio.os, "replace", interrupted_replace)
    for target in ("model.json", "old.json"):
        rc = main(["solve", "--data", f"npz:{npz}", "--save", str(out / target)])
        _, err = capsys.readouterr()
        assert rc == 130 and err.strip().splitlines()[-1] == INTERRUPTED
    assert sorted(p.name for p in out.iterdir()) == ["old.json"]  # the old file is untouched
    assert json.loads((out / "old.json").read_text()) == {"coef": [1], "intercept": 0}


def test_atomic_write_failure_modes(tmp_path, monkeypatch):
    import robustcvx.io as rio

    target = tmp_path / "x.json"
    with pytest.raises(KeyboardInterrupt), rio.atomic_path(target) as tmp:
        tmp.write_text("{half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(rio.OutputError, match="No space left"), rio.atomic_path(target):
        raise OSError(28, "No space left on device")
    assert list(tmp_path.iterdir()) == []
    rio.write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert (target.stat().st_mode & 0o777) == (0o666 & ~_umask())  # not mkstemp's private 0600


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _complete(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".png":
        return data.startswith(b"\x89PNG") and data.rstrip().endswith(b"IEND\xaeB`\x82")
    if path.suffix == ".pdf":
        return data.startswith(b"%PDF") and b"%%EOF" in data[-64:]
    if path.suffix == ".json":
        json.loads(data)
        return True
    return len(data) > 0


def test_sigint_during_reproduce(tmp_path, npz):
    out = tmp_path / "results"
    proc = subprocess.Popen([sys.executable, "-m", "robustcvx", "reproduce", "--data", f"npz:{npz}", "--quick",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(tmp_path), cwd=tmp_path)
    # interrupt once the first figure is complete on disk (the next one is being drawn or written)
    _interrupt_when(proc, lambda lines: out.is_dir() and any(not p.name.startswith(".") for p in out.glob("*.png")))
    stdout, rest = _finish(proc)
    own = _own_lines(rest)
    assert proc.returncode == 130, rest
    assert "wrote" not in stdout                   # no success line for an interrupted run
    assert own and own[-1] == INTERRUPTED and "Traceback" not in rest
    assert not [ln for ln in own if ln.startswith("robustcvx:") and ln != INTERRUPTED]
    _no_temp_files(out)
    written = sorted(out.iterdir())
    assert written and all(_complete(p) for p in written), [p.name for p in written]
    assert "summary.json" not in [p.name for p in written]  # the run did not finish


def test_sigint_during_bench(tmp_path):
    bench = [sys.executable, "-m", "robustcvx", "bench"]
    out = tmp_path / "results"
    out.mkdir()
    proc = subprocess.Popen([*bench, "--quick", "--no-cli", "--no-reference", "--repeats", "1",
                             "--out", str(out / "bench.json")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env(tmp_path), cwd=tmp_path)
    # interrupt while it solves the first workload (announced on stdout)
    _interrupt_when(proc, lambda lines: any(ln.startswith("==") for ln in lines), stream="stdout")
    _, rest = _finish(proc)
    own = _own_lines(rest)
    assert proc.returncode == 130, (proc.returncode, rest[-3000:])
    assert own == [INTERRUPTED] or (len(own) == 1 and "interrupted" in own[0]), rest[-3000:]
    assert "Traceback" not in rest
    _no_temp_files(out)
    assert all(_complete(p) for p in out.iterdir())
    assert not (out / "bench.json").exists()  # the run did not finish
