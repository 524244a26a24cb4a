"""Each option of `kerasdnn.train` changes what it claims to: checked by its effect, on tiny linear models."""

import json
import math
import re
import time

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import data

pytestmark = [pytest.mark.xdist_group("train_options"), pytest.mark.core]


def _linear(initializer="zeros"):
    return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, kernel_initializer=initializer)])


def _line(samples=12):
    x = np.arange(samples, dtype="float32")[:, None] / samples
    return x, 2 * x[:, 0] + 1


def _fit(model, x, y, **options):
    return kerasdnn.train(model, x, y, **{"loss": "mse", "metrics": (), "optimizer": "sgd", "verbose": 0, **options})


@pytest.fixture
def fed_batches(monkeypatch):
    """Records the label batches `fit` reads, by epoch and index (the last read of each: Keras peeks once first)."""
    fed = {}
    read = data.EpochShuffledArrays.__getitem__

    def recording(self, index):
        batch = read(self, index)
        fed[self.epoch, index] = sorted(batch[1].tolist())
        return batch

    monkeypatch.setattr(data.EpochShuffledArrays, "__getitem__", recording)
    return fed


def _expected_batches(y, batch_size, seed, epoch):
    # The documented order, computed here: epoch e visits
    # default_rng([seed, e]).permutation(n), cut into batches.
    order = np.random.default_rng([seed, epoch]).permutation(len(y))
    return [sorted(y[order[start : start + batch_size]].tolist()) for start in range(0, len(y), batch_size)]


def test_training_batches_are_shuffled_per_epoch_by_the_seed(fed_batches):
    x, y = _line(12)
    _fit(_linear(), x, y, epochs=2, batch_size=4, seed=3)
    for epoch in range(2):
        fed = [fed_batches[epoch, index] for index in range(3)]
        assert fed == _expected_batches(y, 4, seed=3, epoch=epoch)
    in_order = [sorted(y[start : start + 4].tolist()) for start in range(0, 12, 4)]
    assert [fed_batches[0, index] for index in range(3)] != in_order
    assert [fed_batches[0, index] for index in range(3)] != [fed_batches[1, index] for index in range(3)]


@pytest.mark.parametrize("samples, batch_size, epochs", [(12, 4, 2), (13, 4, 3), (12, 5, 1)])
def test_batch_size_and_epochs_set_the_number_of_steps(samples, batch_size, epochs):
    x, y = _line(samples)
    model = _linear()
    result = _fit(model, x, y, epochs=epochs, batch_size=batch_size)
    assert int(model.optimizer.iterations) == epochs * math.ceil(samples / batch_size)
    assert (result["epochs_run"], result["batch_size"], len(result["history"]["loss"])) == (epochs, batch_size, epochs)


def test_the_learning_rate_reaches_the_update():
    # One full-batch SGD step from w = b = 0 on y = 2x + 1: the MSE gradient
    # is −2·mean(y·x) for w and −2·mean(y) for b, computed here by hand.
    x, y = _line(8)
    model = _linear()
    _fit(model, x, y, epochs=1, batch_size=8, learning_rate=0.125)
    kernel, bias = (weight.ravel()[0] for weight in model.get_weights())
    assert kernel == pytest.approx(0.125 * 2 * np.mean(y * x[:, 0]), rel=1e-5)
    assert bias == pytest.approx(0.125 * 2 * np.mean(y), rel=1e-5)


@pytest.mark.parametrize("option, value", [("clipnorm", 0.25), ("clipvalue", 0.25)])
def test_clipping_limits_the_update(option, value):
    # The same step clipped: both gradients (−1.97 and −3.75 here) exceed
    # 0.25 in size, so each variable (Keras clips each one) moves by 0.25.
    x, y = _line(8)
    model = _linear()
    result = _fit(model, x, y, epochs=1, batch_size=8, learning_rate=1.0, **{option: value})
    assert result["optimizer"][option] == value
    kernel, bias = (weight.ravel()[0] for weight in model.get_weights())
    assert (kernel, bias) == pytest.approx((value, value), rel=1e-5)


@pytest.mark.parametrize("optimizer, name", [("sgd", "SGD"), ("adam", "Adam"), ("rmsprop", "RMSprop")])
def test_the_optimizer_named_is_the_one_trained_with(optimizer, name):
    x, y = _line(8)
    model = _linear()
    result = _fit(model, x, y, epochs=1, batch_size=8, optimizer=optimizer, learning_rate=0.01)
    assert type(model.optimizer).__name__ == name and result["optimizer"]["name"] == name
    assert result["optimizer"]["learning_rate"] == pytest.approx(0.01)


def test_the_same_seed_trains_the_same_weights_and_another_seed_others():
    x, y = _line(40)

    def weights(seed):
        keras.utils.set_random_seed(7)  # the same starting weights every time
        model = keras.Sequential(
            [
                keras.Input((1,)),
                keras.layers.Dense(8, activation="tanh"),
                keras.layers.Dropout(0.5),
                keras.layers.Dense(1),
            ]
        )
        result = _fit(model, x, y, epochs=2, batch_size=8, seed=seed)
        assert result["seed"] == seed
        return np.concatenate([weight.ravel() for weight in model.get_weights()])

    first = weights(0)
    np.testing.assert_array_equal(first, weights(0))
    assert not np.allclose(first, weights(1))


def test_validation_and_test_data_are_the_ones_evaluated():
    x, y = _line(12)
    validation = (x[:4], y[:4] + 10.0)  # labels far off: a loss no other split has
    test = (x[:4], y[:4] - 10.0)
    model = _linear()
    result = _fit(model, x, y, epochs=2, batch_size=4, validation_data=validation, test_data=test)
    assert result["final"]["val_loss"] == pytest.approx(model.evaluate(*validation, verbose=0), rel=1e-5)
    assert result["test"]["loss"] == pytest.approx(model.evaluate(*test, verbose=0), rel=1e-5)
    assert result["final"]["val_loss"] != pytest.approx(result["test"]["loss"], rel=0.01)


@pytest.mark.parametrize(
    "samples, batch_size, expected",
    [
        (5000, 128, 1000),  # MNIST's validation split: 5 whole batches, not 39 and a partial one
        (10000, 128, 1000),
        (60, 8, 60),  # all at once
        (2048, 128, 1024),  # at most LARGEST_EVALUATION_BATCH
        (5000, 2048, 2048),  # 1,250 would take 4 batches where 2,048 takes 3
        (1021, 128, 1021),  # a prime below the cap: one batch
        (2053, 128, 128),  # a prime above it: only 1s divide it, so the training batch size
        (1, 128, 1),
    ],
)
def test_evaluation_batch_size_divides_the_samples_without_taking_more_batches(samples, batch_size, expected):
    assert kerasdnn.batching.evaluation_batch_size(samples, batch_size) == expected


def test_validation_and_test_arrays_are_evaluated_in_whole_batches(monkeypatch):
    made = []
    original = data.EpochShuffledArrays.__init__

    def recording(self, x, y, **options):
        made.append((len(x), options["batch_size"], options.get("shuffle")))
        original(self, x, y, **options)

    monkeypatch.setattr(data.EpochShuffledArrays, "__init__", recording)
    x, y = _line(12)
    validation, test = _line(60), _line(30)
    model = _linear()
    result = _fit(model, x, y, epochs=1, batch_size=8, validation_data=validation, test_data=test)
    assert made == [(12, 8, True), (60, 60, False), (30, 30, False)]
    # The same numbers as Keras's own evaluation in the training batch size.
    assert result["test"]["loss"] == pytest.approx(model.evaluate(*test, batch_size=8, verbose=0), rel=1e-6)


def test_only_the_training_batches_drop_their_remainder():
    # 2,053 validation and test samples (a prime above the largest
    # evaluation batch) go in batches of 8, the training batch size: 256
    # whole ones and 5 samples, which a training run on whole batches still
    # evaluates.
    x, y = _line(16)
    held_out = _line(2053)
    model = _linear()
    result = _fit(
        model, x, y, epochs=1, batch_size=8, drop_remainder=True, validation_data=held_out, test_data=held_out
    )
    every_sample = model.evaluate(*held_out, verbose=0)
    assert result["final"]["val_loss"] == pytest.approx(every_sample, rel=1e-6)
    assert result["test"]["loss"] == pytest.approx(every_sample, rel=1e-6)
    without_the_last = model.evaluate(held_out[0][:2048], held_out[1][:2048], verbose=0)
    assert every_sample != pytest.approx(without_the_last, rel=1e-4)


def test_save_model_settings_and_tensorboard_reach_the_folder(tmp_path):
    x, y = _line(8)
    _fit(
        _linear(),
        x,
        y,
        epochs=1,
        batch_size=4,
        output_dir=tmp_path / "saved",
        tensorboard=True,
        settings={"recipe": "here"},
    )
    assert (tmp_path / "saved" / "model.keras").is_file() and (tmp_path / "saved" / "tensorboard").is_dir()
    assert json.loads((tmp_path / "saved" / "results.json").read_text())["settings"] == {"recipe": "here"}
    _fit(_linear(), x, y, epochs=1, batch_size=4, output_dir=tmp_path / "unsaved", save_model=False)
    assert not (tmp_path / "unsaved" / "model.keras").exists() and not (tmp_path / "unsaved" / "tensorboard").exists()
    assert (tmp_path / "unsaved" / "results.json").is_file()


def test_callbacks_given_are_called_every_epoch():
    x, y = _line(8)
    seen = []
    _fit(
        _linear(),
        x,
        y,
        epochs=3,
        batch_size=4,
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))],
    )
    assert seen == [0, 1, 2]


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="PyTorch's backend runs one step per call")
def test_steps_per_execution_reaches_the_compiled_model():
    x, y = _line(8)
    model = _linear()
    _fit(model, x, y, epochs=1, batch_size=4, steps_per_execution=3)
    assert model.steps_per_execution == 3


@pytest.mark.parametrize("steps_per_execution", [1, 2, None])
def test_the_divergence_step_is_the_poisoned_batch_counted_from_the_start(steps_per_execution, tmp_path):
    if keras.backend.backend() == "torch" and steps_per_execution == 2:
        pytest.skip("PyTorch's backend runs one step per call")
    # The rate is 0 through epoch 1, so w stays 0 and a sample at x = 1e30
    # (with y = 0) costs nothing; from epoch 2 w moves, and the batch holding
    # that sample overflows. Where that batch falls follows from the
    # documented order: default_rng([seed, epoch]).permutation.
    samples, batch_size, seed = 40, 4, 3
    x, y = _line(samples)
    order = np.random.default_rng([seed, 1]).permutation(samples)
    poisoned = order[2 * batch_size]  # the third batch of epoch 2: the first updates have moved w
    x[poisoned], y[poisoned] = 1e30, 0.0
    steps_per_epoch = samples // batch_size
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay([steps_per_epoch], [0.0, 0.01])
    arguments = {} if steps_per_execution is None else {"steps_per_execution": steps_per_execution}
    result = _fit(
        _linear(),
        x,
        y,
        epochs=3,
        batch_size=batch_size,
        seed=seed,
        learning_rate=schedule,
        test_data=(x[:4], y[:4]),
        output_dir=tmp_path,
        **arguments,
    )
    assert result["diverged"] and result["diverged_at_epoch"] == 2
    assert result["diverged_at_step"] == steps_per_epoch + 3  # 1-based: batch 3 of epoch 2
    # A diverged model is neither scored on the test split nor saved.
    assert result["test"] is None and not (tmp_path / "model.keras").exists()


@pytest.mark.parametrize("samples, batch_size, epochs", [(13, 4, 2), (12, 5, 3), (12, 4, 1)])
def test_drop_remainder_leaves_out_each_epochs_last_smaller_batch(samples, batch_size, epochs, fed_batches):
    x, y = _line(samples)
    model = _linear()
    result = _fit(model, x, y, epochs=epochs, batch_size=batch_size, seed=1, drop_remainder=True)
    whole = samples // batch_size
    assert int(model.optimizer.iterations) == epochs * whole and result["drop_remainder"] is True
    for epoch in range(epochs):
        # The documented order, cut into whole batches only: the samples
        # that come last in the epoch's permutation are the ones left out.
        assert [fed_batches[epoch, index] for index in range(whole)] == _expected_batches(
            y, batch_size, seed=1, epoch=epoch
        )[:whole]
        assert (epoch, whole) not in fed_batches
    assert _fit(_linear(), x, y, epochs=1, batch_size=batch_size)["drop_remainder"] is False


def test_drop_remainder_leaves_out_other_samples_each_epoch(fed_batches):
    x, y = _line(10)
    _fit(_linear(), x, y, epochs=2, batch_size=4, seed=0, drop_remainder=True)
    seen = [{value for index in range(2) for value in fed_batches[epoch, index]} for epoch in range(2)]
    assert [len(epoch) for epoch in seen] == [8, 8] and seen[0] != seen[1]


def test_a_backup_is_not_resumed_with_another_drop_remainder(tmp_path):
    x, y = _line(10)
    run = {"epochs": 2, "batch_size": 4, "output_dir": tmp_path}
    with pytest.raises(RuntimeError, match="killed"):
        _fit(_linear(), x, y, callbacks=[_StopAt(1)], drop_remainder=True, **run)
    with pytest.raises(ValueError, match=re.escape("(drop_remainder: True in the backup, None now")):
        _fit(_linear(), x, y, **run)


@pytest.mark.parametrize(
    "options, error, message",
    [
        ({"epochs": 0}, ValueError, "train(): epochs must be >= 1; received epochs=0"),
        (
            {"drop_remainder": 1},
            TypeError,
            "train(): drop_remainder must be True or False; received drop_remainder=1",
        ),
        (
            {"drop_remainder": True, "batch_size": 9},
            ValueError,
            "train(): drop_remainder=True leaves no batch: x has 8 samples, fewer than batch_size=9",
        ),
        ({"batch_size": 0}, ValueError, "train(): batch_size must be >= 1; received batch_size=0"),
        ({"batch_size": 1.5}, TypeError, "train(): batch_size must be an integer; received batch_size=1.5"),
        (
            {"steps_per_execution": 0},
            ValueError,
            "train(): steps_per_execution must be >= 1; received steps_per_execution=0",
        ),
        ({"seed": -1}, ValueError, "train(): seed must be >= 0; received seed=-1"),
        ({"epochs": 2.5}, TypeError, "train(): epochs must be an integer; received epochs=2.5"),
        ({"seed": 1.5}, TypeError, "train(): seed must be an integer; received seed=1.5"),
        (
            {"steps_per_execution": 2.5},
            TypeError,
            "train(): steps_per_execution must be an integer; received steps_per_execution=2.5",
        ),
        ({"overwrite": "yes"}, TypeError, "train(): overwrite must be True or False; received overwrite='yes'"),
        (
            {"validation_data": [1, 2, 3]},
            TypeError,
            "train(): validation_data must be an (x, y) pair of arrays or a tf.data.Dataset; received validation_data of "
            "type list",
        ),
        ({"test_data": (np.zeros((3, 1), "float32"), np.zeros(2))}, ValueError, "train(): test_data"),
    ],
)
def test_train_refuses_bad_arguments_naming_them(options, error, message):
    x, y = _line(8)
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        _fit(_linear(), x, y, **options)


def test_the_results_describe_the_run():
    x, y = _line(8)
    model = _linear()
    result = _fit(
        model,
        x,
        y,
        epochs=3,
        batch_size=4,
        optimizer="sgd",
        learning_rate=0.5,
        clipnorm=2.0,
        seed=2,
        validation_data=(x, y),
        loss=keras.losses.MeanSquaredError(),
        metrics=("mae",),
    )
    assert result["optimizer"] == {"name": "SGD", "learning_rate": pytest.approx(0.5), "momentum": 0.0, "clipnorm": 2.0}
    assert (result["model"], result["parameters"], result["epochs"], result["epochs_run"]) == (model.name, 2, 3, 3)
    assert (result["batch_size"], result["seed"], result["loss"], result["diverged"]) == (
        4,
        2,
        "MeanSquaredError",
        False,
    )
    assert result["diverged_at_epoch"] is result["diverged_at_step"] is None
    assert result["backend"] == keras.backend.backend() and result["versions"]["keras"] == keras.__version__
    assert len(result["epoch_seconds"]) == 3 and result["train_seconds"] == pytest.approx(sum(result["epoch_seconds"]))
    assert result["seconds_per_epoch"] == pytest.approx(sorted(result["epoch_seconds"])[1])  # the median of three
    assert result["wall_seconds"] >= result["train_seconds"]
    assert result["final"]["val_mae"] == result["history"]["val_mae"][-1] and len(result["history"]["loss"]) == 3
    # Momentum and Nesterov are recorded where the optimizer has them.
    nesterov = _fit(_linear(), x, y, epochs=1, optimizer=keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True))
    assert nesterov["optimizer"] == {
        "name": "SGD",
        "learning_rate": pytest.approx(0.1),
        "momentum": 0.9,
        "nesterov": True,
    }


def test_a_validation_loss_that_overflows_is_recorded_as_missing_and_the_run_goes_on(tmp_path):
    # Features of 1e20 square to more than float32 holds: the validation loss
    # is infinite while the training loss stays finite (lab-07's unscaled
    # stock rows do this on their first step).
    x, y = _line()
    result = _fit(
        _linear("ones"),
        x,
        y,
        validation_data=(np.full((2, 1), 1e20, "float32"), np.zeros(2, "float32")),
        epochs=2,
        batch_size=12,
        output_dir=str(tmp_path),
    )
    assert result["history"]["val_loss"] == [None, None] and not result["diverged"]
    assert all(math.isfinite(loss) for loss in result["history"]["loss"])
    assert json.loads((tmp_path / "results.json").read_text())["history"]["val_loss"] == [None, None]


def test_the_best_epoch_is_the_first_to_reach_the_highest_validation_accuracy(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    keras.utils.set_random_seed(0)
    model = kerasdnn.mlp((4,), units=(8,), classes=2, batch_norm=False)
    # The loss as an object: no logits twin, whose Keras layer mutmut cannot trampoline.
    result = kerasdnn.train(
        model,
        x,
        y,
        validation_data=(x[:16], y[:16]),
        epochs=6,
        batch_size=16,
        verbose=0,
        learning_rate=0.05,
        output_dir=str(tmp_path),
        loss=keras.losses.SparseCategoricalCrossentropy(),
    )
    scores = result["history"]["val_accuracy"]
    first_best = scores.index(max(scores))  # list.index: the first of equal scores
    assert result["best"] == {"epoch": first_best + 1, "val_accuracy": max(scores)}
    written = json.loads((tmp_path / "results.json").read_text())
    assert written["best"] == result["best"] and written["files"]["model"] == "model.keras"
    assert keras.saving.load_model(tmp_path / written["files"]["model"]).count_params() == model.count_params()


@pytest.mark.parametrize("samples, batch_size, expected", [(10, 4, 3), (12, 4, 3), (3, 8, 1)])
def test_steps_per_epoch_of_arrays_is_their_batch_count(samples, batch_size, expected):
    x, y = np.zeros((samples, 2), "float32"), np.zeros(samples, "int32")
    batches = kerasdnn.data.EpochShuffledArrays(x, y, batch_size=batch_size)
    assert kerasdnn.batching.steps_per_epoch(batches) == expected


def test_drop_remainder_with_a_dataset_is_refused_naming_the_datasets_own_option():
    tf = pytest.importorskip("tensorflow")
    x, y = _line(8)
    with pytest.raises(
        ValueError,
        match=r"^train\(\): drop_remainder applies to arrays; batch the tf.data.Dataset with "
        r"batch\(\.\.\., drop_remainder=True\) instead; received drop_remainder=True with x a tf.data.Dataset$",
    ):
        _fit(_linear(), tf.data.Dataset.from_tensor_slices((x, y)).batch(4), None, drop_remainder=True)


def test_steps_per_epoch_of_a_dataset_is_its_cardinality_or_none_when_unknown():
    tf = pytest.importorskip("tensorflow")
    batched = tf.data.Dataset.range(10).batch(4)
    assert kerasdnn.batching.steps_per_epoch(batched) == 3
    assert kerasdnn.batching.steps_per_epoch(tf.data.Dataset.range(3).batch(4)) == 1  # one batch
    assert kerasdnn.batching.steps_per_epoch(batched.filter(lambda batch: True)) is None  # unknown
    assert kerasdnn.batching.steps_per_epoch(batched.repeat()) is None  # infinite
    assert kerasdnn.batching.steps_per_epoch(batched.take(0)) is None  # empty: no epoch length to report


class _StopAt(keras.callbacks.Callback):
    """Fails as epoch `epoch` (0-based) begins: a run killed after `epoch` whole epochs."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("killed")


def test_a_run_stopped_after_two_epochs_trains_only_the_third_when_called_again(tmp_path):
    x, y = _line(16)
    options = {"epochs": 3, "batch_size": 4, "learning_rate": 0.1, "seed": 3}
    whole = _fit(_linear(), x, y, output_dir=tmp_path / "whole", **options)
    with pytest.raises(RuntimeError, match="killed"):
        _fit(_linear(), x, y, output_dir=tmp_path / "stopped", callbacks=[_StopAt(2)], **options)
    trained = []
    model = _linear()
    resumed = _fit(
        model,
        x,
        y,
        output_dir=tmp_path / "stopped",
        callbacks=[keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: trained.append(epoch))],
        **options,
    )
    assert trained == [2]  # the two committed epochs are not trained again
    assert resumed["epochs_run"] == 3 and len(resumed["history"]["loss"]) == 3
    np.testing.assert_allclose(resumed["history"]["loss"], whole["history"]["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        model.get_weights()[0], keras.Model.get_weights(_saved(tmp_path / "whole"))[0], rtol=1e-5
    )


def _saved(folder):
    return keras.saving.load_model(folder / "model.keras")


def test_verbose_reaches_fit(capsys):
    x, y = _line(8)
    _fit(_linear(), x, y, epochs=2, batch_size=4, verbose=2)
    assert re.search(r"^Epoch 2/2$", capsys.readouterr().out, flags=re.M)
    # Nothing at all at 0: not the test split's evaluation either.
    _fit(_linear(), x, y, epochs=2, batch_size=4, verbose=0, test_data=(x, y))
    assert capsys.readouterr().out == ""
    # The default, "auto", is Keras's verbose=1 in fit: the epoch lines and a progress bar.
    kerasdnn.train(_linear(), x, y, loss="mse", metrics=(), optimizer="sgd", epochs=2, batch_size=4)
    shown = capsys.readouterr().out
    assert re.search(r"^Epoch 2/2$", shown, flags=re.M) and "━" in shown


def test_a_model_fitted_itself_is_evaluated_and_kept_with_its_own_loss():
    # No softmax, so no twin: Keras fits the caller's model, compiled with the
    # step metric at 2 steps per call and compiled again without it after.
    if keras.backend.backend() == "torch":
        pytest.skip("PyTorch's backend runs one step per call")
    x, y = _line(8)
    model = _linear()
    result = _fit(model, x, y, epochs=1, batch_size=4, steps_per_execution=2, test_data=(x, y))
    predicted = model.predict(x, verbose=0)[:, 0]
    assert result["test"]["loss"] == pytest.approx(float(np.mean((predicted - y) ** 2)), rel=1e-5)
    assert model.loss == "mse"


@pytest.mark.parametrize("steps_per_execution", [1, 2])
def test_the_history_holds_the_callers_metrics_only(steps_per_execution):
    if keras.backend.backend() == "torch" and steps_per_execution > 1:
        pytest.skip("PyTorch's backend runs one step per call")
    x, y = _line(8)
    result = _fit(
        _linear(),
        x,
        y,
        epochs=1,
        batch_size=4,
        validation_data=(x, y),
        metrics=("mae",),
        steps_per_execution=steps_per_execution,
    )
    assert set(result["history"]) == {"loss", "mae", "val_loss", "val_mae", "learning_rate"}  # no bookkeeping


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="PyTorch's backend clips the probabilities")
def test_a_saturated_softmax_is_trained_on_its_logits():
    # Every sample's true class starts 400 logits below the others: the
    # cross-entropy is about 400. Computed from clipped probabilities it would
    # read -log(1e-7) = 16.1, with no gradient to learn from.
    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(
                3, activation="softmax", kernel_initializer=keras.initializers.Constant([[-100, 0, 0]] * 4)
            ),
        ]
    )
    x, y = np.ones((8, 4), "float32"), np.zeros(8, "int32")
    result = kerasdnn.train(model, x, y, epochs=2, batch_size=8, learning_rate=1.0, optimizer="sgd", verbose=0)
    assert result["history"]["loss"][0] > 300
    assert result["history"]["loss"][1] < result["history"]["loss"][0]


def test_accelerator_available_asks_the_backend_in_use(monkeypatch):
    import jax

    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    for platform, expected in (("cpu", False), ("gpu", True), ("tpu", True)):
        monkeypatch.setattr(jax, "default_backend", lambda platform=platform: platform)
        assert kerasdnn.training.accelerator_available() is expected
    torch = pytest.importorskip("torch")
    monkeypatch.setattr(keras.backend, "backend", lambda: "torch")
    for available in (False, True):
        monkeypatch.setattr(torch.cuda, "is_available", lambda available=available: available)
        assert kerasdnn.training.accelerator_available() is available


@pytest.mark.parametrize("devices, expected", [({}, False), ({"GPU": ["gpu:0"]}, True), ({"TPU": ["tpu:0"]}, True)])
def test_accelerator_available_and_jit_compile_on_tensorflow(monkeypatch, devices, expected):
    class _Config:
        @staticmethod
        def list_physical_devices(kind):
            return devices.get(kind, [])

    fake = type("tf", (), {"config": _Config})
    monkeypatch.setattr(keras.backend, "backend", lambda: "tensorflow")
    monkeypatch.setattr(kerasdnn.quiet, "import_tensorflow", lambda *args, **kwargs: fake)
    assert kerasdnn.training.accelerator_available() is expected
    # XLA off for TensorFlow on a CPU only.
    assert kerasdnn.training.default_jit_compile() == ("auto" if expected else False)


def test_jit_compile_is_kerass_auto_on_jax_and_pytorch(monkeypatch):
    for backend in ("jax", "torch"):
        monkeypatch.setattr(keras.backend, "backend", lambda backend=backend: backend)
        monkeypatch.setattr(kerasdnn.training, "accelerator_available", lambda: False)
        assert kerasdnn.training.default_jit_compile() == "auto"


def test_a_backup_trained_with_one_loss_object_is_not_resumed_with_another(tmp_path):
    x, y = _line(8)
    options = {"epochs": 2, "batch_size": 4, "output_dir": tmp_path}
    with pytest.raises(RuntimeError, match="killed"):
        _fit(_linear(), x, y, loss=keras.losses.MeanSquaredError(), callbacks=[_StopAt(1)], **options)
    with pytest.raises(ValueError) as refused:
        _fit(_linear(), x, y, loss=keras.losses.MeanAbsoluteError(), **options)
    message = str(refused.value)
    assert message.startswith(f"train(): {tmp_path / 'backup'} holds 1 epochs of a different run (loss.")
    assert "MeanSquaredError" in message and "MeanAbsoluteError" in message
    # The same loss object again resumes the backup.
    assert _fit(_linear(), x, y, loss=keras.losses.MeanSquaredError(), **options)["epochs_run"] == 2


def test_callbacks_given_see_the_callers_model_and_can_stop_the_fit():
    x, y = _line(8)
    model = _linear()
    seen = []

    class _Watch(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(self.model is model)
            self.model.stop_training = True  # as EarlyStopping does

    result = _fit(model, x, y, epochs=4, batch_size=4, callbacks=[_Watch()])
    assert seen == [True] and result["epochs_run"] == 1


class _Subclassed(keras.Model):
    """Fitted itself (no twin): the caller's model is compiled with the run's bookkeeping, then without it."""

    def __init__(self):
        super().__init__(name="subclassed")  # TensorFlow refuses the default name's leading underscore
        self.dense = keras.layers.Dense(1, kernel_initializer="zeros")

    def call(self, inputs):
        return self.dense(inputs)


@pytest.mark.skipif(keras.backend.backend() == "torch", reason="PyTorch's backend runs one step per call")
def test_a_model_fitted_itself_keeps_the_callers_loss_metrics_and_trained_optimizer():
    x, y = _line(8)
    model = _Subclassed()
    _fit(model, x, y, epochs=2, batch_size=4, metrics=("mae",), learning_rate=0.1, steps_per_execution=2)
    assert int(model.optimizer.iterations) == 4 and isinstance(model.optimizer, keras.optimizers.SGD)
    assert model.loss == "mse"
    assert set(model.evaluate(x, y, verbose=0, return_dict=True)) == {"loss", "mae"}  # no bookkeeping metric


def test_lsuv_kernels_are_rescaled_on_the_first_training_batch(monkeypatch):
    x = np.arange(24, dtype="float32").reshape(12, 2)
    y = np.zeros(12, "int32")
    model = kerasdnn.mlp((2,), units=(4,), kernel_initializer="lsuv", classes=2)
    calls = []
    monkeypatch.setattr(kerasdnn.initializers, "lsuv_initialize", lambda *arguments: calls.append(arguments))
    kerasdnn.train(model, x, y, epochs=1, batch_size=4, seed=5, verbose=0)
    ((called_model, inputs),) = calls
    first = data.EpochShuffledArrays(x, y, batch_size=4, seed=5, shuffle=True)[0][0]
    assert called_model is model
    np.testing.assert_array_equal(np.asarray(inputs), first)
    calls.clear()
    kerasdnn.train(kerasdnn.mlp((2,), units=(4,), classes=2), x, y, epochs=1, batch_size=4, verbose=0)
    assert calls == []  # no LSUV kernel, nothing rescaled


def test_lsuv_kernels_are_rescaled_on_a_datasets_first_batch(monkeypatch):
    tf = pytest.importorskip("tensorflow")
    x = np.arange(24, dtype="float32").reshape(12, 2)
    dataset = tf.data.Dataset.from_tensor_slices((x, np.zeros(12, "int32"))).batch(5)
    calls = []
    monkeypatch.setattr(kerasdnn.initializers, "lsuv_initialize", lambda *arguments: calls.append(arguments))
    model = kerasdnn.mlp((2,), units=(4,), kernel_initializer="lsuv", classes=2)
    kerasdnn.train(model, dataset, epochs=1, verbose=0)
    ((called_model, inputs),) = calls
    assert called_model is model
    np.testing.assert_array_equal(np.asarray(inputs), x[:5])


def _classifier():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="softmax")])


ONE_HOT = np.eye(3, dtype="float32")[[0, 1, 2, 0]]


@pytest.mark.parametrize(
    "build, options, message",
    [
        (_linear, {"optimizer": "nope"}, "train(): optimizer must be one of "),
        (_linear, {"x": np.zeros((8, 2), "float32")}, "train(): x must have shape (samples, 1) for this model; "),
        (
            _linear,
            {"validation_data": (np.zeros((4, 3), "float32"), np.zeros(4))},
            "train(): validation_data[0] must have shape (samples, 1) for this model; received validation_data[0] "
            "of shape (4, 3)",
        ),
        (
            _linear,
            {"test_data": (np.zeros((4, 3), "float32"), np.zeros(4))},
            "train(): test_data[0] must have shape (samples, 1) for this model; received test_data[0] of shape (4, 3)",
        ),
        (
            _classifier,
            {"validation_data": (np.zeros((4, 2), "float32"), ONE_HOT)},
            "train(): validation_data[1] must hold one class index per sample, of shape (samples,); received "
            "validation_data[1] of shape (4, 3)",
        ),
        (
            _classifier,
            {"test_data": (np.zeros((4, 2), "float32"), ONE_HOT)},
            "train(): test_data[1] must hold one class index per sample, of shape (samples,); received "
            "test_data[1] of shape (4, 3)",
        ),
        (
            _classifier,
            {"y": np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2, 0, 1]]},
            "train(): y must hold one class index per sample, of shape (samples,); received y of shape (8, 3)",
        ),
    ],
)
def test_data_that_does_not_fit_the_model_or_its_loss_is_refused_before_training(build, options, message):
    classifier = build is _classifier
    x = np.zeros((8, 2 if classifier else 1), "float32")
    y = np.zeros(8, "int32" if classifier else "float32")
    arguments = {"x": x, "y": y, "loss": "sparse_categorical_crossentropy" if classifier else "mse", **options}
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        kerasdnn.train(build(), epochs=1, verbose=0, **arguments)


def test_trains_with_its_documented_defaults(capsys):
    x, y = np.zeros((8, 2), "float32"), np.zeros(8, "int32")
    started = time.perf_counter()
    result = kerasdnn.train(_classifier(), x, y)
    assert 0 < result["wall_seconds"] <= time.perf_counter() - started
    assert (result["epochs_run"], result["batch_size"], result["seed"]) == (10, 128, 0)
    assert (result["optimizer"]["name"], result["loss"]) == ("Adam", "sparse_categorical_crossentropy")
    assert result["optimizer"]["learning_rate"] == pytest.approx(1e-3)
    assert "Epoch 10/10" in capsys.readouterr().out  # verbose="auto": Keras's progress output


@pytest.mark.parametrize(
    "changed, field",
    [
        ({"seed": 4}, "seed: 3 in the backup, 4 now"),
        ({"batch_size": 2}, "batch_size: 4 in the backup, 2 now"),
        ({"epochs": 3}, "epochs: 2 in the backup, 3 now"),
        ({"x": np.full((8, 1), 0.5, "float32")}, "data[0].crc32: "),
        ({"validation_data": (np.ones((4, 1), "float32"), np.ones(4, "float32"))}, "validation_data[0].crc32: "),
    ],
)
def test_a_backup_is_resumed_only_by_the_same_run(tmp_path, changed, field):
    x, y = _line(8)
    run = {"x": x, "y": y, "epochs": 2, "batch_size": 4, "seed": 3, "output_dir": tmp_path}
    run["validation_data"] = (x[:4], y[:4])
    with pytest.raises(RuntimeError, match="killed"):
        _fit(_linear(), callbacks=[_StopAt(1)], **run)
    with pytest.raises(ValueError) as refused:
        _fit(_linear(), **{**run, **changed})
    assert f"holds 1 epochs of a different run ({field}" in str(refused.value)


def test_an_output_dir_that_is_a_file_is_refused_naming_train(tmp_path):
    x, y = _line(8)
    (tmp_path / "taken").write_text("")
    with pytest.raises(ValueError, match=r"^train\(\): output_dir must be a folder that can be created and written; "):
        _fit(_linear(), x, y, epochs=1, output_dir=tmp_path / "taken")


def test_jit_compile_reaches_the_compiled_model():
    x, y = _line(8)
    model = _linear()
    _fit(model, x, y, epochs=1, batch_size=4)
    # The default: Keras's "auto" (XLA on JAX, eager on PyTorch), off for TensorFlow on a CPU.
    assert model.jit_compile is (keras.backend.backend() == "jax")
    model = _linear()
    _fit(model, x, y, epochs=1, batch_size=4, jit_compile=False)
    assert model.jit_compile is False


SPARSE = np.array([0, 1, 2, 0])
ONE_HOT_MESSAGE = "train(): y must be one-hot, of shape (samples, 3) for the model's 3 outputs; received y of shape "


@pytest.mark.parametrize(
    "loss, y, message",
    [
        ("categorical_crossentropy", SPARSE, ONE_HOT_MESSAGE + "(4,)"),
        (keras.losses.CategoricalCrossentropy(), SPARSE, ONE_HOT_MESSAGE + "(4,)"),
        ("categorical_crossentropy", np.eye(4, dtype="float32")[SPARSE], ONE_HOT_MESSAGE + "(4, 4)"),
        (
            keras.losses.SparseCategoricalCrossentropy(),
            ONE_HOT,
            "train(): y must hold one class index per sample, of shape (samples,); received y of shape (4, 3)",
        ),
        (
            "sparse_categorical_crossentropy",
            np.array([0, 1, 3, 0]),
            "train(): y must hold class indices 0 to 2 for the model's 3 outputs; received labels from 0 to 3",
        ),
    ],
)
def test_labels_are_checked_against_the_loss_by_name_or_object_and_the_models_outputs(loss, y, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        kerasdnn.train(_classifier(), np.zeros((4, 2), "float32"), y, loss=loss, epochs=1, verbose=0)


def test_a_loss_without_a_label_kind_takes_any_labels_and_a_subclassed_model_any_inputs():
    # mse has no label kind: one-hot targets of a softmax classifier train.
    result = kerasdnn.train(
        _classifier(), np.zeros((4, 2), "float32"), ONE_HOT, loss="mse", metrics=(), epochs=1, verbose=0
    )
    assert result["epochs_run"] == 1
    # A subclassed model has no input shape before it is built: nothing to check against.
    x, y = _line(8)
    assert _fit(_Subclassed(), x, y, epochs=1, batch_size=4)["epochs_run"] == 1


def test_arrays_without_labels_are_refused_naming_what_train_takes():
    with pytest.raises(TypeError) as refused:
        kerasdnn.train(_linear(), np.zeros((8, 1), "float32"), epochs=1, verbose=0)
    assert str(refused.value) == (
        "train(): x must be a tf.data.Dataset, an (x, y) pair, or arrays with y given; received x of type ndarray "
        "without y"
    )


def test_multi_worker_arrays_become_a_seeded_tf_data_pipeline_of_global_batches():
    pytest.importorskip("tensorflow")
    x = np.arange(16, dtype="float32")[:, None]
    y = 2 * x[:, 0]

    def batches(batch_size=4, **options):
        dataset = kerasdnn.batching.to_batches(
            "train", "x", x, y, batch_size, _linear(), "mse", multi_worker=True, **options
        )
        return [(np.asarray(inputs)[:, 0].tolist(), np.asarray(targets).tolist()) for inputs, targets in dataset]

    ordered = batches(shuffle=False)
    assert [inputs for inputs, _ in ordered] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], [12, 13, 14, 15]]
    assert all(targets == [2 * value for value in inputs] for inputs, targets in ordered)  # each x with its y
    shuffled = batches(shuffle=True, seed=3)
    assert [len(inputs) for inputs, _ in shuffled] == [4, 4, 4, 4]
    assert sorted(value for inputs, _ in shuffled for value in inputs) == list(range(16))
    assert shuffled == batches(shuffle=True, seed=3) and shuffled != batches(shuffle=True, seed=4)

    # 16 samples in batches of 5: three whole ones, and the last sample left out only when asked.
    assert [len(inputs) for inputs, _ in batches(5)] == [5, 5, 5, 1]
    assert [len(inputs) for inputs, _ in batches(5, drop_remainder=True)] == [5, 5, 5]


@pytest.mark.parametrize(
    "multi_worker, backend, refused, reason",
    [
        (True, "tensorflow", 2, "under MultiWorkerMirroredStrategy (Keras fails in its multi-step loop there)"),
        (False, "torch", 3, "on the PyTorch backend (Keras runs one step per call there)"),
    ],
)
def test_steps_per_execution_is_one_where_keras_allows_only_one_and_more_is_refused(
    monkeypatch, multi_worker, backend, refused, reason
):
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    check = kerasdnn.training._check_arguments
    assert check("train", 1, 1, None, 0, multi_worker=multi_worker) == 1  # the default there
    assert check("train", 1, 1, 1, 0, multi_worker=multi_worker) == 1
    with pytest.raises(ValueError) as error:
        check("train", 1, 1, refused, 0, multi_worker=multi_worker)
    assert str(error.value) == f"train(): steps_per_execution must be 1 {reason}; received {refused}"


@pytest.mark.parametrize(
    "multi_worker, backend, expected",
    [(False, "jax", 32), (False, "tensorflow", 32), (True, "tensorflow", 1), (False, "torch", 1)],
)
def test_default_steps_per_execution_is_32_but_1_under_multi_worker_training_or_on_pytorch(
    monkeypatch, multi_worker, backend, expected
):
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    # Called without the argument where it is False: its default is part of the contract.
    if multi_worker:
        assert kerasdnn.training.default_steps_per_execution(multi_worker=True) == expected
    else:
        assert kerasdnn.training.default_steps_per_execution() == expected
