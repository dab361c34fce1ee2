"""The real datasets: shapes, dtypes, class counts and pixel means as published."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from mnn.data import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist
from mnn.data.catalog import MNIST
from mnn.data.idx import read_bytes
from mnn.data.locate import find_local

# Published label counts of MNIST (train and test) and Fashion-MNIST (balanced).
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist()


def check_keras_layout(splits, n_train: int, n_test: int) -> None:
    (x_train, y_train), (x_test, y_test) = splits
    assert x_train.shape == (n_train, 28, 28) and x_test.shape == (n_test, 28, 28)
    assert y_train.shape == (n_train,) and y_test.shape == (n_test,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
        assert array.flags.writeable


def test_mnist(mnist) -> None:
    check_keras_layout(mnist, 60000, 10000)
    (x_train, y_train), (_, y_test) = mnist
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert x_train.mean() / 255 == pytest.approx(0.1307, abs=5e-5)


def test_fashion_mnist(fashion) -> None:
    check_keras_layout(fashion, 60000, 10000)
    (x_train, y_train), (_, y_test) = fashion
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.mean() / 255 == pytest.approx(0.2860, abs=5e-5)
    assert len(FASHION_MNIST_CLASSES) == 10
    assert FASHION_MNIST_CLASSES[0] == "T-shirt/top" and FASHION_MNIST_CLASSES[9] == "Ankle boot"


def test_the_two_datasets_differ(mnist, fashion) -> None:
    assert not np.array_equal(mnist[1][0][:100], fashion[1][0][:100])


def test_local_copies_are_read_without_network(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    (_, _), (x_test, _) = load_mnist()
    assert x_test.shape == (10000, 28, 28)


def test_a_flipped_byte_in_a_real_file_is_caught(tmp_path: Path) -> None:
    for file in MNIST.files.values():
        source = find_local(MNIST, file)
        assert source is not None, "run `python -m mnn.data fetch` first"
        content = bytearray(read_bytes(source))
        if file.name.startswith("train-labels"):
            content[1000] = (content[1000] + 1) % 10  # still a valid label, not the published one
        (tmp_path / file.name).write_bytes(bytes(content))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte: checksum mismatch"):
        load_mnist(data_dir=tmp_path)
