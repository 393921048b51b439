"""Shared fixtures: small random problems and the bundled MNIST sample."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parents[1]
SHARED_MNIST_T10K = REPO.parent / "shared" / "data" / "mnist-t10k"


def make_blobs(n=40, d=5, sep=1.0, seed=0, signed=True):
    """Two Gaussian blobs (overlapping when ``sep`` is small), labels -1/+1."""
    rng = np.random.default_rng(seed)
    y = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    X = rng.normal(size=(n, d)) + sep * y[:, None] * np.linspace(1, 0.2, d)[None, :]
    if not signed:
        X = (X - X.min()) / (X.max() - X.min())
    return X, y


@pytest.fixture(scope="session")
def mnist01():
    from robustcvx.data import load_task
    return load_task("mnist-sample:0,1")


@pytest.fixture(scope="session")
def signed_npz(tmp_path_factory):
    """An npz task with signed, non-image features and a test split."""
    X, y = make_blobs(n=160, d=12, sep=0.6, seed=3)
    path = tmp_path_factory.mktemp("npz") / "signed.npz"
    np.savez(path, X_train=X[:120], y_train=(y[:120] > 0).astype(int), X_test=X[120:],
             y_test=(y[120:] > 0).astype(int))
    return path


@pytest.fixture(scope="session")
def mnist38():
    from robustcvx.data import load_task
    return load_task("mnist-sample:3,8")
