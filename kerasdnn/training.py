"""Compile, fit, evaluate and record a run: the training helper every recipe uses.

One call of `train` compiles the model, fits it with a fixed seed, stops a
diverging run instead of crashing, resumes a killed run from its backup, and
writes everything about the run under one folder:

    output_dir/
        results.json          final/best/test metrics, timing, versions, settings
        history.csv           one row per epoch (appended across resumes)
        learning_curves.png   loss and metrics per epoch
        model.keras           the trained model (unless it diverged)
        backup/               only while a run is unfinished: weights, optimizer and random state
        tensorboard/          with tensorboard=True
"""

import contextlib
import csv
import json
import math
import os
import platform
import shutil
import statistics
import time
import warnings
from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from kerasdnn import data, distribute, initializers, optimizers, quiet, validation
from kerasdnn.hints import LearningRate, OptimizerLike
from kerasdnn.plotting import plot_history
from kerasdnn.results import write_json

# Keras runs this many batches per call into the compiled graph. On the
# 2-core CPU a BN-MLP epoch at batch 128 took ~10 s with 1 and ~5 s with 32:
# per-step Python overhead, not arithmetic, dominates such small models.
DEFAULT_STEPS_PER_EXECUTION = 32


def default_steps_per_execution(multi_worker: bool = False) -> int:
    """Batches per compiled call: `DEFAULT_STEPS_PER_EXECUTION`, or 1 where Keras allows only 1.

    Keras's PyTorch backend runs one step per call, and its multi-step loop
    fails under TensorFlow's `MultiWorkerMirroredStrategy`.
    """
    if multi_worker or keras.backend.backend() == "torch":
        return 1
    return DEFAULT_STEPS_PER_EXECUTION


def accelerator_available() -> bool:
    """Whether the Keras backend runs on a GPU or TPU."""
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() != "cpu"
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    tf = quiet.import_tensorflow()
    return bool(tf.config.list_physical_devices("GPU") or tf.config.list_physical_devices("TPU"))


def default_jit_compile() -> bool | str:
    """Returns `False` for TensorFlow on a CPU and Keras's `"auto"` otherwise.

    TensorFlow's XLA made a BN-MLP epoch about 5× slower on the 2-core CPU
    this project is measured on, while it usually helps on GPUs and is
    required on TPUs. JAX always compiles with XLA, and `"auto"` leaves the
    PyTorch backend eager, as Keras does.
    """
    if keras.backend.backend() == "tensorflow" and not accelerator_available():
        return False
    return "auto"


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
        self.batches = self.add_variable(shape=(), initializer="zeros", name="batches")
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.first = self.add_variable(shape=(), initializer="zeros", name="first")

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Adds the batch's loss to the running sum and notes the batch if the sum is not finite."""
        ops = keras.ops
        first = ops.convert_to_tensor(self.first)
        batch = ops.convert_to_tensor(self.batches) + 1.0
        samples = ops.cast(ops.shape(y_pred)[0], self.dtype)
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


class _RunMonitor(keras.callbacks.Callback):
    """Orders each epoch's batches, times epochs, logs the rate, and notes where the loss diverged."""

    def __init__(self, train_data, steps_per_epoch):
        super().__init__()
        self.train_data = train_data
        self.steps_per_epoch = steps_per_epoch
        self.diverged_at_step = None
        self.diverged_at_epoch = None
        self._batches_before = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = time.perf_counter()
        self._last_batch = -1
        if isinstance(self.train_data, data.EpochShuffledArrays):
            self.train_data.set_epoch(epoch)

    def on_epoch_end(self, epoch, logs=None):
        # Written into the logs so CSVLogger keeps them across resumes; the
        # rate is the schedule's value at the end of the epoch.
        logs["epoch_seconds"] = time.perf_counter() - self._epoch_start
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self._check(logs)
        self._batches_before += self._last_batch + 1
        for name in list(logs):
            if name.endswith(NON_FINITE_METRIC):
                del logs[name]  # bookkeeping, not a result: kept out of the history

    def on_train_batch_end(self, batch, logs=None):
        self._last_batch = batch
        self._check(logs)

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


NON_FINITE_METRIC = "nonfinite_batch"


class _Backup(keras.callbacks.Callback):
    """Saves the whole training state after every epoch, so a killed run resumes exactly.

    Unlike `keras.callbacks.BackupAndRestore`, the backup also holds the
    random state of the model (the dropout layers' seed generators, which
    `save_weights` leaves out, and on PyTorch torch's global generator,
    which Keras's PyTorch dropout draws from): a resumed run draws the same
    dropout masks as one that was never stopped. Files, under `directory`:
    `model.weights.h5` (weights and optimizer state), `random_state.npz` and
    `epoch.json`, written in that order, so `epoch.json` names a complete
    backup.
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.epoch_file = os.path.join(directory, "epoch.json")
        self.weights_file = os.path.join(directory, "model.weights.h5")
        self.random_file = os.path.join(directory, "random_state.npz")

    def finished_epochs(self):
        """Epochs the backup holds; 0 when there is none."""
        if not os.path.isfile(self.epoch_file):
            return 0
        with open(self.epoch_file) as handle:
            return json.load(handle)["finished_epochs"]

    def on_train_begin(self, logs=None):
        # The model and its optimizer are built by now, so every variable the
        # backup holds has somewhere to go.
        if self.finished_epochs():
            optimizer = self.model.optimizer
            if not optimizer.built:  # TensorFlow builds it at the first update
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self.weights_file)
            with np.load(self.random_file) as saved:
                for index, variable in enumerate(_random_state(self.model)):
                    variable.assign(saved[str(index)])
                if "torch" in saved:
                    import torch

                    torch.set_rng_state(torch.from_numpy(saved["torch"]))

    def on_epoch_end(self, epoch, logs=None):
        if not math.isfinite(float((logs or {}).get("loss", 0.0))):
            return  # a diverged epoch is nothing to resume from
        partial = f"{self.weights_file}.partial.weights.h5"
        self.model.save_weights(partial)
        os.replace(partial, self.weights_file)
        states = {str(i): keras.ops.convert_to_numpy(v) for i, v in enumerate(_random_state(self.model))}
        if keras.backend.backend() == "torch":
            # Keras's PyTorch dropout draws unseeded masks from torch's global
            # generator, not from the layer's seed generator.
            import torch

            states["torch"] = torch.get_rng_state().numpy()
        np.savez(f"{self.random_file}.partial.npz", **states)
        os.replace(f"{self.random_file}.partial.npz", self.random_file)
        write_json(self.epoch_file, {"finished_epochs": epoch + 1})


def _random_state(model):
    """The model's variables that are neither weights nor optimizer state: seed generators' states."""
    weights = {id(weight) for weight in model.weights}
    return [variable for variable in model.variables if id(variable) not in weights]


def train(
    model: keras.Model,
    x: Any,
    y: Any = None,
    *,
    validation_data: Any = None,
    test_data: Any = None,
    epochs: int = 10,
    batch_size: int = 128,
    optimizer: OptimizerLike = "adam",
    learning_rate: LearningRate | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    loss: Any = "sparse_categorical_crossentropy",
    metrics: Sequence[Any] = ("accuracy",),
    output_dir: str | None = None,
    seed: int = 0,
    steps_per_execution: int | None = None,
    jit_compile: bool | str | None = None,
    tensorboard: bool = False,
    save_model: bool = True,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    settings: dict[str, Any] | None = None,
    verbose: int | str = "auto",
) -> dict[str, Any]:
    """Compiles and fits `model`, evaluates it, and records the run under `output_dir`.

    A run whose loss becomes NaN or infinite is stopped by
    `keras.callbacks.TerminateOnNaN` and reported with `"diverged": True`
    and the epoch and step (batch, counted from the start of the run) where
    it happened, at any `steps_per_execution`; it does not raise. A run
    killed mid-way (Ctrl-C, a lost machine) resumes from its last finished
    epoch when `train` is called again with the same model and
    `output_dir`, and ends with the weights and optimizer state the
    uninterrupted run would have: the backup holds the dropout layers'
    random state, and each epoch's batch order depends only on `seed` and
    the epoch. A finished run called again starts afresh. Kernels
    initialized with `"lsuv"` are rescaled on the first training batch
    before fitting (Mishkin & Matas 2016). Works on every Keras backend.

    Example:

    >>> keras.utils.set_random_seed(0)  # before building, for the weights
    >>> model = kerasdnn.mlp((28, 28, 1))
    >>> result = kerasdnn.train(model, x_train, y_train, epochs=15,
    ...                         validation_data=(x_val, y_val), test_data=(x_test, y_test),
    ...                         output_dir="runs/mnist_bn")
    >>> result["test"]["accuracy"]

    Args:
        model: A `keras.Model`, compiled or not (it is compiled here).
        x: Training inputs (NumPy array) or a `tf.data.Dataset` of `(x, y)`
            batches. Arrays are batched by `kerasdnn.data.EpochShuffledArrays`
            (no `tf.data` round trip).
        y: Training targets when `x` is an array. Defaults to `None`.
        validation_data: `(x, y)` arrays or a dataset, evaluated each epoch.
            Defaults to `None`.
        test_data: `(x, y)` arrays or a dataset, evaluated once at the end.
            Defaults to `None`.
        epochs: Number of epochs. Defaults to `10`.
        batch_size: Samples per batch when `x` is an array. Defaults to `128`.
        optimizer: A name or optimizer, as in `kerasdnn.optimizers.get`.
            Defaults to `"adam"`.
        learning_rate: A float or schedule. Defaults to `None` (the
            optimizer's default).
        clipnorm: Gradient clipping by norm. Defaults to `None`.
        clipvalue: Gradient clipping by value. Defaults to `None`.
        loss: A Keras loss. Defaults to `"sparse_categorical_crossentropy"`.
        metrics: Keras metrics. Defaults to `("accuracy",)`.
        output_dir: Folder for the run's files. Defaults to `None`: nothing
            is written and a killed run cannot resume.
        seed: Seed for `keras.utils.set_random_seed` (Python, NumPy and the
            backend) and the batch order. Defaults to `0`.
        steps_per_execution: Batches per compiled call. Defaults to `None`:
            `default_steps_per_execution()`, `32`, or `1` on PyTorch and
            under TensorFlow's `MultiWorkerMirroredStrategy`, where Keras
            cannot loop over several steps in one call.
        jit_compile: XLA compilation. Defaults to `None`: Keras's `"auto"`,
            except on a CPU with the TensorFlow backend, where XLA was
            measured 5× slower.
        tensorboard: Whether to write TensorBoard logs. Defaults to `False`.
        save_model: Whether to save `model.keras` after a run that did not
            diverge. Defaults to `True`.
        callbacks: More Keras callbacks. Defaults to `()`.
        settings: A JSON-ready dict stored as `"settings"` in the results
            (the recipe's configuration). Defaults to `None`.
        verbose: Passed to `fit`. Defaults to `"auto"`.

    Returns:
        The results dict that is also written to `results.json`: `final`,
        `best` (the epoch with the highest validation accuracy, or training
        accuracy without validation data) and `test` metrics, `epochs_run`,
        `diverged`, `diverged_at_epoch`, `diverged_at_step`,
        `seconds_per_epoch` (the median), `epoch_seconds`, `train_seconds`,
        `parameters`, `seed`, `backend`, `versions`, `settings`, `history`.
        Non-finite numbers are stored as `None`.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If `x` is an array and `y` is missing.
    """
    function = "train"
    multi_worker = distribute.is_multi_worker(model)
    steps_per_execution = _check_arguments(function, epochs, batch_size, steps_per_execution, seed, multi_worker)
    resolved_optimizer = optimizers.get(
        optimizer, learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, function=function
    )
    train_data = _batches(function, "x", x, y, batch_size, seed=seed, shuffle=True, multi_worker=multi_worker)
    validation_batches = _batches(function, "validation_data", validation_data, None, batch_size, multi_worker=multi_worker)
    test_batches = _batches(function, "test_data", test_data, None, batch_size, multi_worker=multi_worker)

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    paths = _prepare_output(output_dir)
    backup = _Backup(paths["backup"]) if paths else None
    initial_epoch = _resume_point(paths, backup, _fingerprint(model, resolved_optimizer))
    if not initial_epoch:
        _lsuv_on_first_batch(model, train_data)
    run_callbacks = []
    if paths:
        run_callbacks += [keras.callbacks.CSVLogger(paths["history"], append=bool(initial_epoch)), backup]
        if tensorboard:
            run_callbacks.append(keras.callbacks.TensorBoard(paths["tensorboard"]))
    with distribute.fit_scope(model):
        compile_arguments = dict(
            optimizer=resolved_optimizer,
            steps_per_execution=steps_per_execution,
            jit_compile=default_jit_compile() if jit_compile is None else jit_compile,
        )
        monitor = _fit(model, train_data, validation_batches, loss=loss, metrics=metrics, epochs=epochs,
                       initial_epoch=initial_epoch, callbacks=run_callbacks + list(callbacks), verbose=verbose,
                       **compile_arguments)
        history = _read_history(paths["history"]) if paths else _history_from(model.history)
        # Compiled again with the caller's metrics only (the optimizer and its
        # state are kept), so the saved model.keras opens in plain Keras.
        model.compile(loss=loss, metrics=list(metrics), **compile_arguments)
        diverged = monitor.diverged_at_step is not None
        test_metrics = None
        if test_batches is not None and not diverged:
            test_metrics = model.evaluate(test_batches, verbose=0, return_dict=True)
    results = _results(
        model, history, test_metrics, monitor, resolved_optimizer,
        epochs=epochs, batch_size=batch_size, seed=seed, loss=loss,
        settings=settings, wall_seconds=time.perf_counter() - started,
    )
    if paths:
        _write_outputs(model, results, paths, save_model and not diverged)
    return results


def _fit(model, train_data, validation_data, *, loss, metrics, epochs, initial_epoch, callbacks, verbose,
         **compile_arguments):
    """Compiles `model` for the fit and fits it, watching for a loss that stops being finite.

    Returns:
        The `_RunMonitor` that timed the epochs and noted a divergence.
    """
    monitor = _RunMonitor(train_data, _steps_per_epoch(train_data))
    with _fit_on_logits(model, loss) as fit_loss:
        # One batch per call already reports each batch's loss to the callbacks.
        step_metric = [NonFiniteBatch(fit_loss, name=NON_FINITE_METRIC)] if compile_arguments["steps_per_execution"] > 1 else []
        model.compile(loss=fit_loss, metrics=[*metrics, *step_metric], **compile_arguments)
        model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=initial_epoch,
            # The batches are ordered by EpochShuffledArrays (or the dataset).
            shuffle=False,
            callbacks=[monitor, keras.callbacks.TerminateOnNaN(), *callbacks],
            verbose=verbose,
        )
    return monitor


# Cross-entropies that Keras's TensorFlow backend computes from the logits
# under a softmax output, and the same losses taking logits.
_LOGIT_LOSSES = {
    "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
    "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
}


@contextlib.contextmanager
def _fit_on_logits(model, loss):
    """Fits a softmax classifier on its logits, as Keras's TensorFlow backend does, on every backend.

    Keras's TensorFlow backend computes a cross-entropy under a softmax output
    from the logits; the JAX and PyTorch backends clip the probabilities
    instead, so a saturated softmax (lab-10-2's N(0, 1) weights) stops
    learning there (hunkim's lab-10-2 ReLU net stalled far below its
    TensorFlow accuracy on JAX). For the fit, the output layer's softmax is set aside and the loss
    takes logits, which is the same function, computed stably; it is put back
    on every exit, so evaluation and the saved model see probabilities.

    Yields:
        The loss to compile the fit with.
    """
    output = model.layers[-1] if model.layers else None
    softmax = getattr(output, "activation", None) is keras.activations.softmax
    if not (softmax and isinstance(loss, str) and loss in _LOGIT_LOSSES):
        yield loss
        return
    output.activation = keras.activations.linear
    try:
        yield _LOGIT_LOSSES[loss](from_logits=True)
    finally:
        output.activation = keras.activations.softmax


def _check_arguments(function, epochs, batch_size, steps_per_execution, seed, multi_worker):
    """Checks `train`'s numbers up front; returns the resolved `steps_per_execution`."""
    validation.check_number(function, "epochs", epochs, low=1, integer=True)
    validation.check_number(function, "batch_size", batch_size, low=1, integer=True)
    if steps_per_execution is None:
        steps_per_execution = default_steps_per_execution(multi_worker)
    validation.check_number(function, "steps_per_execution", steps_per_execution, low=1, integer=True)
    if multi_worker and steps_per_execution != 1:
        raise ValueError(
            f"{function}(): steps_per_execution must be 1 under MultiWorkerMirroredStrategy "
            f"(Keras fails in its multi-step loop there); received {steps_per_execution}"
        )
    if keras.backend.backend() == "torch" and steps_per_execution != 1:
        raise ValueError(
            f"{function}(): steps_per_execution must be 1 on the PyTorch backend "
            f"(Keras runs one step per call there); received {steps_per_execution}"
        )
    validation.check_number(function, "seed", seed, low=0, integer=True)
    return steps_per_execution


def _batches(function, name, x, y, batch_size, *, seed=0, shuffle=False, multi_worker=False):
    """Turns arrays (or an `(x, y)` pair) into batches; datasets pass through."""
    if x is None or _is_tf_dataset(x):
        return x
    if y is None and isinstance(x, tuple) and len(x) == 2:
        x, y = x
    if y is None:
        raise TypeError(
            f"{function}(): {name} must be a tf.data.Dataset, an (x, y) pair, or "
            f"arrays with y given; received {name} of type {type(x).__name__} without y"
        )
    x, y = np.asarray(x), np.asarray(y)
    if multi_worker:
        # Each worker takes its share of every global batch, which tf.data's
        # DATA sharding does and a Python dataset cannot.
        return data.make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
    return data.EpochShuffledArrays(x, y, batch_size=batch_size, seed=seed, shuffle=shuffle,
                                    shard=distribute.process_shard())


def _is_tf_dataset(value):
    # Checked by name so that arrays never import TensorFlow.
    return any(cls.__name__ == "DatasetV2" for cls in type(value).__mro__)


def _steps_per_epoch(train_data):
    if isinstance(train_data, data.EpochShuffledArrays):
        return len(train_data)
    cardinality = int(train_data.cardinality())
    return cardinality if cardinality > 0 else None


def _prepare_output(output_dir):
    if output_dir is None:
        return None
    os.makedirs(output_dir, exist_ok=True)
    names = {
        "results": "results.json",
        "history": "history.csv",
        "curves": "learning_curves.png",
        "model": "model.keras",
        "backup": "backup",
        "tensorboard": "tensorboard",
    }
    return {key: os.path.join(output_dir, name) for key, name in names.items()}


def _fingerprint(model, optimizer):
    """What a backup must match to be resumed: variable shapes and optimizer class."""
    return {"weights": [list(weight.shape) for weight in model.weights], "optimizer": type(optimizer).__name__}


def _resume_point(paths, backup, fingerprint):
    """Returns the epoch to start from: the epochs a backup of this very model holds, else 0.

    A backup left by a different model (the output folder reused after
    changing the architecture) cannot be loaded into this one: it is set
    aside with a warning and the run starts afresh. The fingerprint of the
    run about to start is written beside the backup.
    """
    if paths is None:
        return 0
    marker = os.path.join(paths["backup"], "kerasdnn_fingerprint.json")
    resumable = os.path.isfile(marker)
    if resumable:
        with open(marker) as handle:
            resumable = json.load(handle) == fingerprint
        if not resumable:
            warnings.warn(
                f"train(): {paths['backup']} holds an unfinished run of a different model; starting afresh",
                stacklevel=3,
            )
    if resumable:
        return backup.finished_epochs()
    shutil.rmtree(paths["backup"], ignore_errors=True)
    os.makedirs(paths["backup"])
    write_json(marker, fingerprint)
    return 0


def _lsuv_on_first_batch(model, batches):
    uses_lsuv = any(
        isinstance(getattr(layer, "kernel_initializer", None), initializers.LSUV) for layer in model.layers
    )
    if uses_lsuv:
        first_inputs, _ = batches[0] if isinstance(batches, data.EpochShuffledArrays) else next(iter(batches))
        initializers.lsuv_initialize(model, first_inputs)


def _read_history(path):
    """Reads CSVLogger's file into `{column: [values per epoch]}`."""
    history = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            for key, value in row.items():
                if key != "epoch":
                    # CSVLogger writes "NA" for a value missing from an epoch.
                    history.setdefault(key, []).append(None if value in ("", "NA") else float(value))
    # Without validation data CSVLogger still adds empty "val_" columns.
    return {
        key: values for key, values in history.items()
        if not (key.startswith("val_") and all(value is None for value in values))
    }


def _history_from(history_callback):
    return {
        key: [float(value) for value in values]
        for key, values in history_callback.history.items()
        if not key.endswith(NON_FINITE_METRIC)
    }


def _finite(value):
    """Returns `value` as a float, or `None` if it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


def _results(model, history, test_metrics, monitor, optimizer, *, epochs, batch_size, seed, loss, settings, wall_seconds):
    history = {key: [None if v is None else _finite(v) for v in values] for key, values in history.items()}
    epoch_seconds = [s for s in history.pop("epoch_seconds", []) if s is not None]
    epochs_run = len(history.get("loss", []))
    final = {key: values[-1] for key, values in history.items() if values}
    monitored = "val_accuracy" if "val_accuracy" in history else "accuracy"
    best = None
    scores = [(index, value) for index, value in enumerate(history.get(monitored, [])) if value is not None]
    if scores:
        # The first epoch that reaches the highest score, as numpy.argmax picks.
        index, value = max(scores, key=lambda pair: (pair[1], -pair[0]))
        best = {"epoch": index + 1, monitored: value}
    return {
        "model": model.name,
        "parameters": int(model.count_params()),
        "epochs": epochs,
        "epochs_run": epochs_run,
        "batch_size": batch_size,
        "optimizer": _describe_optimizer(optimizer),
        "loss": loss if isinstance(loss, str) else type(loss).__name__,
        "seed": seed,
        "backend": keras.backend.backend(),
        "diverged": monitor.diverged_at_step is not None,
        "diverged_at_epoch": monitor.diverged_at_epoch,
        "diverged_at_step": monitor.diverged_at_step,
        "final": final,
        "best": best,
        "test": None if test_metrics is None else {k: _finite(v) for k, v in test_metrics.items()},
        "seconds_per_epoch": statistics.median(epoch_seconds) if epoch_seconds else None,
        "epoch_seconds": epoch_seconds,
        "train_seconds": sum(epoch_seconds),
        "wall_seconds": wall_seconds,
        "versions": _versions(),
        "settings": settings or {},
        "history": history,
    }


def _describe_optimizer(optimizer):
    config = optimizer.get_config()
    described = {"name": type(optimizer).__name__}
    for key in ("learning_rate", "momentum", "nesterov", "clipnorm", "clipvalue"):
        value = config.get(key)
        if value is not None and value is not False:
            # A schedule is a config dict; keep its class name and settings.
            described[key] = value
    return described


def _versions():
    """Versions of the packages that shaped the numbers, the backend's framework included."""
    import importlib.metadata

    from kerasdnn import __version__

    versions = {"kerasdnn": __version__, "keras": keras.__version__}
    backend = keras.backend.backend()
    for package in ("tensorflow", "jax", "torch"):
        if package == backend or package == "tensorflow":
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                pass
    return {**versions, "numpy": np.__version__, "python": platform.python_version()}


def _write_outputs(model, results, paths, save_model):
    results["files"] = {"history": "history.csv", "curves": "learning_curves.png"}
    plot_history(results["history"], paths["curves"], title=model.name)
    if save_model:
        model.save(paths["model"])
        results["files"]["model"] = "model.keras"
    elif os.path.exists(paths["model"]):
        os.remove(paths["model"])
    write_json(paths["results"], results)
    shutil.rmtree(paths["backup"], ignore_errors=True)
