"""Compile, fit, evaluate and record a run: the training helper every recipe uses.

One call of `train` compiles the model, fits it with a fixed seed, stops a
diverging run instead of crashing, resumes a killed run from its backup, and
writes everything about the run under one folder:

    output_dir/
        results.json          final/best/test metrics, timing, versions, settings
        history.csv           one row per epoch (appended across resumes)
        learning_curves.png   loss and metrics per epoch
        model.keras           the trained model (unless it diverged)
        backup/               only while a run is unfinished (BackupAndRestore)
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

import keras
import numpy as np

from kerasdnn import data, initializers, optimizers, validation
from kerasdnn.plotting import plot_history

# Keras runs this many batches per call into the compiled graph. On the
# 2-core CPU a BN-MLP epoch at batch 128 took ~10 s with 1 and ~5 s with 32:
# per-step Python overhead, not arithmetic, dominates such small models.
DEFAULT_STEPS_PER_EXECUTION = 32


def accelerator_available():
    """Whether TensorFlow sees a GPU or TPU."""
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU") or tf.config.list_physical_devices("TPU"))


def default_jit_compile():
    """Returns `"auto"` with an accelerator and `False` on CPU.

    XLA made a BN-MLP epoch about 5× slower on the 2-core CPU this project is
    measured on, while it usually helps on GPUs and is required on TPUs.
    """
    return "auto" if accelerator_available() else False


class _RunMonitor(keras.callbacks.Callback):
    """Times epochs, logs the learning rate, and notes where the loss became non-finite."""

    def __init__(self):
        super().__init__()
        self.step = 0
        self.diverged_at_step = None
        self.diverged_at_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._epoch_start = time.perf_counter()
        self._last_batch = -1

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution > 1 this runs once per execution, and
        # `batch` is the index of the last batch of that execution, so the
        # step of a divergence is known to within one execution.
        self.step += batch - self._last_batch
        self._last_batch = batch
        self._check(logs)

    def on_epoch_end(self, epoch, logs=None):
        # Written into the logs so CSVLogger keeps them across resumes; the
        # rate is the schedule's value at the end of the epoch.
        logs["epoch_seconds"] = time.perf_counter() - self._epoch_start
        logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))
        self._check(logs)

    def _check(self, logs):
        loss = (logs or {}).get("loss")
        if self.diverged_at_step is None and loss is not None and not math.isfinite(float(loss)):
            self.diverged_at_step = self.step
            self.diverged_at_epoch = self._epoch + 1


def train(
    model,
    x,
    y=None,
    *,
    validation_data=None,
    test_data=None,
    epochs=10,
    batch_size=128,
    optimizer="adam",
    learning_rate=None,
    clipnorm=None,
    clipvalue=None,
    loss="sparse_categorical_crossentropy",
    metrics=("accuracy",),
    output_dir=None,
    seed=0,
    steps_per_execution=None,
    jit_compile=None,
    tensorboard=False,
    save_model=True,
    callbacks=(),
    settings=None,
    verbose="auto",
):
    """Compiles and fits `model`, evaluates it, and records the run under `output_dir`.

    A run whose loss becomes NaN or infinite is stopped by
    `keras.callbacks.TerminateOnNaN` and reported with `"diverged": True`
    and the epoch and step where it happened; it does not raise. A run
    killed mid-way (Ctrl-C, a lost machine) resumes from its last finished
    epoch when `train` is called again with the same `output_dir`
    (`keras.callbacks.BackupAndRestore`); a finished run called again starts
    afresh. Kernels initialized with `"lsuv"` are rescaled on the first
    training batch before fitting (Mishkin & Matas 2016).

    Example:

    >>> keras.utils.set_random_seed(0)  # before building, for the weights
    >>> model = kerasdnn.mlp((28, 28, 1))
    >>> result = kerasdnn.train(model, x_train, y_train, epochs=15,
    ...                         validation_data=(x_test, y_test),
    ...                         output_dir="runs/mnist_bn")
    >>> result["test"]["accuracy"]

    Args:
        model: A `keras.Model`, compiled or not (it is compiled here).
        x: Training inputs (NumPy array) or a `tf.data.Dataset` of `(x, y)`
            batches.
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
            backend) and the shuffle. Defaults to `0`.
        steps_per_execution: Batches per compiled call. Defaults to `None`:
            `32`, or `1` under `MultiWorkerMirroredStrategy`, where Keras
            3.15 cannot loop over several steps in one call.
        jit_compile: XLA compilation. Defaults to `None`: off on CPU, where
            it was measured 5× slower, `"auto"` on GPU/TPU.
        tensorboard: Whether to write TensorBoard logs. Defaults to `False`.
        save_model: Whether to save `model.keras` after a run that did not
            diverge. Defaults to `True`.
        callbacks: More Keras callbacks. Defaults to `()`.
        settings: A JSON-ready dict stored as `"settings"` in the results
            (the recipe's configuration). Defaults to `None`.
        verbose: Passed to `fit`. Defaults to `"auto"`.

    Returns:
        The results dict that is also written to `results.json`: `final`,
        `best` and `test` metrics, `epochs_run`, `diverged`,
        `diverged_at_epoch`, `diverged_at_step`, `seconds_per_epoch` (the
        median), `epoch_seconds`, `train_seconds`, `parameters`, `seed`,
        `versions`, `settings`, `history`. Non-finite numbers are stored as
        `None`.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If `x` is an array and `y` is missing.
    """
    function = "train"
    validation.check_number(function, "epochs", epochs, low=1, integer=True)
    validation.check_number(function, "batch_size", batch_size, low=1, integer=True)
    multi_worker = _multi_worker(model)
    if steps_per_execution is None:
        steps_per_execution = 1 if multi_worker else DEFAULT_STEPS_PER_EXECUTION
    validation.check_number(function, "steps_per_execution", steps_per_execution, low=1, integer=True)
    if multi_worker and steps_per_execution != 1:
        raise ValueError(
            f"{function}(): steps_per_execution must be 1 under MultiWorkerMirroredStrategy "
            f"(Keras 3.15 fails in its multi-step loop there); received {steps_per_execution}"
        )
    validation.check_number(function, "seed", seed, low=0, integer=True)
    resolved_optimizer = optimizers.get(
        optimizer, learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue, function=function
    )
    train_dataset = _as_dataset(function, "x", x, y, batch_size, shuffle=True, seed=seed)
    validation_dataset = _as_dataset(function, "validation_data", validation_data, None, batch_size)
    test_dataset = _as_dataset(function, "test_data", test_data, None, batch_size)

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    paths = _prepare_output(output_dir)
    resuming = _resumable(paths, _fingerprint(model, resolved_optimizer))
    if not resuming:
        _lsuv_on_first_batch(model, train_dataset)

    with _strategy_scope(model):
        model.compile(
            optimizer=resolved_optimizer,
            loss=loss,
            metrics=list(metrics),
            steps_per_execution=steps_per_execution,
            jit_compile=default_jit_compile() if jit_compile is None else jit_compile,
        )
        monitor = _RunMonitor()
        run_callbacks = [monitor, keras.callbacks.TerminateOnNaN()]
        if paths:
            run_callbacks += [
                keras.callbacks.CSVLogger(paths["history"], append=resuming),
                keras.callbacks.BackupAndRestore(paths["backup"]),
            ]
            if tensorboard:
                run_callbacks.append(keras.callbacks.TensorBoard(paths["tensorboard"]))
        model.fit(
            train_dataset,
            validation_data=validation_dataset,
            epochs=epochs,
            # The dataset reshuffles itself each epoch; fit's own flag is for arrays.
            shuffle=False,
            callbacks=run_callbacks + list(callbacks),
            verbose=verbose,
        )

        history = _read_history(paths["history"]) if paths else _history_from(model.history)
        diverged = monitor.diverged_at_step is not None
        test_metrics = None
        if test_dataset is not None and not diverged:
            test_metrics = model.evaluate(test_dataset, verbose=0, return_dict=True)
    results = _results(
        model, history, test_metrics, monitor, resolved_optimizer,
        epochs=epochs, batch_size=batch_size, seed=seed, loss=loss,
        settings=settings, wall_seconds=time.perf_counter() - started,
    )
    if paths:
        _write_outputs(model, results, paths, save_model and not diverged)
    return results


def _multi_worker(model):
    """Whether the model was built under `MultiWorkerMirroredStrategy`."""
    import tensorflow as tf

    return isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy)


@contextlib.contextmanager
def _strategy_scope(model):
    """Enters the strategy the model was built under, for compile, fit and evaluate.

    Keras 3.15's `fit` does not run under `MultiWorkerMirroredStrategy`
    (keras-team/keras#20585); two narrow workarounds, undone on exit, make it
    run: see the comments.
    """
    strategy = model.distribute_strategy
    if not _multi_worker(model):
        with strategy.scope():
            yield
        return
    from keras.src.backend.tensorflow import trainer as tensorflow_trainer

    keras_reduce = tensorflow_trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        # Keras averages each step's metrics across workers along axis 0,
        # which scalars do not have; average them as whole values.
        if reduction in ("auto", "mean"):
            return keras.tree.map_structure(lambda value: strategy.reduce("MEAN", value, axis=None), values)
        return keras_reduce(values, strategy, reduction)

    # Keras also reduces the first batch across workers eagerly to build the
    # model, which fails; with no strategy recorded on the model it builds
    # while tracing the train step instead, and under this scope fit still
    # shards the data and all-reduces the gradients.
    recorded, model._distribute_strategy = model._distribute_strategy, None
    tensorflow_trainer.reduce_per_replica = reduce_per_replica
    try:
        with strategy.scope():
            yield
    finally:
        tensorflow_trainer.reduce_per_replica = keras_reduce
        model._distribute_strategy = recorded


def _as_dataset(function, name, x, y, batch_size, shuffle=False, seed=None):
    """Turns arrays (or an `(x, y)` pair) into a dataset; datasets pass through."""
    import tensorflow as tf

    if x is None or isinstance(x, tf.data.Dataset):
        return x
    if y is None and isinstance(x, tuple) and len(x) == 2:
        x, y = x
    if y is None:
        raise TypeError(
            f"{function}(): {name} must be a tf.data.Dataset, an (x, y) pair, or "
            f"arrays with y given; received {name} of type {type(x).__name__} without y"
        )
    return data.make_dataset(np.asarray(x), np.asarray(y), batch_size=batch_size, shuffle=shuffle, seed=seed)


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


def _resumable(paths, fingerprint):
    """Whether `paths` holds a backup of this very model to resume from.

    A backup left by a different model (the output folder reused after
    changing the architecture) cannot be loaded into this one: it is set
    aside with a warning and the run starts afresh. The fingerprint of the
    run about to start is written beside the backup.
    """
    if paths is None:
        return False
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
    if not resumable:
        shutil.rmtree(paths["backup"], ignore_errors=True)
        os.makedirs(paths["backup"])
        write_json(marker, fingerprint)
    return resumable


def _lsuv_on_first_batch(model, dataset):
    uses_lsuv = any(
        isinstance(getattr(layer, "kernel_initializer", None), initializers.LSUV) for layer in model.layers
    )
    if uses_lsuv:
        first_inputs, _ = next(iter(dataset))
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
    return {key: [float(value) for value in values] for key, values in history_callback.history.items()}


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
    scores = [(v, i) for i, v in enumerate(history.get(monitored, [])) if v is not None]
    if scores:
        value, index = max(scores)
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
    import tensorflow as tf

    from kerasdnn import __version__

    return {
        "kerasdnn": __version__,
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def write_json(path, payload):
    """Writes `payload` as indented JSON, atomically, refusing NaN and infinity.

    The file is first written beside its final name and then renamed, so a
    crash never leaves a half-written results file behind.

    Args:
        path: Destination file.
        payload: A JSON-ready object without NaN or infinite floats.

    Returns:
        The path written.

    Raises:
        ValueError: If `payload` holds NaN or an infinite float.
    """
    temporary = f"{path}.partial"
    try:
        with open(temporary, "w") as handle:
            json.dump(payload, handle, indent=2, allow_nan=False, default=_json_default)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"write_json(): cannot store {type(value).__name__} in JSON")


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
