"""The Keras callbacks `kerasdnn.train` adds to a fit, each on its own."""

import keras
import numpy as np
import pytest

from kerasdnn.callbacks import ForModel, NonFiniteBatch, RunMonitor, RunRecorder

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("callbacks"), pytest.mark.core]

X = np.arange(16, dtype="float32").reshape(8, 2) / 16
Y = X.sum(axis=1)
HOOKS = [
    "on_train_begin",
    "on_train_end",
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
]


def _shown(argument):
    # A log's values differ from fit to fit; its keys and the batch and epoch numbers do not.
    return sorted(argument) if isinstance(argument, dict) else argument


class _Recorder(keras.callbacks.Callback):
    """Notes every hook Keras calls, with its arguments, and the fit's parameters."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.params_seen = None

    def set_params(self, params):
        self.params_seen = dict(params)


def _recording(hook):
    # Keras passes `logs` by keyword to some hooks, ForModel by position.
    def record(self, *arguments, logs=None):
        indexed = "batch" in hook or "epoch" in hook
        if len(arguments) > indexed:
            logs = arguments[indexed]
        self.calls.append((hook, *map(_shown, arguments[:indexed]), _shown(logs)))

    return record


for _hook in HOOKS:
    setattr(_Recorder, _hook, _recording(_hook))


def _net():
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])


def _fit(model, callback, epochs=2):
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=1)
    return model.fit(X, Y, batch_size=4, epochs=epochs, validation_data=(X, Y), callbacks=[callback], verbose=0)


def test_for_model_forwards_every_hook_with_its_arguments_and_shows_the_callers_model():
    direct = _Recorder()
    _fit(_net(), direct)
    wrapped, caller, fitted = _Recorder(), _net(), _net()
    _fit(fitted, ForModel(wrapped, caller, fitted))
    assert wrapped.calls == direct.calls
    assert {call[0] for call in direct.calls} == set(HOOKS)  # every hook was exercised
    assert wrapped.params_seen == direct.params_seen == {"epochs": 2, "steps": 2, "verbose": 0}
    assert wrapped.model is caller


class _StopAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def test_for_model_passes_a_stop_asked_of_the_callers_model_to_the_fit():
    caller, fitted = _net(), _net()
    history = _fit(fitted, ForModel(_StopAfterFirstEpoch(), caller, fitted), epochs=5)
    assert len(history.history["loss"]) == 1


def _float32(*arrays):
    return [np.asarray(array, "float32") for array in arrays]


def test_non_finite_batch_sums_each_batchs_mean_loss_times_its_samples_with_labels_aligned():
    # Labels (samples,) for one output unit, as Keras's compiled loss aligns
    # them: squared errors 0, 0, 0, 1, mean 0.25, times 4 samples.
    metric = NonFiniteBatch("mse")
    metric.update_state(*_float32([1, 2, 3, 4], [[1], [2], [3], [5]]))
    assert float(metric.total) == pytest.approx(1.0)
    # Labels (samples, steps) for (samples, steps, 1) outputs: errors 0, 0, 4
    # per sample, mean 4/3, times 2 samples.
    metric = NonFiniteBatch("mse")
    metric.update_state(*_float32(np.zeros((2, 3)), [[[0], [0], [2]], [[0], [0], [2]]]))
    assert float(metric.total) == pytest.approx(8 / 3)


def _own_mse(y_true, y_pred):
    # A loss function of the user's own, which (unlike Keras's) does not align the labels itself.
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def test_non_finite_batch_aligns_the_labels_for_a_loss_function_that_does_not():
    # As Keras's compiled loss does: labels (4,) for outputs (4, 1), errors 0, 0, 0, 1.
    metric = NonFiniteBatch(_own_mse)
    metric.update_state(*_float32([1, 2, 3, 4], [[1], [2], [3], [5]]))
    assert float(metric.total) == pytest.approx(1.0)
    # Labels (samples, steps) for outputs (samples, steps, 1): per sample errors 0, 0, 4, mean 4/3, 2 samples.
    metric = NonFiniteBatch(_own_mse)
    metric.update_state(*_float32(np.zeros((2, 3)), [[[0], [0], [2]], [[0], [0], [2]]]))
    assert float(metric.total) == pytest.approx(8 / 3)
    # Labels already of the outputs' shape, and outputs of several units, are left as they are.
    metric = NonFiniteBatch(_own_mse)
    metric.update_state(*_float32([[0, 1], [2, 2]], [[0, 3], [2, 2]]))  # errors (0 + 4) / 2 and 0, 2 samples
    assert float(metric.total) == pytest.approx(2.0)


@pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason="JAX keeps float64 only with jax_enable_x64, and keras.ops.mean on PyTorch overflows at float32's range",
)
def test_non_finite_batch_of_float64_sums_in_float64():
    metric = NonFiniteBatch(_own_mse, dtype="float64")
    y = np.zeros((2, 1), "float64")
    metric.update_state(y, np.full((2, 1), 1e30))  # a loss of 1e60: beyond float32, finite in float64
    assert int(metric.result()) == 0
    assert float(metric.total) == pytest.approx(2e60)


def test_non_finite_batch_is_the_first_batch_whose_running_sum_overflows():
    metric = NonFiniteBatch("mse")
    small = _float32(np.zeros(4), np.ones((4, 1)))
    huge = _float32(np.zeros(4), np.full((4, 1), 1e19))  # a loss of 1e38: finite, but not 4 times over in float32
    metric.update_state(*small)
    assert int(metric.result()) == 0
    metric.update_state(*huge)
    assert int(metric.result()) == 2
    metric.update_state(*small)
    assert int(metric.result()) == 2  # the first stays


def test_non_finite_batch_names_itself_passes_keras_arguments_on_and_round_trips_its_config():
    assert NonFiniteBatch("mse").name == "nonfinite_batch"
    metric = NonFiniteBatch("mse", name="first_nan", dtype="float64")
    assert (metric.name, metric.dtype) == ("first_nan", "float64")
    config = metric.get_config()
    assert config["loss"] == keras.losses.serialize(keras.losses.get("mse"))
    assert NonFiniteBatch.from_config(config).get_config() == config


def _monitor(steps_per_epoch=3):
    monitor = RunMonitor(None, steps_per_epoch)
    model = _net()
    model.compile(optimizer="sgd", loss="mse")
    monitor.set_model(model)
    return monitor


def _finite_epoch(monitor, epoch, batches=3):
    monitor.on_epoch_begin(epoch)
    for batch in range(batches):
        monitor.on_train_batch_end(batch, {"loss": 1.0})
    monitor.on_epoch_end(epoch, {"loss": 1.0})


@pytest.mark.parametrize("steps_per_epoch", [3, None])  # a dataset that states its length, and one that does not
def test_run_monitor_places_a_divergence_by_its_step_from_the_start(steps_per_epoch):
    monitor = _monitor(steps_per_epoch)
    _finite_epoch(monitor, 0)
    _finite_epoch(monitor, 1)
    assert monitor.diverged_at_step is None
    monitor.on_epoch_begin(2)
    monitor.on_train_batch_end(0, {"loss": 1.0})
    monitor.on_train_batch_end(1, {"loss": float("inf")})
    assert (monitor.diverged_at_epoch, monitor.diverged_at_step) == (3, 8)  # batch 2 of epoch 3, after 2 × 3 batches
    monitor.on_train_batch_end(2, {"loss": float("nan")})
    assert (monitor.diverged_at_epoch, monitor.diverged_at_step) == (3, 8)  # the first divergence is kept


def test_run_monitor_reads_the_metrics_batch_over_the_reported_loss():
    monitor = _monitor()
    monitor.on_epoch_begin(0)
    # Reported once per execution of 3 batches: the metric places the batch inside it.
    monitor.on_train_batch_end(2, {"loss": float("inf"), "nonfinite_batch": 2.0})
    assert (monitor.diverged_at_epoch, monitor.diverged_at_step) == (1, 2)


def test_run_monitor_notes_an_epoch_whose_logs_alone_hold_a_non_finite_loss():
    monitor = _monitor()
    _finite_epoch(monitor, 0)
    monitor.on_epoch_begin(1)
    monitor.on_train_batch_end(0, {"loss": 1.0})
    monitor.on_epoch_end(1, {"loss": float("nan")})
    assert (monitor.diverged_at_epoch, monitor.diverged_at_step) == (2, 4)  # the last batch the epoch reported


def test_run_monitor_takes_no_divergence_from_the_metric_in_an_epochs_logs():
    # On TensorFlow the epoch's logs read NonFiniteBatch after the validation
    # pass reused it: an overflowing validation batch is no training divergence.
    monitor = _monitor()
    monitor.on_epoch_begin(0)
    for batch in range(3):
        monitor.on_train_batch_end(batch, {"loss": 1.0, "nonfinite_batch": 0.0})
    logs = {"loss": 1.0, "nonfinite_batch": 2.0, "val_loss": float("inf"), "val_nonfinite_batch": 1.0}
    monitor.on_epoch_end(0, logs)
    assert monitor.diverged_at_step is None
    assert set(logs) == {"loss", "val_loss", "epoch_seconds", "learning_rate"}


def test_run_monitor_removes_the_bookkeeping_from_each_batchs_logs():
    monitor = _monitor()
    monitor.on_epoch_begin(0)
    logs = {"loss": 1.0, "nonfinite_batch": 0.0}
    monitor.on_train_batch_end(0, logs)
    assert logs == {"loss": 1.0}


def test_run_recorder_keeps_one_column_per_key_with_none_where_an_epoch_lacks_a_finite_value():
    recorder = RunRecorder(None)
    recorder.on_epoch_end(0, {"loss": 2.0, "val_loss": 3.0})
    recorder.on_epoch_end(1, {"loss": 1.0})  # no validation this epoch (validation_freq=2)
    recorder.on_epoch_end(2, {"loss": 0.5, "val_loss": float("inf"), "mae": None})
    assert recorder.history == {"loss": [2.0, 1.0, 0.5], "val_loss": [3.0, None, None], "mae": [None, None, None]}


class _State:
    """A stand-in for `kerasdnn.run_state.RunState` that notes what it is asked."""

    def __init__(self, history):
        self.saved_history = history
        self.calls = []

    def load(self, model):
        self.calls.append(("load", model))
        return {key: list(column) for key, column in self.saved_history.items()}

    def commit(self, model, epochs, history):
        self.calls.append(("commit", model, epochs, {key: list(column) for key, column in history.items()}))


@pytest.mark.parametrize("resume", [False, True])
def test_run_recorder_loads_the_committed_state_only_when_resuming(resume):
    model, state = _net(), _State({"loss": [4.0]})
    recorder = RunRecorder(model, state, resume=resume) if resume else RunRecorder(model, state)
    recorder.on_train_begin()
    recorder.on_epoch_end(1, {"loss": 2.0})
    recorder.on_epoch_end(2, {"loss": float("nan")})  # diverged: recorded, not committed
    history = [4.0, 2.0, None] if resume else [2.0, None]
    assert recorder.history == {"loss": history}
    assert state.calls == [("load", model)] * resume + [("commit", model, 2, {"loss": history[:-1]})]
