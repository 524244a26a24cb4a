"""Compile, fit, evaluate and record a run: the training helper every recipe uses.

One call of `train` compiles the model, fits it with a fixed seed, stops a
diverging run instead of crashing, resumes a killed run from its backup, and
writes everything about the run under one folder:

    output_dir/
        results.json          final/best/test metrics, timing, versions, settings
        history.csv           one row per epoch, rewritten from the committed state
        learning_curves.png   loss and metrics per epoch
        model.keras           the trained model (unless it diverged)
        backup/               only while a run is unfinished: its state, committed once per epoch
                              (kerasdnn.run_state)
        tensorboard/          with tensorboard=True

Every file is written beside its final name and renamed into place, so a
kill at any moment leaves each file whole, old or new.
"""

import time
from collections.abc import Sequence
from typing import Any

import keras

from kerasdnn import callbacks as run_callbacks
from kerasdnn import data, distribute, initializers, optimizers, quiet, run_files, run_state, validation
from kerasdnn.batching import steps_per_epoch, to_batches
from kerasdnn.fit_twin import fit_twin, sharing_state
from kerasdnn.hints import LearningRate, OptimizerLike
from kerasdnn.scanned_steps import can_scan, default_steps_per_execution, execution_steps, scan_train_steps


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


def train(
    model: keras.Model,
    x: Any,
    y: Any = None,
    *,
    validation_data: Any = None,
    test_data: Any = None,
    epochs: int = 10,
    batch_size: int = 128,
    drop_remainder: bool = False,
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
    overwrite: bool = False,
    verbose: int | str = "auto",
) -> dict[str, Any]:
    """Compiles and fits `model`, evaluates it, and records the run under `output_dir`.

    A run whose loss becomes NaN or infinite is stopped by
    `keras.callbacks.TerminateOnNaN` and reported with `"diverged": True`
    and the epoch and step (batch, counted from the start of the run) where
    it happened, at any `steps_per_execution`; it does not raise. A run
    killed mid-way (Ctrl-C, a lost machine) resumes from its last finished
    epoch when `train` is called again with the same model and
    `output_dir`, and ends with the weights, optimizer state and history
    the uninterrupted run would have: the state is committed atomically
    after each epoch (`kerasdnn.run_state`), it holds the dropout layers'
    random state, and each epoch's batch order depends only on `seed` and
    the epoch. A backup is resumed only by the same run: the model's
    configuration, the optimizer's (its rate and schedule included), the
    loss, seed, batch size, epochs and the data's shapes and checksum must
    all match, or `train` refuses and names what differs (`overwrite=True`
    discards the backup). A finished run called again starts afresh.

    The model the caller passes is the model every callback sees and the
    one that is saved. A softmax classifier trained with a cross-entropy
    named by string (and argmax metrics such as `"accuracy"`) is fitted
    through a twin that shares its layers and outputs the logits, with the
    loss taking logits: the same function computed stably, as Keras's
    TensorFlow backend does by itself. The JAX and PyTorch backends
    otherwise clip the probabilities, and a saturated softmax (lab-10-2's
    N(0, 1) weights) stops learning. Kernels
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
        batch_size: Samples per training batch when `x` is an array.
            Defaults to `128`. Validation and test arrays are evaluated in
            batches of `kerasdnn.batching.evaluation_batch_size(samples, batch_size)`.
        drop_remainder: Whether each epoch leaves out its last, smaller
            batch when `x` is an array (`len(x) % batch_size` samples, other
            ones each epoch), as `tf.data`'s `batch(drop_remainder=True)` and
            PyTorch's `drop_last` do. Every step then has one batch shape,
            so JAX and XLA compile the step once instead of twice; a
            schedule's steps are `epochs * (len(x) // batch_size)`
            (`kerasdnn.optimizers.cosine_schedule` takes the same argument).
            Defaults to `False`: every sample, every epoch.
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
            cannot loop over several steps in one call. On JAX the steps of
            one call are scanned in one compiled program
            (`kerasdnn.scanned_steps`; not for a model with convolutions on
            the CPU, which runs Keras's loop), and for arrays the default is the
            divisor of the epoch's whole batches nearest 32
            (`scanned_steps.execution_steps`: 33 for 429 batches), so that
            no epoch ends with single steps that compile again.
        jit_compile: XLA compilation. Defaults to `None`: Keras's `"auto"`,
            except on a CPU with the TensorFlow backend, where XLA was
            measured 5× slower.
        tensorboard: Whether to write TensorBoard logs. Defaults to `False`.
        save_model: Whether to save `model.keras` after a run that did not
            diverge. Defaults to `True`.
        callbacks: More Keras callbacks. Defaults to `()`.
        settings: A JSON-ready dict stored as `"settings"` in the results
            (the recipe's configuration). Defaults to `None`.
        overwrite: Whether to discard a backup of a different run in
            `output_dir` instead of refusing. Defaults to `False`.
        verbose: Passed to `fit`. Defaults to `"auto"`.

    Returns:
        The results dict that is also written to `results.json`: `final`,
        `best` (the first epoch with the highest validation accuracy, else
        training accuracy; in a run without an accuracy metric, the lowest
        validation loss, else loss) and `test` metrics, `epochs_run`,
        `diverged`, `diverged_at_epoch`, `diverged_at_step`,
        `seconds_per_epoch` (the median), `epoch_seconds`, `train_seconds`,
        `parameters`, `seed`, `backend`, `versions`, `settings`, `history`.
        Non-finite numbers are stored as `None`.

    Raises:
        ValueError: If a value is out of range, a name is unknown, the
            arrays do not fit the model (shape, length, labels outside
            `[0, classes)`), `output_dir` cannot be written, or it holds a
            backup of a different run.
        TypeError: If `x` is an array and `y` is missing, or an array does
            not hold numbers.
        kerasdnn.run_state.DamagedRunError: If the backup's files cannot be
            read (the message names the file and what to do).
    """
    function = "train"
    multi_worker = distribute.is_multi_worker(model)
    requested_steps = steps_per_execution
    steps_per_execution = _check_arguments(function, epochs, batch_size, steps_per_execution, seed, multi_worker)
    resolved_optimizer = optimizers._get(
        optimizer, function, learning_rate=learning_rate, clipnorm=clipnorm, clipvalue=clipvalue
    )
    validation.check_type(function, "overwrite", overwrite, (bool,), "True or False")
    validation.check_type(function, "drop_remainder", drop_remainder, (bool,), "True or False")
    train_data = to_batches(
        function,
        "x",
        x,
        y,
        batch_size,
        model,
        loss,
        seed=seed,
        shuffle=True,
        multi_worker=multi_worker,
        drop_remainder=drop_remainder,
    )
    if (
        requested_steps is None
        and keras.backend.backend() == "jax"
        and isinstance(train_data, data.EpochShuffledArrays)
    ):
        steps_per_execution = execution_steps(len(train_data.x) // batch_size, steps_per_execution)
    validation_batches = to_batches(
        function, "validation_data", validation_data, None, batch_size, model, loss, multi_worker=multi_worker
    )
    test_batches = to_batches(
        function, "test_data", test_data, None, batch_size, model, loss, multi_worker=multi_worker
    )

    started = time.perf_counter()
    keras.utils.set_random_seed(seed)
    paths = run_files.prepare_output(function, output_dir)
    state = run_state.RunState(paths["backup"], paths["history"]) if paths else None
    # Only a run with a backup needs it (the data's checksum reads every byte).
    run_fingerprint = paths and run_state.fingerprint(
        model,
        resolved_optimizer,
        loss=_describe_loss(loss),
        seed=seed,
        batch_size=batch_size,
        # Only where set: backups written before the option existed still resume.
        **({"drop_remainder": True} if drop_remainder else {}),
        epochs=epochs,
        data=run_state.data_fingerprint([x, y]),
        validation_data=run_state.data_fingerprint(validation_data),
    )
    initial_epoch = run_files.resume_point(function, paths, state, run_fingerprint, epochs, overwrite)
    if not initial_epoch:
        _lsuv_on_first_batch(model, train_data)
    with distribute.fit_scope(model):
        compile_arguments = dict(
            optimizer=resolved_optimizer,
            steps_per_execution=steps_per_execution,
            jit_compile=default_jit_compile() if jit_compile is None else jit_compile,
        )
        monitor, recorder = _fit(
            model,
            train_data,
            validation_batches,
            loss=loss,
            metrics=metrics,
            epochs=epochs,
            initial_epoch=initial_epoch,
            state=state,
            verbose=verbose,
            callbacks=[
                *callbacks,
                *([keras.callbacks.TensorBoard(paths["tensorboard"])] if paths and tensorboard else []),
            ],
            **compile_arguments,
        )
        diverged = monitor.diverged_at_step is not None
        test_metrics = None
        if test_batches is not None and not diverged:
            test_metrics = model.evaluate(test_batches, verbose=0, return_dict=True)
    results = run_files.run_results(
        model,
        recorder.history,
        test_metrics,
        monitor,
        resolved_optimizer,
        epochs=epochs,
        batch_size=batch_size,
        drop_remainder=drop_remainder,
        seed=seed,
        loss=loss,
        settings=settings,
        wall_seconds=time.perf_counter() - started,
    )
    if paths:
        run_files.write_outputs(model, results, recorder.history, paths, state, save_model and not diverged)
    return results


def _fit(
    model,
    train_data,
    validation_data,
    *,
    loss,
    metrics,
    epochs,
    initial_epoch,
    state,
    callbacks,
    verbose,
    **compile_arguments,
):
    """Compiles `model` and the twin Keras fits, and fits, watching for a loss that stops being finite.

    Returns:
        The `RunMonitor` that timed the epochs and noted a divergence, and
        the `RunRecorder` that holds the history.
    """
    monitor = run_callbacks.RunMonitor(train_data, steps_per_epoch(train_data))
    recorder = run_callbacks.RunRecorder(model, state, resume=bool(initial_epoch))
    # Under MultiWorkerMirroredStrategy the model is fitted itself: a second
    # model there fails in Keras's cross-worker reduction, and TensorFlow's
    # backend computes the cross-entropy from the logits on its own.
    fit_model, fit_loss = (model, loss) if distribute.is_multi_worker(model) else fit_twin(model, loss, metrics)
    # One batch per call already reports each batch's loss to the callbacks.
    step_metric = [run_callbacks.NonFiniteBatch(fit_loss, name=run_callbacks.NON_FINITE_METRIC)]
    if compile_arguments["steps_per_execution"] == 1:
        step_metric = []
    if fit_model is not model:
        # The caller's model keeps the caller's loss and metrics (what
        # callbacks, model.keras and evaluate see); both share one optimizer.
        model.compile(loss=loss, metrics=list(metrics), **compile_arguments)
    fit_model.compile(loss=fit_loss, metrics=[*metrics, *step_metric], **compile_arguments)
    if can_scan(fit_model):
        scan_train_steps(fit_model)
    with sharing_state(model, fit_model):
        fit_model.fit(
            train_data,
            validation_data=validation_data,
            epochs=epochs,
            initial_epoch=initial_epoch,
            # The batches are ordered by EpochShuffledArrays (or the dataset).
            shuffle=False,
            callbacks=[
                monitor,
                keras.callbacks.TerminateOnNaN(),
                recorder,
                *(
                    run_callbacks.ForModel(callback, model, fit_model) if fit_model is not model else callback
                    for callback in callbacks
                ),
            ],
            verbose=verbose,
        )
    if fit_model is model and step_metric:
        # Compiled again with the caller's metrics only (the optimizer and its
        # state are kept), so the saved model.keras holds no bookkeeping.
        model.compile(loss=loss, metrics=list(metrics), **compile_arguments)
    return monitor, recorder


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


def _describe_loss(loss):
    return loss if isinstance(loss, str) else keras.losses.serialize(loss)


def _lsuv_on_first_batch(model, batches):
    uses_lsuv = any(isinstance(getattr(layer, "kernel_initializer", None), initializers.LSUV) for layer in model.layers)
    if uses_lsuv:
        first_inputs, _ = batches[0] if isinstance(batches, data.EpochShuffledArrays) else next(iter(batches))
        initializers.lsuv_initialize(model, first_inputs)
