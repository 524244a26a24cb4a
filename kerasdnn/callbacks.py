"""The Keras pieces `kerasdnn.train` adds to a fit: a metric that places a divergence, and the run's monitor."""

import math
import time
from typing import Any

import keras

from kerasdnn import data

# The name NonFiniteBatch reports under; `RunMonitor` removes it from the logs.
NON_FINITE_METRIC = "nonfinite_batch"


def _drop_bookkeeping(logs):
    for name in list(logs or {}):
        if name.endswith(NON_FINITE_METRIC):
            del logs[name]  # bookkeeping, not a result: kept out of the history and the caller's callbacks


@keras.saving.register_keras_serializable(package="kerasdnn")
class NonFiniteBatch(keras.metrics.Metric):
    """The 1-based batch of the epoch at which the reported loss first became NaN or infinite; 0 before.

    Keras reports the loss as the epoch's running mean, once per
    `steps_per_execution` batches, so a callback alone places a divergence
    only to within one execution. This metric follows the same running sum
    of each batch's loss inside the compiled step and keeps the first batch
    where it was not finite, so the exact step is known at any
    `steps_per_execution`. (The sum can overflow a batch or two before a
    single batch's loss does; the reported loss is what this follows.)

    Args:
        loss: The compiled loss (a name, function or `keras.losses.Loss`).
        name: Name of the metric in the logs. Defaults to `"nonfinite_batch"`.
    """

    def __init__(self, loss: Any, name: str = "nonfinite_batch", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.loss = keras.losses.get(loss)
        self.batches = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="batches")
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="total")
        self.first = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype, name="first")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's loss to the running sum and notes the batch if the sum is not finite."""
        ops = keras.ops
        first = ops.convert_to_tensor(self.first)
        batch = ops.convert_to_tensor(self.batches) + 1.0
        samples = ops.cast(ops.shape(y_pred)[0], self.dtype)
        if len(y_true.shape) == len(y_pred.shape) - 1 and y_pred.shape[-1] == 1:
            # Labels of shape (batch,) for one output unit: Keras's compiled
            # loss aligns them so, and a loss function alone does not.
            y_true = ops.expand_dims(y_true, -1)
        batch_loss = ops.mean(ops.cast(self.loss(y_true, y_pred), self.dtype))
        # Keras's loss tracker sums loss × samples in the same way.
        total = ops.convert_to_tensor(self.total) + batch_loss * samples
        finite = ops.logical_and(ops.isfinite(total), ops.all(ops.isfinite(y_pred)))
        self.batches.assign(batch)
        self.total.assign(total)
        self.first.assign(ops.where(ops.logical_and(first == 0, ops.logical_not(finite)), batch, first))

    def result(self) -> Any:
        """Returns the first non-finite batch, or 0."""
        return keras.ops.convert_to_tensor(self.first)

    def get_config(self) -> dict:
        """Returns the metric's config."""
        return {**super().get_config(), "loss": keras.losses.serialize(self.loss)}


class RunMonitor(keras.callbacks.Callback):
    """Orders each epoch's batches, times epochs, logs the rate, and notes where the loss diverged.

    At each epoch's end it adds `epoch_seconds` and `learning_rate` (the
    schedule's value then) to the logs, and removes `NonFiniteBatch`'s
    bookkeeping from every log it sees, so the callbacks after it and the
    history see only results.

    Args:
        train_data: The training batches; an `EpochShuffledArrays` is told
            each epoch as it begins.
        steps_per_epoch: Batches per epoch, or `None` if unknown.
    """

    def __init__(self, train_data: Any, steps_per_epoch: int | None) -> None:
        super().__init__()
        self.train_data = train_data
        self.steps_per_epoch = steps_per_epoch
        self.diverged_at_step = None
        self.diverged_at_epoch = None
        self._batches_before = 0

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._epoch = epoch
        self._epoch_start = time.perf_counter()
        self._last_batch = -1
        if isinstance(self.train_data, data.EpochShuffledArrays):
            self.train_data.set_epoch(epoch)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        # Written into the logs so CSVLogger keeps them across resumes; the
        # rate is the schedule's value at the end of the epoch.
        logs["epoch_seconds"] = time.perf_counter() - self._epoch_start
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        # Not NonFiniteBatch's count here: on TensorFlow the epoch's logs read
        # the metric after the validation pass reused it, so an overflowing
        # validation batch would read as a diverged training step. The batch
        # ends saw the training count.
        self._check({key: value for key, value in logs.items() if key != NON_FINITE_METRIC})
        self._batches_before += self._last_batch + 1
        _drop_bookkeeping(logs)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self._last_batch = batch
        self._check(logs)
        _drop_bookkeeping(logs)

    def _check(self, logs):
        logs = logs or {}
        if self.diverged_at_step is not None:
            return
        at_batch = int(logs.get(NON_FINITE_METRIC) or 0)
        if not at_batch and not math.isfinite(float(logs.get("loss", 0.0))):
            # One batch per call (no metric needed), or a penalty term the
            # metric does not see overflowed: the last batch reported.
            at_batch = self._last_batch + 1
        if at_batch:
            self.diverged_at_epoch = self._epoch + 1
            # A dataset of unknown length: count the batches this process saw.
            before = self._epoch * self.steps_per_epoch if self.steps_per_epoch else self._batches_before
            self.diverged_at_step = before + at_batch


class RunRecorder(keras.callbacks.Callback):
    """Keeps the run's history and commits the whole state after every finite epoch.

    The history is one list per column (`None` where an epoch lacks a
    value or its value is not finite: JSON holds neither NaN nor infinity,
    and a validation loss can overflow while the training loss is finite);
    an epoch whose loss is not finite is recorded but not committed, since a
    diverged state is nothing to resume from.

    Args:
        model: The model whose weights and optimizer are committed.
        state: A `kerasdnn.run_state.RunState`, or `None` to keep the history
            in memory only.
        resume: Whether to load the committed state into `model` as
            training begins (the model and its optimizer are built by then)
            and go on from its history. Defaults to `False`.
    """

    def __init__(self, model: keras.Model, state: Any = None, resume: bool = False) -> None:
        super().__init__()
        self.run_model = model
        self.state = state
        self.resume = resume
        self.history: dict[str, list[Any]] = {}

    def on_train_begin(self, logs: Any = None) -> None:
        if self.resume:
            self.history = self.state.load(self.run_model)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs = dict(logs or {})
        rows = len(next(iter(self.history.values()), []))
        for key in set(self.history) | set(logs):
            column = self.history.setdefault(key, [None] * rows)
            value = None if logs.get(key) is None else float(logs[key])
            column.append(value if value is not None and math.isfinite(value) else None)
        loss = logs.get("loss")
        if self.state is not None and loss is not None and math.isfinite(float(loss)):
            self.state.commit(self.run_model, epoch + 1, self.history)


class ForModel(keras.callbacks.Callback):
    """Runs `callback` on `model` while Keras fits `fit_model`, a twin that shares its layers and optimizer.

    `kerasdnn.train` fits a softmax classifier through a twin that outputs
    its logits; the caller's callbacks must still see the caller's model, so
    that `self.model.predict` gives probabilities and a
    `keras.callbacks.ModelCheckpoint` saves the model the caller holds.
    Whatever the callback asks of the fit (`stop_training`) reaches the twin.

    Args:
        callback: A Keras callback.
        model: The model the callback sees.
        fit_model: The model Keras fits.
    """

    def __init__(self, callback: keras.callbacks.Callback, model: keras.Model, fit_model: keras.Model) -> None:
        super().__init__()
        self.callback = callback
        self.run_model = model
        self.fit_model = fit_model

    def set_model(self, model: keras.Model) -> None:
        """Gives the callback the caller's model, whichever model Keras fits."""
        self.callback.set_model(self.run_model)

    def set_params(self, params: dict[str, Any]) -> None:
        """Passes the fit's parameters on."""
        self.callback.set_params(params)

    def _forward(self, hook, *arguments):
        getattr(self.callback, hook)(*arguments)
        if getattr(self.run_model, "stop_training", False):
            self.fit_model.stop_training = True

    # Every hook Keras calls, forwarded.
    def on_train_begin(self, logs: Any = None) -> None:
        self._forward("on_train_begin", logs)

    def on_train_end(self, logs: Any = None) -> None:
        self._forward("on_train_end", logs)

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        self._forward("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        self._forward("on_epoch_end", epoch, logs)

    def on_train_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._forward("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
        self._forward("on_train_batch_end", batch, logs)

    def on_test_begin(self, logs: Any = None) -> None:
        self._forward("on_test_begin", logs)

    def on_test_end(self, logs: Any = None) -> None:
        self._forward("on_test_end", logs)

    def on_test_batch_begin(self, batch: int, logs: Any = None) -> None:
        self._forward("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch: int, logs: Any = None) -> None:
        self._forward("on_test_batch_end", batch, logs)
