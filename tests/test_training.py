import csv
import json
import math

import keras
import numpy as np
import pytest

import kerasdnn


def _load_strict(path):
    """Loads JSON refusing NaN/Infinity, which the results must never hold."""

    def refuse(constant):
        raise AssertionError(f"{path} holds {constant}")

    with open(path) as handle:
        return json.load(handle, parse_constant=refuse)


def test_short_fit_learns_well_above_chance_and_writes_its_files(mnist_small, tmp_path, seed):
    (x_train, y_train), (x_test, y_test) = mnist_small
    model = kerasdnn.mlp((28, 28, 1), units=(128, 64), dropout=0.1)
    result = kerasdnn.train(
        model, x_train, y_train, validation_data=(x_test, y_test), test_data=(x_test, y_test),
        epochs=3, output_dir=tmp_path, settings={"purpose": "test"}, tensorboard=True, verbose=0,
    )
    assert result["test"]["accuracy"] > 0.85  # chance is 0.10
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.csv", "learning_curves.png", "model.keras", "results.json", "tensorboard"
    ]
    assert any((tmp_path / "tensorboard" / "train").iterdir())
    saved = _load_strict(tmp_path / "results.json")
    assert saved["epochs_run"] == 3 and saved["parameters"] == model.count_params()
    assert saved["settings"] == {"purpose": "test"} and saved["seed"] == 0 and not saved["diverged"]
    assert set(saved["final"]) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert 1 <= saved["best"]["epoch"] <= 3 and saved["seconds_per_epoch"] > 0
    assert set(saved["versions"]) == {"kerasdnn", "keras", "tensorflow", "numpy", "python"}
    assert (tmp_path / "learning_curves.png").read_bytes()[:4] == b"\x89PNG"
    reloaded = keras.saving.load_model(tmp_path / "model.keras")
    assert reloaded.evaluate(x_test, y_test, verbose=0, return_dict=True)["accuracy"] == pytest.approx(result["test"]["accuracy"])


def test_divergence_is_reported_not_raised_and_json_holds_no_nan(tmp_path, seed):
    # Hanbat §1: a learning rate of 10 makes gradient descent overshoot.
    x = np.random.default_rng(0).uniform(size=(200, 3)).astype("float32")
    y = x @ np.array([1.0, 2.0, 3.0], "float32")
    model = kerasdnn.mlp((3,), units=(), classes=1, classifier_activation=None)
    result = kerasdnn.train(
        model, x, y, optimizer="sgd", learning_rate=10.0, loss="mse", metrics=(),
        epochs=20, batch_size=10, steps_per_execution=1, output_dir=tmp_path, verbose=0,
    )
    assert result["diverged"] and result["diverged_at_epoch"] == 1
    assert 1 <= result["diverged_at_step"] <= 20 and result["epochs_run"] == 1
    saved = _load_strict(tmp_path / "results.json")
    assert saved["final"]["loss"] is None and saved["test"] is None
    assert not (tmp_path / "model.keras").exists() and not (tmp_path / "backup").exists()


class _Interrupt(keras.callbacks.Callback):
    """Stands in for a kill: raises when an epoch begins."""

    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt


def test_killed_run_resumes_and_reaches_the_same_epoch_count(mnist_small, tmp_path):
    (x_train, y_train), _ = mnist_small
    arguments = dict(epochs=4, output_dir=tmp_path, verbose=0, seed=3)

    def build():
        keras.utils.set_random_seed(3)
        return kerasdnn.mlp((28, 28, 1), units=(32,))

    with pytest.raises(KeyboardInterrupt):
        kerasdnn.train(build(), x_train[:600], y_train[:600], callbacks=[_Interrupt(at_epoch=2)], **arguments)
    assert (tmp_path / "backup").is_dir() and not (tmp_path / "results.json").exists()

    result = kerasdnn.train(build(), x_train[:600], y_train[:600], **arguments)
    assert result["epochs_run"] == 4
    with open(tmp_path / "history.csv") as handle:
        assert [row["epoch"] for row in csv.DictReader(handle)] == ["0", "1", "2", "3"]
    assert not (tmp_path / "backup").exists()

    # A finished run called again starts afresh instead of appending.
    again = kerasdnn.train(build(), x_train[:600], y_train[:600], **{**arguments, "epochs": 2})
    assert again["epochs_run"] == 2


def test_backup_of_a_different_model_is_not_resumed(mnist_small, tmp_path, seed):
    (x_train, y_train), _ = mnist_small
    with pytest.raises(KeyboardInterrupt):
        kerasdnn.train(kerasdnn.mlp((28, 28, 1), units=(32,)), x_train[:300], y_train[:300], epochs=3,
                       output_dir=tmp_path, callbacks=[_Interrupt(at_epoch=1)], verbose=0)
    with pytest.warns(UserWarning, match="holds an unfinished run of a different model; starting afresh"):
        result = kerasdnn.train(kerasdnn.mlp((28, 28, 1), units=(16, 16)), x_train[:300], y_train[:300],
                                epochs=3, output_dir=tmp_path, verbose=0)
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
    result = kerasdnn.train(kerasdnn.mlp((4,), units=(8,), classes=2), x, (x[:, 0] > 0).astype(int), epochs=2, verbose=0)
    assert result["epochs_run"] == 2 and math.isfinite(result["final"]["loss"]) and list(tmp_path.iterdir()) == []


def test_jit_compile_stays_off_on_cpu(seed):
    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    kerasdnn.train(model, np.zeros((8, 4), "float32"), np.zeros(8, int), epochs=1, verbose=0)
    assert model.jit_compile is False and model.steps_per_execution == 32


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, r"^train\(\): epochs must be >= 1; received epochs=0$"),
        ({"optimizer": "adamm"}, ValueError, r"^train\(\): optimizer must be one of .*received optimizer='adamm'"),
        ({"y": None}, TypeError, r"^train\(\): x must be a tf.data.Dataset, an \(x, y\) pair, or arrays with y given; received x of type ndarray without y$"),
    ],
)
def test_train_errors(kwargs, error, message):
    arguments = {"model": kerasdnn.mlp((4,), units=()), "x": np.zeros((4, 4)), "y": np.zeros(4), **kwargs}
    with pytest.raises(error, match=message):
        kerasdnn.train(**arguments)
