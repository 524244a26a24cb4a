import os
import re
import time

import numpy as np
import pytest

import kerasdnn
from conftest import free_port


# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("data")


@pytest.fixture(scope="module")
def raw_mnist():
    return kerasdnn.load_arrays("mnist", normalization="none", train_samples=2000, test_samples=500)


def test_arrays_have_keras_datasets_shapes(raw_mnist):
    (x_train, y_train), (x_test, y_test) = raw_mnist
    assert x_train.shape == (2000, 28, 28, 1) and x_test.shape == (500, 28, 28, 1)
    assert x_train.dtype == np.float32 and y_train.dtype == np.int64
    assert x_train.max() == 255 and set(np.unique(y_train)) == set(range(10))


def test_fashion_mnist_loads():
    (x_train, y_train), _ = kerasdnn.load_arrays("fashion_mnist", train_samples=100, test_samples=10)
    assert x_train.shape == (100, 28, 28, 1) and 0 <= x_train.min() and x_train.max() <= 1


@pytest.mark.parametrize("method", ["none", "scale", "min_max", "standardize"])
def test_each_normalization_uses_training_statistics(raw_mnist, method):
    (x_train, _), (x_test, _) = raw_mnist
    (train, _), (test, _), normalization = kerasdnn.load_arrays(
        "mnist", normalization=method, train_samples=2000, test_samples=500, return_normalization=True
    )
    expected_train = {"none": x_train, "scale": x_train / 255}.get(method)
    if method == "min_max":
        assert train.min() == 0 and train.max() == 1
    elif method == "standardize":
        assert train.mean() == pytest.approx(0, abs=1e-4) and train.std() == pytest.approx(1, abs=1e-4)
        # The test split is shifted with the training mean, not its own.
        assert test.mean() == pytest.approx((x_test.mean() - x_train.mean()) / x_train.std(), abs=1e-4)
    else:
        np.testing.assert_allclose(train, expected_train, rtol=1e-6)
    np.testing.assert_allclose(normalization(x_test), test, rtol=1e-5)
    assert normalization.to_json()["method"] == method


def test_per_feature_normalization_of_the_decks_table():
    # Hanbat §2: x1 in 1..9 and x2 in -5000..9000 on very different scales.
    table = np.array([[1, 9000], [2, -5000], [3, -2000], [5, 8000], [9, 1000]], "float32")
    standardized = kerasdnn.fit_normalization(table, "standardize", axis=0)(table)
    np.testing.assert_allclose(standardized.mean(axis=0), [0, 0], atol=1e-6)
    np.testing.assert_allclose(standardized.std(axis=0), [1, 1], atol=1e-6)
    scaled = kerasdnn.fit_normalization(table, "min_max", axis=0)(table)
    np.testing.assert_allclose(scaled.min(axis=0), [0, 0])
    np.testing.assert_allclose(scaled.max(axis=0), [1, 1])


def test_constant_features_are_not_divided_by_zero():
    table = np.array([[0.0, 1.0], [0.0, 3.0]])
    np.testing.assert_array_equal(kerasdnn.fit_normalization(table, "standardize", axis=0)(table), [[0, -1], [0, 1]])


def test_pipeline_batches_and_shuffles(mnist_small):
    (x_train, y_train), _ = mnist_small
    dataset = kerasdnn.make_dataset(x_train[:300], y_train[:300], batch_size=128, seed=1)
    batches = list(dataset.as_numpy_iterator())
    assert [len(labels) for _, labels in batches] == [128, 128, 44]
    first_epoch = np.concatenate([labels for _, labels in batches])
    assert sorted(first_epoch) == sorted(y_train[:300]) and not np.array_equal(first_epoch, y_train[:300])


def test_load_dataset_gives_train_and_test_pipelines():
    train, test = kerasdnn.load_dataset("mnist", batch_size=50, train_samples=200, test_samples=100)
    assert sum(1 for _ in train) == 4 and sum(1 for _ in test) == 2


def test_missing_offline_copy_names_the_folder(tmp_path):
    with pytest.raises(kerasdnn.DatasetNotFoundError) as error:
        kerasdnn.load_arrays("mnist", data_dir=str(tmp_path), download=False)
    message = str(error.value)
    assert message.startswith(f"load_arrays(): no prepared copy of 'mnist' in {tmp_path}{os.sep}mnist{os.sep}")
    assert "TFDS_DATA_DIR" in message and "data_dir=" in message


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "mnsit"}, r"^load_arrays\(\): name must be one of cifar10, fashion_mnist, mnist; received name='mnsit' \(did you mean 'mnist'"),
        ({"name": "mnist", "normalization": "zscore"}, r"^load_arrays\(\): normalization must be one of min_max, none, scale, standardize; received normalization='zscore'$"),
        ({"name": "mnist", "train_samples": 0}, r"^load_arrays\(\): train_samples must be >= 1; received train_samples=0$"),
    ],
)
def test_load_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kerasdnn.load_arrays(**kwargs)


def test_make_dataset_length_mismatch():
    with pytest.raises(ValueError, match=r"^make_dataset\(\): x and y must hold the same number of samples; received 3 and 2$"):
        kerasdnn.make_dataset(np.zeros((3, 2)), np.zeros(2))


def test_failed_download_leaves_nothing_behind(tmp_path, monkeypatch):
    import tensorflow_datasets as tfds

    root = tmp_path / "data"

    def failing_download(builder, *args, **kwargs):
        partial = root / "downloads" / "mnist" / "train.gz.tmp"
        partial.parent.mkdir(parents=True)
        partial.write_bytes(b"half")
        raise ConnectionError("no network")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", failing_download)
    monkeypatch.setattr(kerasdnn.data, "_reachable", lambda servers, timeout: True)  # the network looks up
    with pytest.raises(kerasdnn.DatasetNotFoundError, match=r"downloading it failed \(ConnectionError: no network\)"):
        kerasdnn.load_arrays("mnist", data_dir=str(root))
    assert not root.exists()


@pytest.mark.parametrize("server", ["refused", "silent"])
def test_no_network_fails_fast_without_trying_to_download(tmp_path, monkeypatch, server):
    import tensorflow_datasets as tfds

    # A port nothing listens on refuses at once; a non-routable address
    # (TEST-NET-1, RFC 5737) never answers, so only the timeout ends the wait.
    address = ("127.0.0.1", free_port()) if server == "refused" else ("192.0.2.1", 443)
    monkeypatch.setattr(kerasdnn.data, "TFDS_MIRROR", address)
    monkeypatch.setitem(kerasdnn.data.DATASETS, "mnist", {**kerasdnn.data.DATASETS["mnist"], "source": address})
    monkeypatch.setattr(kerasdnn.data, "NETWORK_TIMEOUT", 2)

    def download(builder, *args, **kwargs):
        raise AssertionError("download_and_prepare must not run without a network")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download)
    start = time.perf_counter()
    with pytest.raises(kerasdnn.DatasetNotFoundError,
                       match=rf"and the network is unreachable \(no connection to {re.escape(address[0])}:{address[1]} within 2 s\)"):
        kerasdnn.load_arrays("mnist", data_dir=str(tmp_path / "data"))
    assert time.perf_counter() - start < 2 + 3
    assert not (tmp_path / "data").exists()


def test_split_validation_holds_out_the_last_twelfth():
    x, y = np.arange(60_000 * 2).reshape(60_000, 2), np.arange(60_000)
    (x_train, y_train), (x_val, y_val) = kerasdnn.split_validation(x, y)
    assert len(x_train) == 55_000 and len(x_val) == 5_000
    np.testing.assert_array_equal(y_val, np.arange(55_000, 60_000))
    np.testing.assert_array_equal(x_train[-1], x[54_999])


@pytest.mark.integration
def test_an_exported_dataset_loads_as_the_tfds_one_does(tmp_path, capsys):
    from kerasdnn.cli import main

    path = tmp_path / "fashion.npz"
    assert main(["data", "export", "fashion_mnist", str(path)]) == 0
    assert f"fashion_mnist written to {path}" in capsys.readouterr().out
    for normalization in ("scale", "standardize"):
        arguments = dict(normalization=normalization, train_samples=300, test_samples=100)
        exported = kerasdnn.load_arrays(str(path), **arguments)
        direct = kerasdnn.load_arrays("fashion_mnist", **arguments)
        for got, expected in zip((*exported[0], *exported[1]), (*direct[0], *direct[1])):
            np.testing.assert_array_equal(got, expected)
            assert got.dtype == expected.dtype
    with np.load(path) as saved:
        assert saved["x_train"].shape == (60000, 28, 28, 1) and saved["x_test"].shape == (10000, 28, 28, 1)


def test_a_damaged_or_missing_export_names_the_file(tmp_path):
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ValueError, match=rf"^load_arrays\(\): {damaged} is damaged \(.*\); export it again with "
                                         rf"kerasdnn data export NAME {damaged}$"):
        kerasdnn.load_arrays(str(damaged))
    with pytest.raises(FileNotFoundError, match=r"^load_arrays\(\): no exported dataset at .*missing.npz; write it "
                                                r"with kerasdnn data export NAME"):
        kerasdnn.load_arrays(str(tmp_path / "missing.npz"))
    with pytest.raises(ValueError, match=r"^export_arrays\(\): path must end in \.npz; received path='x.csv'$"):
        kerasdnn.data.export_arrays("mnist", "x.csv")
