import os
import re
import sys
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


def test_missing_offline_copy_names_the_folder_without_tfds_warnings(tmp_path, caplog, request):
    import logging

    # absl's logger at INFO, as a user who turned its verbosity up has it.
    absl = logging.getLogger("absl")
    level = absl.level
    absl.setLevel(logging.INFO)
    request.addfinalizer(lambda: absl.setLevel(level))
    with caplog.at_level(logging.INFO), pytest.raises(kerasdnn.DatasetNotFoundError) as error:
        kerasdnn.load_arrays("mnist", data_dir=str(tmp_path), download=False)
    assert str(error.value) == (
        f"load_arrays(): no prepared copy of 'mnist' in {tmp_path}{os.sep}mnist{os.sep}3.0.1 and downloading is "
        f"off (download=False). Point data_dir= (--data-dir in the recipes) or the TFDS_DATA_DIR environment "
        f"variable at a folder that holds a prepared tfds copy (mnist/3.0.1/ inside it)."
    )
    # tfds's own warning for each folder it looked in is held back, and absl's level left as it was.
    assert [record.getMessage() for record in caplog.records if record.name == "absl"] == []
    assert absl.level == logging.INFO


@pytest.fixture
def without_tensorflow(monkeypatch):
    """kerasdnn as where TensorFlow is not installed; returns `kerasdnn.quiet`."""
    from kerasdnn import quiet

    monkeypatch.setattr(quiet, "tensorflow_installed", lambda: False)
    return quiet


def test_without_tensorflow_a_dataset_comes_through_keras_datasets(tmp_path, monkeypatch, without_tensorflow):
    import keras

    levels = (np.arange(5 * 28 * 28).reshape(5, 28, 28) % 4).astype("uint8")
    labels = np.array([1, 2, 3, 4, 5], "uint8")
    # keras.datasets gives MNIST without its channel axis.
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: ((levels[:3], labels[:3]), (levels[3:], labels[3:])))
    with pytest.warns(kerasdnn.sources.KerasDatasetsWarning, match=r"^load_arrays\('mnist'\): TensorFlow is not"):
        (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
            "mnist", data_dir=str(tmp_path), normalization="none", train_samples=2
        )
    np.testing.assert_array_equal(x_train[..., 0], levels[:2])
    np.testing.assert_array_equal(x_test[..., 0], levels[3:])
    assert x_train.shape == (2, 28, 28, 1) and y_train.tolist() == [1, 2] and y_test.tolist() == [4, 5]
    assert y_train.dtype == y_test.dtype == np.int64
    # Without downloading, tfds's copy is the only way, and it needs TensorFlow.
    with pytest.raises(without_tensorflow.TensorFlowMissingError) as missing:
        kerasdnn.load_arrays("mnist", data_dir=str(tmp_path), download=False)
    assert str(missing.value) == (
        "load_arrays('mnist') through tensorflow-datasets (or export it where TensorFlow is, `kerasdnn data export "
        "mnist mnist.npz`, and load it here with load_arrays('mnist.npz')) needs TensorFlow, which is not installed "
        "here; install it with `pip install tensorflow`"
    )


@pytest.mark.parametrize("channels_first", [True, False], ids=["channels_first", "channels_last"])
def test_keras_datasets_cifar10_comes_channels_last_with_flat_labels_and_the_warning_at_the_callers_line(
    tmp_path, monkeypatch, without_tensorflow, channels_first
):
    import keras

    images = np.arange(3 * 32 * 32 * 3, dtype="uint8").reshape(3, 32, 32, 3)
    given = images.transpose(0, 3, 1, 2) if channels_first else images
    # keras.datasets gives CIFAR-10's labels as a column.
    labels = np.array([[7], [0], [9]], "uint8")
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: ((given[:2], labels[:2]), (given[2:], labels[2:])))
    with pytest.warns(kerasdnn.sources.KerasDatasetsWarning) as caught:
        line = sys._getframe().f_lineno + 1
        (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
            "cifar10", data_dir=str(tmp_path), normalization="none"
        )
    np.testing.assert_array_equal(x_train, images[:2])
    np.testing.assert_array_equal(x_test, images[2:])
    assert y_train.tolist() == [7, 0] and y_test.tolist() == [9]
    # The warning points at the caller's line, however deep in kerasdnn it was
    # raised (not under a mutation run: mutmut's trampolines are frames outside it).
    if "MUTANT_UNDER_TEST" not in os.environ:
        assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    assert str(caught[0].message) == (
        "load_arrays('cifar10'): TensorFlow is not installed, so tensorflow-datasets cannot load it; loading it "
        "through keras.datasets instead (downloaded once to ~/.keras/datasets). The images are the same, in another "
        "order than tensorflow-datasets', so split_validation holds out other images than the committed results "
        "used; for those, export it where TensorFlow is (`kerasdnn data export cifar10 cifar10.npz`) and load that "
        "file, or install TensorFlow (`pip install tensorflow`)."
    )


def test_a_failed_keras_datasets_download_says_what_failed_and_the_two_remedies(
    tmp_path, monkeypatch, without_tensorflow
):
    import keras

    def unreachable():
        raise OSError("no route to host")

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", unreachable)
    with pytest.warns(kerasdnn.sources.KerasDatasetsWarning), pytest.raises(kerasdnn.DatasetNotFoundError) as failed:
        kerasdnn.load_arrays("fashion_mnist", data_dir=str(tmp_path))
    assert str(failed.value) == (
        "load_arrays(): 'fashion_mnist' could not be downloaded through keras.datasets (OSError: no route to host), "
        "and tensorflow-datasets needs TensorFlow, which is not installed. Export it where TensorFlow is (`kerasdnn "
        "data export fashion_mnist fashion_mnist.npz`) and load that file, or install TensorFlow (`pip install "
        "tensorflow`) and point data_dir= at a prepared copy."
    )
    assert failed.value.__cause__ is None and failed.value.__suppress_context__


def test_an_export_is_looked_for_only_in_a_folder_given_or_set(tmp_path, monkeypatch):
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mnist.npz").write_bytes(b"")
    assert kerasdnn.sources._export_in(None, "mnist") is None  # not the working folder
    assert kerasdnn.sources._export_in(str(tmp_path), "mnist") == str(tmp_path / "mnist.npz")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"name": "mnsit"},
            r"^load_arrays\(\): name must be one of cifar10, fashion_mnist, mnist; received name='mnsit' \(did you mean 'mnist'",
        ),
        (
            {"name": "mnist", "normalization": "zscore"},
            r"^load_arrays\(\): normalization must be one of min_max, none, scale, standardize; received normalization='zscore'$",
        ),
        (
            {"name": "mnist", "train_samples": 0},
            r"^load_arrays\(\): train_samples must be >= 1; received train_samples=0$",
        ),
    ],
)
def test_load_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        kerasdnn.load_arrays(**kwargs)


def test_make_dataset_length_mismatch():
    with pytest.raises(
        ValueError, match=r"^make_dataset\(\): x and y must hold the same number of samples; received 3 and 2$"
    ):
        kerasdnn.make_dataset(np.zeros((3, 2)), np.zeros(2))


PARTIAL_DOWNLOAD = ("downloads/mnist/train.gz.tmp", "downloads/extracted/train", "mnist/3.0.1.incomplete/x")


@pytest.mark.parametrize(
    "existing, partials, left",
    [
        ([], PARTIAL_DOWNLOAD, None),  # the folder itself was created for the download
        (["notes.txt"], PARTIAL_DOWNLOAD, ["notes.txt"]),
        (
            ["downloads/fashion_mnist/train.gz"],
            PARTIAL_DOWNLOAD,
            ["downloads", "downloads/fashion_mnist", "downloads/fashion_mnist/train.gz"],
        ),
        # Failed before it downloaded anything: folders it never made are no error.
        (["notes.txt"], ("mnist/3.0.1.incomplete/x",), ["notes.txt"]),
    ],
)
def test_failed_download_leaves_nothing_behind(tmp_path, monkeypatch, existing, partials, left):
    import tensorflow_datasets as tfds

    root = tmp_path / "data"
    for name in existing:  # the user's own files, and another dataset's download
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("kept")

    def failing_download(builder, *args, **kwargs):
        for partial in partials:
            (root / partial).parent.mkdir(parents=True, exist_ok=True)
            (root / partial).write_bytes(b"half")
        raise ConnectionError("no network")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", failing_download)
    monkeypatch.setattr(kerasdnn.sources, "_reachable", lambda servers, timeout: True)  # the network looks up
    with pytest.raises(kerasdnn.DatasetNotFoundError, match=r"downloading it failed \(ConnectionError: no network\)"):
        kerasdnn.load_arrays("mnist", data_dir=str(root))
    assert (sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else None) == left


@pytest.mark.parametrize("server", ["refused", "silent"])
def test_no_network_fails_fast_without_trying_to_download(tmp_path, monkeypatch, server):
    import tensorflow_datasets as tfds

    # A port nothing listens on refuses at once; a non-routable address
    # (TEST-NET-1, RFC 5737) never answers, so only the timeout ends the wait.
    # Both servers named where they differ, once where they are the same.
    mirror = source = ("127.0.0.1", free_port()) if server == "refused" else ("192.0.2.1", 443)
    while server == "refused" and source == mirror:
        source = ("127.0.0.1", free_port())
    monkeypatch.setattr(kerasdnn.sources, "TFDS_MIRROR", mirror)
    monkeypatch.setitem(kerasdnn.data.DATASETS, "mnist", {**kerasdnn.data.DATASETS["mnist"], "source": source})
    monkeypatch.setattr(kerasdnn.sources, "NETWORK_TIMEOUT", 2)
    names = "{}:{}".format(*mirror) + ("" if source == mirror else " or {}:{}".format(*source))

    def download(builder, *args, **kwargs):
        raise AssertionError("download_and_prepare must not run without a network")

    monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", download)
    start = time.perf_counter()
    with pytest.raises(
        kerasdnn.DatasetNotFoundError,
        match=rf"and the network is unreachable \(no connection to {re.escape(names)} within 2 s\)",
    ):
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
    # The first 600 and 200 images: what a smoke run reads, in a small file.
    assert main(["data", "export", "fashion_mnist", str(path), "--train-samples", "600", "--test-samples", "200"]) == 0
    assert f"fashion_mnist written to {path}" in capsys.readouterr().out
    with np.load(path) as saved:
        assert saved["x_train"].shape == (600, 28, 28, 1) and saved["x_test"].shape == (200, 28, 28, 1)
    for normalization in ("scale", "standardize"):
        arguments = dict(normalization=normalization, train_samples=300, test_samples=100)
        exported = kerasdnn.load_arrays(str(path), **arguments)
        direct = kerasdnn.load_arrays("fashion_mnist", **arguments)
        for got, expected in zip((*exported[0], *exported[1]), (*direct[0], *direct[1])):
            np.testing.assert_array_equal(got, expected)
            assert got.dtype == expected.dtype
    # Whole, the export holds tfds's splits, first to last.
    (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(str(path), normalization="none")
    direct = kerasdnn.load_arrays("fashion_mnist", normalization="none", train_samples=600, test_samples=200)
    np.testing.assert_array_equal(x_train, direct[0][0])
    np.testing.assert_array_equal(y_test, direct[1][1])


def test_an_export_named_after_its_dataset_in_data_dir_is_read_before_tfds(tmp_path, monkeypatch):
    generator = np.random.default_rng(0)
    splits = {
        "x_train": generator.integers(0, 256, (24, 28, 28, 1)).astype("uint8"),
        "y_train": np.arange(24) % 10,
        "x_test": generator.integers(0, 256, (6, 28, 28, 1)).astype("uint8"),
        "y_test": np.arange(6),
    }
    np.savez(tmp_path / "fashion_mnist.npz", **splits)
    (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
        "fashion_mnist", data_dir=str(tmp_path), train_samples=20, download=False
    )
    np.testing.assert_allclose(x_train, splits["x_train"][:20] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y_test, splits["y_test"])
    assert x_train.shape == (20, 28, 28, 1) and x_test.shape == (6, 28, 28, 1) and y_train.dtype == np.int64
    # TFDS_DATA_DIR is searched the same way; another dataset's name is not.
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    assert kerasdnn.load_arrays("fashion_mnist", download=False)[0][0].shape == (24, 28, 28, 1)
    with pytest.raises(kerasdnn.DatasetNotFoundError, match=r"no prepared copy of 'mnist'"):
        kerasdnn.load_arrays("mnist", download=False)


def test_a_damaged_or_missing_export_names_the_file(tmp_path):
    damaged = tmp_path / "mnist.npz"
    damaged.write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(
        ValueError,
        match=rf"^load_arrays\(\): {damaged} is damaged \(.*\); export it again with "
        rf"kerasdnn data export NAME {damaged}$",
    ):
        kerasdnn.load_arrays(str(damaged))
    with pytest.raises(
        FileNotFoundError,
        match=r"^load_arrays\(\): no exported dataset at .*missing.npz; write it "
        r"with kerasdnn data export NAME",
    ):
        kerasdnn.load_arrays(str(tmp_path / "missing.npz"))
    with pytest.raises(ValueError, match=r"^export_arrays\(\): path must end in \.npz; received path='x.csv'$"):
        kerasdnn.data.export_arrays("mnist", "x.csv")


@pytest.mark.parametrize(
    "name, samples", [("linear_regression", 40), ("linear_regression", 41), ("sequence_sum", 12), ("sequence_sum", 13)]
)
def test_generated_splits_are_disjoint_and_sized_as_documented(name, samples):
    (x_train, y_train), (x_test, y_test) = kerasdnn.synthetic_arrays(name, samples=samples, seed=3)
    assert len(x_train) == len(y_train) == samples and len(x_test) == len(y_test) == samples // 4
    train_rows = {row.tobytes() for row in x_train}
    assert len(train_rows) == samples and not train_rows & {row.tobytes() for row in x_test}
    # The targets are the task's function of the inputs, in both splits.
    for x, y in ((x_train, y_train), (x_test, y_test)):
        if name == "linear_regression":
            np.testing.assert_allclose(y[:, 0], x @ np.array([1.0, 2.0, 3.0]) + 4.0, atol=0.05)
        else:
            np.testing.assert_allclose(y[:, 0], x[:, :, 0].sum(axis=1), rtol=1e-5)
    # The seed draws the data: the same seed the same, another seed others.
    again = kerasdnn.synthetic_arrays(name, samples=samples, seed=3)[0][0]
    np.testing.assert_array_equal(again, x_train)
    assert not np.array_equal(kerasdnn.synthetic_arrays(name, samples=samples, seed=4)[0][0], x_train)


def test_xor_is_its_four_points_in_both_splits():
    (x_train, y_train), (x_test, y_test) = kerasdnn.synthetic_arrays("xor")
    assert x_train.tolist() == x_test.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y_train.ravel().tolist() == y_test.ravel().tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("samples, held_out", [(24, 2), (25, 2), (12, 1), (23, 1)])
def test_split_validation_is_disjoint_and_covers_the_split(samples, held_out):
    x, y = np.arange(samples * 2).reshape(samples, 2), np.arange(samples)
    (x_train, y_train), (x_val, y_val) = kerasdnn.split_validation(x, y)
    assert len(y_val) == held_out and sorted([*y_train, *y_val]) == list(range(samples))
    assert not set(y_train) & set(y_val)
    np.testing.assert_array_equal(x_val, x[samples - held_out :])


@pytest.mark.parametrize(
    "method, axis, expected",
    [
        # Hand-computed on [[1, 10], [3, 30], [8, 20]]: means (4, 20), population
        # stds (sqrt(26/3), sqrt(200/3)); min (1, 10), range (7, 20); over all
        # values: mean 12, min 1, range 29.
        (
            "standardize",
            0,
            [
                [-3 / (26 / 3) ** 0.5, -10 / (200 / 3) ** 0.5],
                [-1 / (26 / 3) ** 0.5, 10 / (200 / 3) ** 0.5],
                [4 / (26 / 3) ** 0.5, 0.0],
            ],
        ),
        ("min_max", 0, [[0.0, 0.0], [2 / 7, 1.0], [1.0, 0.5]]),
        ("min_max", None, [[0.0, 9 / 29], [2 / 29, 1.0], [7 / 29, 19 / 29]]),
        ("scale", None, [[1 / 255, 10 / 255], [3 / 255, 30 / 255], [8 / 255, 20 / 255]]),
        ("none", None, [[1, 10], [3, 30], [8, 20]]),
    ],
)
def test_fit_normalization_by_hand(method, axis, expected):
    table = np.array([[1, 10], [3, 30], [8, 20]], "float32")
    np.testing.assert_allclose(
        kerasdnn.fit_normalization(table, method, axis=axis)(table), expected, rtol=1e-5, atol=1e-6
    )


def test_standardize_over_all_values_by_hand():
    values = np.array([[1.0, 2.0], [3.0, 6.0]])  # mean 3, population std sqrt(14/4)
    normalization = kerasdnn.fit_normalization(values)
    assert (normalization.shift, normalization.scale) == pytest.approx((3.0, (14 / 4) ** 0.5))
    np.testing.assert_allclose(normalization(values), (values - 3.0) / (14 / 4) ** 0.5, rtol=1e-6)


def test_train_and_test_samples_truncate_each_split(raw_mnist):
    (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
        "mnist", normalization="none", train_samples=7, test_samples=5
    )
    assert (len(x_train), len(y_train), len(x_test), len(y_test)) == (7, 7, 5, 5)
    np.testing.assert_array_equal(x_train, raw_mnist[0][0][:7])
    np.testing.assert_array_equal(y_test, raw_mnist[1][1][:5])
    assert not np.array_equal(x_train[:5], x_test)


def test_split_validation_refuses_too_few_samples():
    # 11 samples hold no twelfth: x[:-0] would train on nothing and validate on all.
    with pytest.raises(
        ValueError,
        match=r"^split_validation\(\): x must hold at least 12 samples to hold out a "
        r"twelfth; received 11$",
    ):
        kerasdnn.split_validation(np.zeros((11, 2)), np.zeros(11))
    with pytest.raises(
        ValueError,
        match=r"^split_validation\(\): x and y must hold the same number of samples; "
        r"received 12 and 11$",
    ):
        kerasdnn.split_validation(np.zeros((12, 2)), np.zeros(11))


def test_make_dataset_batches_shuffles_by_seed_and_reshuffles_each_epoch():
    x, y = np.arange(300, dtype="float32")[:, None], np.arange(300)
    assert [len(labels) for _, labels in kerasdnn.make_dataset(x, y).as_numpy_iterator()] == [128, 128, 44]

    def epochs(dataset):
        return [np.concatenate([labels for _, labels in dataset.as_numpy_iterator()]) for _ in range(2)]

    first, second = epochs(kerasdnn.make_dataset(x, y, batch_size=100, seed=3))
    again, _ = epochs(kerasdnn.make_dataset(x, y, batch_size=100, seed=3))
    np.testing.assert_array_equal(first, again)  # the seed fixes the order
    assert sorted(first) == list(range(300)) and not np.array_equal(first, second)  # a new order each epoch
    assert not np.array_equal(first, epochs(kerasdnn.make_dataset(x, y, batch_size=100, seed=4))[0])
    ordered = epochs(kerasdnn.make_dataset(x, y, batch_size=100, shuffle=False))[0]
    np.testing.assert_array_equal(ordered, y)
    whole = kerasdnn.make_dataset(x, y, shuffle=False, drop_remainder=True)
    assert [labels.tolist() for _, labels in whole.as_numpy_iterator()] == [list(range(128)), list(range(128, 256))]


@pytest.mark.parametrize(
    "batch_size, message",
    [
        (0, "make_dataset(): batch_size must be >= 1; received batch_size=0"),
        (2.5, "make_dataset(): batch_size must be an integer; received batch_size=2.5"),
    ],
)
def test_make_dataset_refuses_a_bad_batch_size(batch_size, message):
    with pytest.raises((ValueError, TypeError), match=f"^{re.escape(message)}$"):
        kerasdnn.make_dataset(np.zeros((4, 1)), np.zeros(4), batch_size=batch_size)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"batch_size": 0}, "EpochShuffledArrays(): batch_size must be >= 1; received batch_size=0"),
        ({"y": np.zeros(3)}, "EpochShuffledArrays(): x and y must hold the same number of samples; received 4 and 3"),
        ({"shard": (0,)}, "EpochShuffledArrays(): shard must be (index, count) with 0 <= index < count; received (0,)"),
        (
            {"shard": (-1, 2)},
            "EpochShuffledArrays(): shard must be (index, count) with 0 <= index < count; received (-1, 2)",
        ),
        (
            {"drop_remainder": True, "batch_size": 5},
            "EpochShuffledArrays(): drop_remainder=True leaves no batch: x has 4 samples, fewer than batch_size=5",
        ),
        (
            {"drop_remainder": "yes"},
            "EpochShuffledArrays(): drop_remainder must be True or False; received drop_remainder='yes' of type str",
        ),
    ],
)
def test_epoch_shuffled_arrays_refuses_bad_arguments(arguments, message):
    with pytest.raises((ValueError, TypeError), match=f"^{re.escape(message)}$"):
        kerasdnn.data.EpochShuffledArrays(np.zeros((4, 1)), **{"y": np.zeros(4), **arguments})


def test_epoch_shuffled_arrays_defaults_and_settings():
    x, y = np.arange(300)[:, None], np.arange(300)
    default = kerasdnn.data.EpochShuffledArrays(x, y)
    assert (len(default), default.batch_size, default.seed, default.shuffle, default.epoch) == (3, 128, 0, True, 0)
    expected = np.sort(np.random.default_rng([0, 0]).permutation(300)[:128])
    np.testing.assert_array_equal(default[0][1], expected)
    shard = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=10, shuffle=False, shard=(1, 3))
    assert shard[0][1].tolist() == [1, 4, 7]
    assert default.drop_remainder is False and len(kerasdnn.data.EpochShuffledArrays(x, y, batch_size=128)) == 3


@pytest.mark.parametrize("samples, batch_size, batches", [(300, 128, 2), (256, 128, 2), (5, 5, 1)])
def test_epoch_shuffled_arrays_drop_remainder_gives_whole_batches_of_the_epochs_order(samples, batch_size, batches):
    x, y = np.arange(samples)[:, None], np.arange(samples)
    whole = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=batch_size, seed=2, drop_remainder=True)
    whole.set_epoch(1)
    assert len(whole) == batches
    order = np.random.default_rng([2, 1]).permutation(samples)
    for index in range(batches):
        np.testing.assert_array_equal(whole[index][1], np.sort(order[index * batch_size : (index + 1) * batch_size]))


def test_normalization_to_json_holds_its_statistics():
    table = np.array([[1.0, 10.0], [3.0, 30.0]])
    assert kerasdnn.fit_normalization(table, "min_max", axis=0).to_json() == {
        "method": "min_max",
        "shift": [1.0, 10.0],
        "scale": [2.0, 20.0],
    }
    assert kerasdnn.fit_normalization(table, "scale").to_json() == {"method": "scale", "shift": 0.0, "scale": 255.0}


def test_reachable_answers_at_once_for_a_listening_server_and_a_refusing_one():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        listening = server.getsockname()
        start = time.perf_counter()
        assert kerasdnn.sources._reachable([("127.0.0.1", free_port()), listening], timeout=3)
        assert time.perf_counter() - start < 1
    start = time.perf_counter()
    assert not kerasdnn.sources._reachable([("127.0.0.1", free_port())], timeout=3)  # refused: no waiting
    assert time.perf_counter() - start < 1


def test_reachable_waits_for_a_slow_answer_up_to_the_timeout_in_daemon_probes(monkeypatch):
    import socket
    import threading

    released = threading.Event()
    calls = []

    class Connection:
        def close(self):
            pass

    def create_connection(server, timeout=None):
        calls.append((server, timeout))
        if server[0] == "slow":
            time.sleep(0.3)
            return Connection()
        released.wait(10)  # a name that never resolves
        raise OSError("unreachable")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    try:
        assert kerasdnn.sources._reachable([("slow", 443), ("slow", 443)], timeout=3)
        assert calls == [(("slow", 443), 3)]  # each server probed once, with the timeout
        start = time.perf_counter()
        assert not kerasdnn.sources._reachable([("hanging", 443)], timeout=0.2)
        assert 0.2 <= time.perf_counter() - start < 1
        # The hanging probe is left behind as a daemon thread: it cannot keep the process from exiting.
        probes = [thread for thread in threading.enumerate() if thread.name.endswith("(probe)")]
        assert probes and all(thread.daemon for thread in probes)
    finally:
        released.set()


def test_load_dataset_batches_shuffles_training_by_seed_and_keeps_the_test_order():
    (_, y_train), (_, y_test) = kerasdnn.load_arrays("mnist", train_samples=300, test_samples=200)
    train, test = kerasdnn.load_dataset("mnist", seed=5, train_samples=300, test_samples=200)
    batches = [labels for _, labels in train.as_numpy_iterator()]
    assert [len(labels) for labels in batches] == [128, 128, 44]
    assert np.array_equal(np.concatenate([labels for _, labels in test.as_numpy_iterator()]), y_test)
    first = np.concatenate(batches)
    again = kerasdnn.load_dataset("mnist", seed=5, train_samples=300, test_samples=200)[0]
    assert np.array_equal(first, np.concatenate([labels for _, labels in again.as_numpy_iterator()]))
    assert sorted(first) == sorted(y_train) and not np.array_equal(first, y_train)


def test_synthetic_arrays_defaults_and_refusals():
    (x_train, _), (x_test, _) = kerasdnn.synthetic_arrays("linear_regression")
    assert (len(x_train), len(x_test)) == (1000, 250)
    np.testing.assert_array_equal(x_train, kerasdnn.synthetic_arrays("linear_regression", seed=0)[0][0])
    with pytest.raises(ValueError, match=r"^synthetic_arrays\(\): name must be one of "):
        kerasdnn.synthetic_arrays("mnist")
    with pytest.raises(ValueError, match=r"^synthetic_arrays\(\): samples must be >= 4; received samples=3$"):
        kerasdnn.synthetic_arrays("xor", samples=3)


@pytest.mark.parametrize(
    "name, x_shape, y_shape", [("xor", (2,), (1,)), ("linear_regression", (3,), (1,)), ("sequence_sum", (20, 1), (1,))]
)
def test_synthetic_arrays_are_float32_of_the_tasks_shapes(name, x_shape, y_shape):
    (x_train, y_train), (x_test, y_test) = kerasdnn.synthetic_arrays(name, samples=4)  # the smallest allowed
    for array, shape in ((x_train, x_shape), (x_test, x_shape), (y_train, y_shape), (y_test, y_shape)):
        assert array.dtype == np.float32 and array.shape[1:] == shape
    with pytest.raises(TypeError, match=r"^synthetic_arrays\(\): samples must be an integer; received samples=4.5$"):
        kerasdnn.synthetic_arrays(name, samples=4.5)


def test_fit_normalization_refuses_an_unknown_method_or_axis_naming_them():
    table = np.zeros((2, 2))
    with pytest.raises(ValueError) as refusal:
        kerasdnn.fit_normalization(table, "minmax")
    assert str(refusal.value) == (
        "fit_normalization(): method must be one of min_max, none, scale, standardize; "
        "received method='minmax' (did you mean 'min_max'?)"
    )
    with pytest.raises(ValueError) as refusal:
        kerasdnn.fit_normalization(table, axis=1)
    assert str(refusal.value) == "fit_normalization(): axis must be None or 0; received axis=1"


def test_a_feature_constant_in_training_is_shifted_but_not_scaled_and_a_small_spread_is_scaled():
    # Column 0 is 5 in every training row: new inputs keep their distance
    # from it (scale 1). Column 1 has std 0.25, below 1, and is still scaled.
    table = np.array([[5.0, 0.0], [5.0, 0.5]])
    normalization = kerasdnn.fit_normalization(table, "standardize", axis=0)
    np.testing.assert_array_equal(normalization(table), [[0, -1], [0, 1]])
    np.testing.assert_array_equal(normalization([[7.0, 0.75]]), [[2, 2]])
    assert kerasdnn.fit_normalization(table, "min_max", axis=0)([[7.0, 0.25]]).tolist() == [[2, 0.5]]


def test_statistics_are_computed_in_float64_and_kept_as_float32_per_feature():
    # Two float32 values one spacing apart near 10,000: their std is half
    # the spacing, which a float32 mean (rounded to one of the two) misses.
    spacing = float(np.spacing(np.float32(10_000)))
    column = np.array([[10_000.0], [10_000.0 + spacing]], dtype=np.float32)
    assert kerasdnn.fit_normalization(column).scale == spacing / 2
    per_feature = kerasdnn.fit_normalization(column, axis=0)
    assert per_feature.shift.dtype == per_feature.scale.dtype == np.float32
    assert per_feature.scale.tolist() == [spacing / 2]


def test_normalizing_holds_one_float32_copy_and_leaves_the_input_alone():
    import tracemalloc

    pixels = np.random.default_rng(0).integers(0, 256, size=(1_000, 784), dtype=np.uint8)
    float_pixels = pixels.astype(np.float32)
    normalization = kerasdnn.fit_normalization(pixels)
    tracemalloc.start()
    try:
        normalized = normalization(pixels)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert normalized.dtype == np.float32 and peak < 1.25 * float_pixels.nbytes
    np.testing.assert_allclose(
        normalized, (float_pixels - np.float32(pixels.mean())) / np.float32(pixels.std()), rtol=1e-5, atol=1e-6
    )
    again = normalization(float_pixels)
    assert again is not float_pixels and (float_pixels == pixels).all()
    np.testing.assert_array_equal(again, normalized)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda: kerasdnn.load_arrays("mnist", test_samples=0),
            ValueError,
            "load_arrays(): test_samples must be >= 1; received test_samples=0",
        ),
        (
            lambda: kerasdnn.load_arrays("mnist", train_samples=2.5),
            TypeError,
            "load_arrays(): train_samples must be an integer; received train_samples=2.5",
        ),
        (
            lambda: kerasdnn.data.EpochShuffledArrays(np.zeros((4, 1)), np.zeros(4), batch_size=2.5),
            TypeError,
            "EpochShuffledArrays(): batch_size must be an integer; received batch_size=2.5",
        ),
    ],
    ids=["test_samples", "train_samples", "batch_size"],
)
def test_sample_counts_and_batch_sizes_are_whole_numbers_named_in_the_refusal(call, error, message):
    with pytest.raises(error) as refusal:
        call()
    assert str(refusal.value) == message


def test_a_shard_index_runs_from_0_to_count_less_1():
    x, y = np.arange(6).reshape(6, 1), np.arange(6)
    first = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=6, shuffle=False, shard=(0, 2))
    assert first[0][1].tolist() == [0, 2, 4]
    for shard in [(2, 2), (-1, 2), (0,)]:
        with pytest.raises(ValueError) as refusal:
            kerasdnn.data.EpochShuffledArrays(x, y, batch_size=6, shard=shard)
        assert str(refusal.value) == (
            f"EpochShuffledArrays(): shard must be (index, count) with 0 <= index < count; received {shard!r}"
        )


def test_make_dataset_without_tensorflow_says_it_builds_a_tf_data_pipeline(without_tensorflow):
    with pytest.raises(without_tensorflow.TensorFlowMissingError) as missing:
        kerasdnn.make_dataset(np.zeros((2, 1)), np.zeros(2))
    assert str(missing.value) == (
        "make_dataset() (a tf.data pipeline) needs TensorFlow, which is not installed here; "
        "install it with `pip install tensorflow`"
    )
