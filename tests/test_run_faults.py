"""What a fault does to a run of `kerasdnn.train`: an exact resume or a clear error, never a false record."""

import csv
import json
import os

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import run_state

pytestmark = pytest.mark.xdist_group("run_faults")


class _Killed(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing on the way catches it."""


def _task():
    """240 samples of 12 features; the label depends on three of them."""
    x = np.random.default_rng(7).normal(size=(240, 12)).astype("float32")
    return x, (x[:, :3].sum(axis=1) > 0).astype(int)


def _net():
    keras.utils.set_random_seed(11)
    return kerasdnn.mlp((12,), units=(16,), dropout=0.25, classes=2)


ARGUMENTS = dict(epochs=3, batch_size=48, verbose=0, seed=5)


def _epochs_in(history_csv):
    with open(history_csv, newline="") as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    x, y = _task()
    model = _net()
    result = kerasdnn.train(model, x, y, output_dir=tmp_path_factory.mktemp("whole"), **ARGUMENTS)
    return model.get_weights(), result


def _operations_of_one_run(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(run_state, "before_file_operation", lambda operation, path: seen.append((operation, path)))
    x, y = _task()
    kerasdnn.train(_net(), x, y, output_dir=tmp_path / "count", **ARGUMENTS)
    monkeypatch.undo()
    return seen


@pytest.mark.core
def test_a_kill_at_any_file_operation_resumes_to_the_uninterrupted_run(tmp_path, monkeypatch, uninterrupted):
    weights, whole = uninterrupted
    operations = _operations_of_one_run(tmp_path, monkeypatch)
    # Every write, rename and removal of the run: the fingerprint, each epoch's
    # four files and its rename, the old epoch's removal, history.csv, then
    # the outputs and the backup's removal.
    assert len(operations) > 3 * 6
    x, y = _task()
    for index in range(len(operations)):
        calls = []

        def kill_at(operation, path, calls=calls, index=index):
            calls.append(path)
            if len(calls) == index + 1:
                raise _Killed

        folder = tmp_path / f"kill{index}"
        monkeypatch.setattr(run_state, "before_file_operation", kill_at)
        with pytest.raises(_Killed):
            kerasdnn.train(_net(), x, y, output_dir=folder, **ARGUMENTS)
        monkeypatch.undo()
        model = _net()
        result = kerasdnn.train(model, x, y, output_dir=folder, **ARGUMENTS)
        where = f"killed before {operations[index]}"
        assert _epochs_in(folder / "history.csv") == [0, 1, 2], where
        assert result["epochs_run"] == 3 and result["history"]["loss"] == pytest.approx(whole["history"]["loss"]), where
        for resumed, expected in zip(model.get_weights(), weights):
            np.testing.assert_allclose(resumed, expected, rtol=1e-5, atol=1e-6, err_msg=where)
        assert sorted(os.listdir(folder)) == ["history.csv", "learning_curves.png", "model.keras", "results.json"], (
            where
        )


@pytest.mark.parametrize(
    "change, differs",
    [
        ({"seed": 6}, r"seed: 5 in the backup, 6 now"),
        ({"learning_rate": 0.05}, r"optimizer\.config\.learning_rate: 0\.001 in the backup, 0\.05 now"),
        ({"batch_size": 32}, r"batch_size: 48 in the backup, 32 now"),
        ({"epochs": 5}, r"epochs: 3 in the backup, 5 now"),
        ({"optimizer": "sgd"}, r"optimizer\.class_name: 'Adam' in the backup, 'SGD' now"),
        ({"x_scale": 2.0}, r"data\[0\]\.crc32"),
        (
            {"loss": "as_object"},
            r"loss: 'sparse_categorical_crossentropy' in the backup, "
            r"\{'class_name': 'SparseCategoricalCrossentropy'",
        ),
        ({"validation_data": "held_out"}, r"validation_data: None in the backup, \["),
    ],
)
def test_a_backup_of_another_run_is_refused_naming_what_differs(tmp_path, change, differs):
    x, y = _task()
    with pytest.raises(_Killed):
        kerasdnn.train(_net(), x, y, output_dir=tmp_path, callbacks=[_KillAtEpoch(1)], **ARGUMENTS)
    change = dict(change)
    x = x * change.pop("x_scale", 1.0)
    # The same loss as an object, and validation data where there was none.
    if change.get("loss"):
        change["loss"] = keras.losses.SparseCategoricalCrossentropy()
    if change.get("validation_data"):
        change["validation_data"] = (x[:24], y[:24])
    with pytest.raises(
        ValueError,
        match=rf"^train\(\): {tmp_path}/backup holds 1 epochs of a different run "
        rf"\(.*{differs}.*\); pass overwrite=True \(--overwrite\)",
    ):
        kerasdnn.train(_net(), x, y, output_dir=tmp_path, **{**ARGUMENTS, **change})
    # Refused means untouched: the same run still resumes from epoch 1.
    begun = []
    kerasdnn.train(
        _net(),
        _task()[0],
        y,
        output_dir=tmp_path,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: begun.append(e))],
        **ARGUMENTS,
    )
    assert begun == [1, 2]


class _KillAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise _Killed


def _killed_after_two_epochs(folder):
    x, y = _task()
    with pytest.raises(_Killed):
        kerasdnn.train(_net(), x, y, output_dir=folder, callbacks=[_KillAtEpoch(2)], **ARGUMENTS)
    return folder / "backup" / "epoch-0002"


def _unnamed_net():
    """A plain Keras model whose layers Keras names, and numbers anew each time one is built."""
    keras.utils.set_random_seed(11)
    inputs = keras.Input((12,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(hidden))


def test_a_run_of_unnamed_layers_resumes_although_keras_numbers_them_anew(tmp_path):
    x, y = _task()
    first = _unnamed_net()
    with pytest.raises(_Killed):
        kerasdnn.train(first, x, y, output_dir=tmp_path, callbacks=[_KillAtEpoch(2)], **ARGUMENTS)
    again = _unnamed_net()  # as a notebook cell run again, or a script in a new process
    assert [layer.name for layer in again.layers] != [layer.name for layer in first.layers]
    begun = []
    result = kerasdnn.train(
        again,
        x,
        y,
        output_dir=tmp_path,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: begun.append(epoch))],
        **ARGUMENTS,
    )
    assert begun == [2] and result["epochs_run"] == 3 and _epochs_in(tmp_path / "history.csv") == [0, 1, 2]


def test_overwrite_discards_the_backup_and_trains_every_epoch(tmp_path):
    _killed_after_two_epochs(tmp_path)
    begun = []
    result = kerasdnn.train(
        _net(),
        *_task(),
        output_dir=tmp_path,
        overwrite=True,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: begun.append(e))],
        **{**ARGUMENTS, "seed": 9},
    )
    assert begun == [0, 1, 2] and result["seed"] == 9 and _epochs_in(tmp_path / "history.csv") == [0, 1, 2]


def test_a_backup_beyond_the_requested_epochs_is_reported(tmp_path):
    state = _killed_after_two_epochs(tmp_path)
    os.rename(state, state.parent / "epoch-0099")
    with pytest.raises(ValueError, match=r"backup holds 99 finished epochs, more than the epochs=3 requested"):
        kerasdnn.train(_net(), *_task(), output_dir=tmp_path, **ARGUMENTS)


@pytest.mark.parametrize(
    "damage, file, reason",
    [
        ("truncate", "manifest.json", "not readable JSON"),
        ("garble", "model.weights.h5", "checksum differs"),
        ("truncate", "random_state.npz", "checksum differs"),
        ("remove", "history.json", "missing, or its checksum differs"),
        ("truncate", "../fingerprint.json", "not readable JSON"),
    ],
)
def test_a_damaged_backup_names_the_file_and_the_remedy(tmp_path, damage, file, reason):
    path = os.path.normpath(_killed_after_two_epochs(tmp_path) / file)
    if damage == "remove":
        os.remove(path)
    else:
        with open(path, "r+b") as handle:
            if damage == "truncate":
                handle.truncate(os.path.getsize(path) // 2)
            else:
                handle.seek(os.path.getsize(path) // 2)
                handle.write(b"\xff" * 64)
    with pytest.raises(
        run_state.DamagedRunError,
        match=rf"^{path} is damaged \(.*{reason}.*\); delete "
        rf"{tmp_path}/backup to start the run afresh, or pass overwrite=True",
    ):
        kerasdnn.train(_net(), *_task(), output_dir=tmp_path, **ARGUMENTS)


def test_callbacks_see_the_callers_model_and_checkpoints_load(tmp_path):
    x, y = _task()
    sums, seen, checkpoint = [], [], tmp_path / "checkpoint.keras"

    class Predicts(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            sums.append(self.model.predict(x[:16], verbose=0).sum(axis=1))
            seen.append((self.model, sorted(logs)))

    model = _net()
    kerasdnn.train(
        model,
        x,
        y,
        output_dir=tmp_path / "run",
        callbacks=[Predicts(), keras.callbacks.ModelCheckpoint(str(checkpoint))],
        **ARGUMENTS,
    )
    # Probabilities, every epoch: the softmax was never switched off.
    np.testing.assert_allclose(np.concatenate(sums), 1.0, atol=1e-5)
    assert all(seen_model is model for seen_model, _ in seen)
    assert seen[0][1] == ["accuracy", "epoch_seconds", "learning_rate", "loss"]
    loaded = keras.saving.load_model(checkpoint)
    saved = keras.saving.load_model(tmp_path / "run" / "model.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), saved.predict(x, verbose=0), atol=1e-6)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert [type(m).__name__ for m in loaded.metrics if m.name != "loss"] in ([], ["CompileMetrics"])


def test_early_stopping_from_the_callers_callbacks_stops_the_fit(tmp_path):
    x, y = _task()
    stop = keras.callbacks.LambdaCallback()

    def stop_now(epoch, logs):
        stop.model.stop_training = True

    stop.on_epoch_end = stop_now
    result = kerasdnn.train(_net(), x, y, callbacks=[stop], **ARGUMENTS)
    assert result["epochs_run"] == 1


def test_a_saturated_softmax_is_fitted_on_its_logits():
    # N(0, 1) weights (lab-10-2) saturate the softmax: clipped probabilities
    # cap each sample's loss at -log(1e-7) = 16.1 and give it no gradient.
    # From the logits the loss is the true, far larger one, and it learns.
    x = np.random.default_rng(1).uniform(size=(512, 256)).astype("float32")
    y = (x[:, :8].sum(axis=1) > 4).astype(int) + 2 * (x[:, 8] > 0.5)
    keras.utils.set_random_seed(2)
    model = kerasdnn.mlp(
        (256,),
        units=(128, 128),
        batch_norm=False,
        kernel_initializer=keras.initializers.RandomNormal(stddev=1.0),
        classes=4,
    )
    result = kerasdnn.train(model, x, y, epochs=10, batch_size=32, learning_rate=0.01, verbose=0)
    assert result["history"]["loss"][0] > 50 and result["final"]["accuracy"] > 0.75
    np.testing.assert_allclose(model.predict(x[:8], verbose=0).sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (
            {"y": np.full(40, 2)},
            ValueError,
            r"^train\(\): y must hold class indices 0 to 1 for the model's 2 outputs; received labels from 2 to 2$",
        ),
        ({"y": np.full(40, -1)}, ValueError, r"received labels from -1 to -1$"),
        ({"y": np.full(40, 0.5)}, ValueError, r"received values from 0\.5 to 0\.5$"),
        (
            {"x": np.zeros((40, 13), "float32")},
            ValueError,
            r"^train\(\): x must have shape \(samples, 12\) for this model; received x of shape \(40, 13\)$",
        ),
        (
            {"x": np.zeros((40, 12, 1), "float32")},
            ValueError,
            r"x must have shape \(samples, 12\) for this model; received x of shape \(40, 12, 1\)$",
        ),
        (
            {"x": np.zeros((0, 12)), "y": np.zeros(0, int)},
            ValueError,
            r"^train\(\): x must hold at least one sample; received x of shape \(0, 12\)$",
        ),
        ({"x": np.full((40, 12), "a")}, TypeError, r"^train\(\): x must hold numbers; received x of dtype <U1$"),
        ({"y": np.zeros(39, int)}, ValueError, r"^train\(\): x and y must hold as many samples; received 40 and 39$"),
        (
            {"validation_data": (np.zeros((8, 11)), np.zeros(8, int))},
            ValueError,
            r"^train\(\): validation_data\[0\] must have shape \(samples, 12\)",
        ),
        (
            {"test_data": (np.zeros((8, 12)), np.zeros(7, int))},
            ValueError,
            r"^train\(\): test_data\[0\] and test_data\[1\] must hold as many samples; received 8 and 7$",
        ),
        (
            {"validation_data": np.zeros((8, 12))},
            TypeError,
            r"^train\(\): validation_data must be an \(x, y\) pair of arrays or a tf.data.Dataset; received validation_data of type ndarray$",
        ),
        (
            {"loss": "categorical_crossentropy"},
            ValueError,
            r"^train\(\): y must be one-hot, of shape \(samples, 2\) for the model's 2 outputs; received y of shape \(40,\)$",
        ),
        ({"overwrite": "yes"}, TypeError, r"^train\(\): overwrite must be True or False"),
        # A loss given as an object is read as its name is.
        (
            {"loss": keras.losses.CategoricalCrossentropy()},
            ValueError,
            r"^train\(\): y must be one-hot, of shape "
            r"\(samples, 2\) for the model's 2 outputs; received y of shape \(40,\)$",
        ),
        (
            {"loss": keras.losses.SparseCategoricalCrossentropy(), "y": np.full(40, 3)},
            ValueError,
            r"y must hold class indices 0 to 1 for the model's 2 outputs; received labels from 3 to 3$",
        ),
    ],
)
def test_bad_data_is_refused_before_training_naming_the_argument(arguments, error, message):
    trained = []
    base = {
        "x": np.zeros((40, 12), "float32"),
        "y": np.zeros(40, int),
        "epochs": 1,
        "verbose": 0,
        "callbacks": [keras.callbacks.LambdaCallback(on_train_begin=lambda logs: trained.append(1))],
    }
    with pytest.raises(error, match=message):
        kerasdnn.train(_net(), **{**base, **arguments})
    assert trained == []


def _output_dir_cases(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    (tmp_path / "read_only").mkdir()
    return {"a file": (a_file, "a file"), "under a file": (a_file / "run", "Not a directory")}


@pytest.mark.parametrize("case", ["a file", "under a file", "not writable"])
def test_an_output_dir_that_cannot_be_written_is_refused(tmp_path, monkeypatch, case):
    cases = _output_dir_cases(tmp_path)
    if case == "not writable":
        # Root writes through permissions, so the file system's refusal is
        # what is simulated: the probe file fails as on a read-only mount.
        def refuse(*args, **kwargs):
            raise OSError(30, "Read-only file system")

        monkeypatch.setattr("tempfile.TemporaryFile", refuse)
        cases[case] = (tmp_path / "read_only", "Read-only file system")
    folder, reason = cases[case]
    with pytest.raises(
        ValueError,
        match=rf"^train\(\): output_dir must be a folder that can be created and written; "
        rf"received output_dir='{folder}' \({reason}\)$",
    ):
        kerasdnn.train(_net(), *_task(), output_dir=folder, **ARGUMENTS)


def test_a_kill_while_removing_the_finished_backup_leaves_a_folder_that_reruns(tmp_path, monkeypatch):
    x, y = _task()

    def kill_in_rmtree(operation, path):
        if operation == "remove" and path.endswith(".backup.removing"):
            raise _Killed

    monkeypatch.setattr(run_state, "before_file_operation", kill_in_rmtree)
    with pytest.raises(_Killed):
        kerasdnn.train(_net(), x, y, output_dir=tmp_path, **ARGUMENTS)
    monkeypatch.undo()
    assert (tmp_path / ".backup.removing").is_dir() and not (tmp_path / "backup").exists()
    result = kerasdnn.train(_net(), x, y, output_dir=tmp_path, **ARGUMENTS)
    assert result["epochs_run"] == 3 and not (tmp_path / ".backup.removing").exists()
    assert json.loads((tmp_path / "results.json").read_text())["epochs_run"] == 3


def test_one_sigmoid_unit_trains_on_labels_of_shape_samples():
    # As plain fit does: labels (n,) against an output (n, 1).
    x = np.random.default_rng(3).normal(size=(64, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, activation="sigmoid")])
    result = kerasdnn.train(model, x, y, epochs=3, batch_size=16, loss="binary_crossentropy", verbose=0)
    assert result["epochs_run"] == 3 and np.isfinite(result["final"]["loss"])
