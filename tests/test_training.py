import csv
import json
import math

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import run_files

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("training")


def _load_strict(path):
    """Loads JSON refusing NaN/Infinity, which the results must never hold."""

    def refuse(constant):
        raise AssertionError(f"{path} holds {constant}")

    with open(path) as handle:
        return json.load(handle, parse_constant=refuse)


def test_short_fit_learns_well_above_chance_and_writes_its_files(mnist_small, tmp_path, seed):
    (x_train, y_train), (x_test, y_test) = mnist_small
    # Three different sets, each recognisable by its accuracy: validation is
    # training data (high), the test set has shuffled labels (chance).
    x_val, y_val = x_train[:500], y_train[:500]
    y_test = np.random.default_rng(0).permutation(y_test)
    model = kerasdnn.mlp((28, 28, 1), units=(128, 64), dropout=0.1)
    result = kerasdnn.train(
        model,
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        test_data=(x_test, y_test),
        epochs=3,
        output_dir=tmp_path,
        settings={"purpose": "test"},
        tensorboard=True,
        verbose=0,
    )
    assert result["test"]["accuracy"] < 0.2 < 0.85 < result["final"]["val_accuracy"]  # chance is 0.10
    assert result["test"]["accuracy"] == pytest.approx(
        model.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"]
    )
    validation_curve = result["history"]["val_accuracy"]
    assert result["best"] == {"epoch": int(np.argmax(validation_curve)) + 1, "val_accuracy": max(validation_curve)}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.csv",
        "learning_curves.png",
        "model.keras",
        "results.json",
        "tensorboard",
    ]
    assert any((tmp_path / "tensorboard" / "train").iterdir())
    saved = _load_strict(tmp_path / "results.json")
    assert saved["epochs_run"] == 3 and saved["parameters"] == model.count_params()
    assert saved["settings"] == {"purpose": "test"} and saved["seed"] == 0 and not saved["diverged"]
    assert saved["backend"] == keras.backend.backend()
    assert set(saved["final"]) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert saved["seconds_per_epoch"] > 0 and len(saved["epoch_seconds"]) == 3
    assert {"kerasdnn", "keras", "numpy", "python", keras.backend.backend()} <= set(saved["versions"])
    assert (tmp_path / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    assert reloaded.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"] == pytest.approx(
        result["test"]["accuracy"]
    )


def test_best_epoch_is_the_first_argmax_of_the_monitored_metric():
    history = {"loss": [1.0, 0.5, 0.4, 0.3], "accuracy": [0.5, 0.7, 0.7, 0.6]}
    monitor = kerasdnn.callbacks.RunMonitor(None, 1)
    model = kerasdnn.mlp((2,), units=())
    results = run_files.run_results(
        model,
        history,
        None,
        monitor,
        keras.optimizers.SGD(),
        epochs=4,
        batch_size=1,
        drop_remainder=False,
        seed=0,
        loss="mse",
        settings=None,
        wall_seconds=0.0,
    )
    assert results["best"] == {"epoch": 2, "accuracy": 0.7} and results["final"]["accuracy"] == 0.6


def _overshooting_regression(tmp_path, learning_rate=10.0, **arguments):
    # Hanbat §1: a learning rate of 10 makes gradient descent overshoot.
    keras.utils.set_random_seed(1234)
    x = np.random.default_rng(0).uniform(size=(200, 3)).astype("float32")
    y = x @ np.array([1.0, 2.0, 3.0], "float32")
    model = kerasdnn.mlp((3,), units=(), classes=1, classifier_activation=None)
    return kerasdnn.train(
        model,
        x,
        y,
        optimizer="sgd",
        learning_rate=learning_rate,
        loss="mse",
        metrics=(),
        epochs=20,
        batch_size=10,
        output_dir=tmp_path,
        verbose=0,
        **arguments,
    )


def test_divergence_is_reported_not_raised_and_json_holds_no_nan(tmp_path):
    result = _overshooting_regression(tmp_path)
    assert result["diverged"] and result["diverged_at_epoch"] == 1 and result["epochs_run"] == 1
    saved = _load_strict(tmp_path / "results.json")
    assert saved["final"]["loss"] is None and saved["test"] is None
    assert "nonfinite_batch" not in saved["final"]
    assert not (tmp_path / "model.keras").exists() and not (tmp_path / "backup").exists()


@pytest.mark.core
def test_divergence_step_is_the_same_batch_at_any_steps_per_execution(tmp_path):
    one_by_one = _overshooting_regression(tmp_path / "one", steps_per_execution=1)
    default = _overshooting_regression(tmp_path / "default")  # 32 batches per call: the epoch's 20 in one
    assert 2 <= one_by_one["diverged_at_step"] <= 19
    assert default["diverged_at_step"] == one_by_one["diverged_at_step"]
    # The second epoch's batches count from the first epoch's 20.
    later = _overshooting_regression(
        tmp_path / "later", learning_rate=keras.optimizers.schedules.PiecewiseConstantDecay([20], [0.1, 10.0])
    )
    assert later["diverged_at_epoch"] == 2 and later["diverged_at_step"] > 20


class _Interrupt(keras.callbacks.Callback):
    """Stands in for a kill: raises when an epoch begins."""

    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt


def _small_task():
    """600 samples of 20 features; the label depends on three of them."""
    x = np.random.default_rng(5).normal(size=(600, 20)).astype("float32")
    return x, (x[:, :3].sum(axis=1) > 0).astype(int)


def _dropout_net():
    keras.utils.set_random_seed(3)
    return kerasdnn.mlp((20,), units=(32, 16), dropout=0.3, classes=2)


@pytest.mark.core
def test_killed_run_resumes_exactly_where_it_stopped(tmp_path):
    x, y = _small_task()
    arguments = dict(epochs=4, batch_size=32, verbose=0, seed=3)
    uninterrupted = _dropout_net()
    kerasdnn.train(uninterrupted, x, y, output_dir=tmp_path / "uninterrupted", **arguments)

    with pytest.raises(KeyboardInterrupt):
        kerasdnn.train(
            _dropout_net(), x, y, output_dir=tmp_path / "killed", callbacks=[_Interrupt(at_epoch=2)], **arguments
        )
    assert (tmp_path / "killed" / "backup").is_dir() and not (tmp_path / "killed" / "results.json").exists()
    trained_epochs = []
    resumed = _dropout_net()
    result = kerasdnn.train(
        resumed,
        x,
        y,
        output_dir=tmp_path / "killed",
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: trained_epochs.append(epoch))],
        **arguments,
    )
    # Only the two missing epochs ran, and the run ends as if never killed:
    # same weights, same optimizer step count, same dropout masks drawn.
    assert trained_epochs == [2, 3]
    assert int(resumed.optimizer.iterations) == int(uninterrupted.optimizer.iterations) == 4 * 19
    for resumed_weight, weight in zip(resumed.get_weights(), uninterrupted.get_weights()):
        np.testing.assert_allclose(resumed_weight, weight, rtol=1e-5, atol=1e-6)
    with open(tmp_path / "killed" / "history.csv") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1", "2", "3"]
    assert result["epochs_run"] == 4 and not (tmp_path / "killed" / "backup").exists()

    # A finished run called again starts afresh instead of appending.
    again = kerasdnn.train(_dropout_net(), x, y, output_dir=tmp_path / "killed", **{**arguments, "epochs": 2})
    assert again["epochs_run"] == 2


def test_each_epoch_orders_batches_by_seed_and_epoch_alone():
    x, y = np.arange(10).reshape(10, 1), np.arange(10)
    batches = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=4, seed=1)
    first = [batches[i][1].tolist() for i in range(len(batches))]
    batches.set_epoch(1)
    second = [batches[i][1].tolist() for i in range(len(batches))]
    batches.set_epoch(0)
    assert [batches[i][1].tolist() for i in range(len(batches))] == first != second
    assert len(batches) == 3 and sorted(sum(first, [])) == list(range(10))
    assert kerasdnn.data.EpochShuffledArrays(x, y, batch_size=4, shuffle=False)[2][1].tolist() == [8, 9]


@pytest.mark.parametrize("shuffle", [True, False])
def test_process_shards_together_are_the_whole_batch(shuffle):
    x, y = np.arange(10).reshape(10, 1), np.arange(10)
    whole = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=4, seed=1, shuffle=shuffle)
    shards = [
        kerasdnn.data.EpochShuffledArrays(x, y, batch_size=4, seed=1, shuffle=shuffle, shard=(index, 2))
        for index in range(2)
    ]
    for batch in range(len(whole)):
        parts = [shard[batch][1].tolist() for shard in shards]
        assert len(parts[0]) == len(parts[1]) and sorted(parts[0] + parts[1]) == sorted(whole[batch][1].tolist())
    with pytest.raises(ValueError, match=r"shard must be \(index, count\) with 0 <= index < count; received \(2, 2\)"):
        kerasdnn.data.EpochShuffledArrays(x, y, shard=(2, 2))


def test_backup_of_a_different_model_is_refused_unless_overwritten(mnist_small, tmp_path, seed):
    (x_train, y_train), _ = mnist_small
    with pytest.raises(KeyboardInterrupt):
        kerasdnn.train(
            kerasdnn.mlp((28, 28, 1), units=(32,)),
            x_train[:300],
            y_train[:300],
            epochs=3,
            output_dir=tmp_path,
            callbacks=[_Interrupt(at_epoch=1)],
            verbose=0,
        )
    with pytest.raises(
        ValueError,
        match=r"^train\(\): .*backup holds 1 epochs of a different run \(model\.config\.layers"
        r".*; pass overwrite=True \(--overwrite\) to discard it and start afresh",
    ):
        kerasdnn.train(
            kerasdnn.mlp((28, 28, 1), units=(16, 16)),
            x_train[:300],
            y_train[:300],
            epochs=3,
            output_dir=tmp_path,
            verbose=0,
        )
    result = kerasdnn.train(
        kerasdnn.mlp((28, 28, 1), units=(16, 16)),
        x_train[:300],
        y_train[:300],
        epochs=3,
        output_dir=tmp_path,
        verbose=0,
        overwrite=True,
    )
    assert result["epochs_run"] == 3 and not (tmp_path / "backup").exists()


def test_lsuv_layers_are_rescaled_before_fitting(mnist_small, seed):
    (x_train, y_train), _ = mnist_small
    model = kerasdnn.mlp((28, 28, 1), units=(64, 64), batch_norm=False, activation="tanh", kernel_initializer="lsuv")
    probe = keras.Model(model.input, model.get_layer("block2_dense").output)
    before = float(np.var(keras.ops.convert_to_numpy(probe(x_train[:128]))))
    kerasdnn.train(model, x_train[:128], y_train[:128], epochs=1, learning_rate=1e-9, verbose=0)
    after = float(np.var(keras.ops.convert_to_numpy(probe(x_train[:128]))))
    assert abs(before - 1.0) > 0.2 and after == pytest.approx(1.0, abs=0.15)


def test_training_without_output_dir_writes_nothing(tmp_path, monkeypatch, seed):
    monkeypatch.chdir(tmp_path)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    result = kerasdnn.train(
        kerasdnn.mlp((4,), units=(8,), classes=2), x, (x[:, 0] > 0).astype(int), epochs=2, verbose=0
    )
    assert result["epochs_run"] == 2 and math.isfinite(result["final"]["loss"]) and list(tmp_path.iterdir()) == []


@pytest.mark.core  # so that .ci/run's TensorFlow pass runs it
@pytest.mark.skipif(kerasdnn.training.accelerator_available(), reason="XLA is left to Keras on a GPU or TPU")
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="only TensorFlow's XLA is turned off on a CPU")
def test_jit_compile_stays_off_on_cpu(seed):
    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    kerasdnn.train(model, np.zeros((8, 4), "float32"), np.zeros(8, int), epochs=1, verbose=0)
    assert model.jit_compile is False and model.steps_per_execution == 32


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, r"^train\(\): epochs must be >= 1; received epochs=0$"),
        ({"optimizer": "adamm"}, ValueError, r"^train\(\): optimizer must be one of .*received optimizer='adamm'"),
        (
            {"y": None},
            TypeError,
            r"^train\(\): x must be a tf.data.Dataset, an \(x, y\) pair, or arrays with y given; received x of type ndarray without y$",
        ),
    ],
)
def test_train_errors(kwargs, error, message):
    arguments = {"model": kerasdnn.mlp((4,), units=()), "x": np.zeros((4, 4)), "y": np.zeros(4), **kwargs}
    with pytest.raises(error, match=message):
        kerasdnn.train(**arguments)


def test_a_tf_data_dataset_is_trained_as_given(seed):
    import tensorflow as tf

    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    dataset = tf.data.Dataset.from_tensor_slices((x, (x[:, 0] > 0).astype(int))).batch(16)
    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    result = kerasdnn.train(model, dataset, epochs=2, test_data=dataset, verbose=0)
    assert int(model.optimizer.iterations) == 8 and result["epochs_run"] == 2 and 0 <= result["test"]["accuracy"] <= 1
