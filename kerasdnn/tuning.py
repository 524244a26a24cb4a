"""Hyperparameter search with keras-tuner over the builders' space.

A thin `HyperModel` maps `hp` values onto `kerasdnn.mlp` and
`kerasdnn.optimizers.get` arguments; every `hp.*` has an explicit default, so
the default trial is the headline `mnist_bn` network trained as its zoo
record trains it (AdamW, cosine decay; `HEADLINES` holds Fashion-MNIST's).
`make_tuner` builds a random, hyperband, bayesian or grid tuner whose first
trial is that default, whose folder defaults to `tuner_runs/` and which
resumes a stopped search; `search` runs it with early stopping, and
`write_report` writes the best hyperparameters, a table of every trial and
a plot.

For several machines, keras-tuner's own chief/worker mode applies unchanged:
start one process with `KERASTUNER_TUNER_ID=chief`, the others with
`KERASTUNER_TUNER_ID=tuner0`, `tuner1`, ..., all with the same
`KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT` (`kerasdnn tune --chief`
and `--worker` set them). The chief serves the oracle, trains nothing, and
returns once every trial has ended and every worker has been told to stop;
it alone writes the report. A worker waits for a chief that is not up yet
(`wait_for_chief`), and a worker killed mid-trial and started again with the
same id is handed its unfinished trial again (keras-tuner's oracle keeps a
worker's running trial until that worker asks anew). The chief's and the
workers' checks are in `kerasdnn.chief`, the oracles in `kerasdnn.oracles`,
the space and its hypermodel in `kerasdnn.hypermodel`, the logs and the
report in `kerasdnn.search_report`; their public names are importable from
here too.
"""

import gc
import os
from collections.abc import Sequence
from typing import Any

import keras
import keras_tuner

from kerasdnn import distribute, validation
from kerasdnn.chief import (
    ChiefAddressError,
    ChiefNotFoundError,
    check_chief_address,
    check_chief_serves,
    distributed_role,
    oracle_address,
    serve_oracle,
    served_search,
    wait_for_chief,
)
from kerasdnn.choices import CHIEF_TIMEOUT, DEFAULT_DIRECTORY, IMAGE_DATASETS, TUNERS
from kerasdnn.hypermodel import HEADLINES, SPACE, MLPHyperModel, trial_optimizer
from kerasdnn.oracles import (
    DamagedSearchError,
    HyperbandDefaultsFirst,
    ResumableGridOracle,
    damaged_search_file,
    defaults_first,
)
from kerasdnn.search_report import (
    HParamsLogger,
    TrialTensorBoard,
    best_hyperparameters,
    trial_hparams,
    trial_rows,
    write_report,
)

__all__ = [
    "CHIEF_TIMEOUT",
    "DEFAULT_DIRECTORY",
    "HEADLINES",
    "IMAGE_DATASETS",
    "SPACE",
    "TUNERS",
    "ChiefAddressError",
    "ChiefNotFoundError",
    "DamagedSearchError",
    "MLPHyperModel",
    "best_hyperparameters",
    "check_chief_address",
    "check_chief_serves",
    "distributed_role",
    "make_tuner",
    "oracle_address",
    "run_search",
    "search",
    "served_search",
    "trial_hparams",
    "trial_optimizer",
    "trial_rows",
    "wait_for_chief",
    "write_report",
]


def make_tuner(
    kind: str = "random",
    hypermodel: keras_tuner.HyperModel | None = None,
    *,
    objective: str = "val_accuracy",
    max_trials: int = 10,
    max_epochs: int = 10,
    directory: str = DEFAULT_DIRECTORY,
    project_name: str = "mlp_search",
    overwrite: bool = False,
    distribution_strategy: Any = None,
    seed: int = 0,
) -> keras_tuner.Tuner:
    """Builds a keras-tuner tuner by name, resuming its project by default.

    Example:

    >>> tuner = kerasdnn.tuning.make_tuner("bayesian", max_trials=20, project_name="mnist")

    Args:
        kind: `"random"`, `"hyperband"`, `"bayesian"` or `"grid"`.
            Defaults to `"random"`.
        hypermodel: A `keras_tuner.HyperModel` or a build function taking `hp`.
            Defaults to `None`: `MLPHyperModel()`.
        objective: Metric to maximize (or a `keras_tuner.Objective`).
            Defaults to `"val_accuracy"`.
        max_trials: Trials at most (random, bayesian, grid). Defaults to `10`.
        max_epochs: Epochs of the longest trial (hyperband). Defaults to `10`.
        directory: Folder of the search. Defaults to `"tuner_runs"`.
        project_name: Subfolder of this search. Defaults to `"mlp_search"`.
        overwrite: Whether to discard an earlier search of the same folder
            instead of resuming it. Defaults to `False`.
        distribution_strategy: A `tf.distribute.Strategy` every trial runs
            under (TensorFlow backend). Defaults to `None`:
            `kerasdnn.default_strategy()`, which on JAX sets a
            `keras.distribution.DataParallel` when there are several devices.
        seed: Random seed of the search. Defaults to `0`.

    Returns:
        A `keras_tuner.Tuner`.

    Raises:
        ValueError: If `kind` is unknown or `max_trials`/`max_epochs` < 1.
    """
    function = "make_tuner"
    validation.check_choice(function, "kind", kind, TUNERS)
    validation.check_number(function, "max_trials", max_trials, low=1, integer=True)
    validation.check_number(function, "max_epochs", max_epochs, low=1, integer=True)
    common = dict(
        hypermodel=hypermodel or MLPHyperModel(),
        objective=objective,
        directory=directory,
        project_name=project_name,
        overwrite=overwrite,
        seed=seed,
        distribution_strategy=distribution_strategy or _tensorflow_strategy(),
        # A trial that fails (a diverged model, a bad combination) is
        # recorded as failed and the search goes on, up to 3 in a row.
        max_consecutive_failed_trials=3,
    )
    oracle_arguments = {
        "objective": common.pop("objective"),
        "seed": common.pop("seed"),
        "max_consecutive_failed_trials": common.pop("max_consecutive_failed_trials"),
    }
    if kind == "hyperband":
        oracle = HyperbandDefaultsFirst(max_epochs=max_epochs, **oracle_arguments)
    elif kind == "grid":
        oracle = ResumableGridOracle(max_trials=max_trials, **oracle_arguments)
    else:
        oracle_class = {
            "random": keras_tuner.oracles.RandomSearchOracle,
            "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
        }[kind]
        oracle = defaults_first(oracle_class)(max_trials=max_trials, **oracle_arguments)
    try:
        return _Tuner(oracle=oracle, **common)
    except DamagedSearchError:
        raise
    except (ValueError, KeyError, TypeError, RuntimeError) as error:
        # keras-tuner reads its files without saying which one failed.
        damaged = damaged_search_file(os.path.join(directory, project_name))
        if damaged is None:
            raise
        raise damaged from error


def _tensorflow_strategy():
    """The default `tf.distribute` strategy on TensorFlow; on JAX the default distribution is set instead."""
    chosen = distribute.default_strategy()
    if keras.backend.backend() == "tensorflow":
        return chosen
    if chosen is not None:
        keras.distribution.set_distribution(chosen)
    return None


def search(
    tuner: keras_tuner.Tuner,
    x: Any,
    y: Any,
    *,
    validation_data: Any,
    epochs: int = 5,
    patience: int = 2,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    tensorboard: str | None = None,
    verbose: int | str = 0,
) -> keras_tuner.Tuner:
    """Runs `tuner.search` with early stopping and NaN termination in every trial.

    Example:

    >>> kerasdnn.tuning.search(tuner, x, y, validation_data=(x_val, y_val), tensorboard="logs/search")

    then `tensorboard --logdir logs/search` and open the HParams tab.

    Args:
        tuner: A tuner from `make_tuner`.
        x: Training inputs (array).
        y: Training targets.
        validation_data: `(x, y)` scored by the objective.
        epochs: Epochs per trial (hyperband sets its own). Defaults to `5`.
        patience: Epochs without improvement before a trial stops.
            Defaults to `2`.
        callbacks: More Keras callbacks. Defaults to `()`.
        tensorboard: A folder for TensorBoard logs: each trial's learning
            curves in `TRIAL_ID/` and its hyperparameters for the HParams
            dashboard, on every backend. Defaults to `None` (no logs).
        verbose: Passed to `fit`. Defaults to `0`.

    Returns:
        The tuner, after the search.
    """
    stopping = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience),
        keras.callbacks.TerminateOnNaN(),
    ]
    if tensorboard is not None:
        stopping.append(HParamsLogger(os.fspath(tensorboard)))
    # keras-tuner (and Keras's clear_session) run gc.collect() before every
    # trial, which walks every object TensorFlow and Keras made since import,
    # a large share of a short trial on a 2-core CPU
    # (benchmarks/tuner_overhead.py). Freezing what exists now leaves those
    # walks only the trials' own objects.
    gc.freeze()
    try:
        tuner.search(
            x, y, validation_data=validation_data, epochs=epochs, callbacks=stopping + list(callbacks), verbose=verbose
        )
    finally:
        gc.unfreeze()
    return tuner


class _Tuner(keras_tuner.Tuner):
    """keras-tuner's `Tuner`, writing TensorBoard HParams logs on every Keras backend.

    keras-tuner adds its HParams logging to a `keras.callbacks.TensorBoard`
    only on the TensorFlow backend; here each trial gets a `TrialTensorBoard`
    whatever the backend.
    """

    def search(self, *fit_args, **fit_kwargs):
        if distributed_role() == "chief":
            # As keras-tuner's chief, with a server that also says which search it is.
            self.oracle.verbose = fit_kwargs.get("verbose", self.oracle.verbose)
            self.save()
            serve_oracle(self.oracle, self.project_dir)
            return
        super().search(*fit_args, **fit_kwargs)

    def run_trial(self, trial, *args, **kwargs):
        callbacks = []
        for callback in kwargs.pop("callbacks", []):
            if isinstance(callback, HParamsLogger):
                callback = TrialTensorBoard(
                    os.path.join(callback.log_dir, trial.trial_id), trial.hyperparameters, trial.trial_id
                )
            callbacks.append(callback)
        return super().run_trial(trial, *args, callbacks=callbacks, **kwargs)


def run_search(
    dataset: str = "mnist",
    *,
    kind: str = "random",
    max_trials: int = 10,
    epochs: int = 3,
    train_samples: int | None = 20_000,
    directory: str = DEFAULT_DIRECTORY,
    project_name: str | None = None,
    overwrite: bool = False,
    data_dir: str | None = None,
    seed: int = 0,
    tensorboard: str | None = None,
    chief_timeout: float = CHIEF_TIMEOUT,
    verbose: int | str = 0,
    **fixed: Any,
) -> tuple[keras_tuner.Tuner, keras_tuner.HyperParameters | None]:
    """Searches the MLP space on an image dataset and writes the report.

    The first trial is the dataset's headline net (`HEADLINES`). Trials
    train on the first `train_samples` training images and are scored on the
    last twelfth of the training split (validation), never on the test
    split.

    In keras-tuner's distributed mode (see `distributed_role`) the chief
    serves the oracle until the search has ended and then writes the report;
    a worker first waits for the chief, runs trials until the chief has no
    more, and writes no report (its oracle is the chief's).

    Example:

    >>> tuner, best = kerasdnn.tuning.run_search("fashion_mnist", kind="bayesian", max_trials=20)

    Args:
        dataset: `"mnist"` or `"fashion_mnist"`. Defaults to `"mnist"`.
        kind: As in `make_tuner`. Defaults to `"random"`.
        max_trials: As in `make_tuner`. Defaults to `10`.
        epochs: Epochs per trial. Defaults to `3`.
        train_samples: Training images per trial, or `None` for all the
            training split but its validation images. Defaults to `20_000`.
        directory: As in `make_tuner`. Defaults to `"tuner_runs"`.
        project_name: Defaults to `None`: `"{dataset}_{kind}"`.
        overwrite: As in `make_tuner`: `False` resumes. Defaults to `False`.
        data_dir: As in `kerasdnn.load_arrays`. Defaults to `None`.
        seed: Random seed. Defaults to `0`.
        tensorboard: As in `search`. Defaults to `None`.
        chief_timeout: Seconds a worker waits for its chief. Defaults to
            `CHIEF_TIMEOUT`.
        verbose: Passed to `fit`. Defaults to `0`.
        **fixed: Hyperparameters to fix, as in `MLPHyperModel`.

    Returns:
        `(tuner, best_hyperparameters)`; the report is under
        `directory/project_name/report/`. A worker returns
        `(tuner, None)`.

    Raises:
        ValueError: If an argument is out of range or unknown, or in
            distributed mode `KERASTUNER_ORACLE_PORT` is not a port.
        ChiefNotFoundError: On a worker whose chief does not answer within
            `chief_timeout`.
        ChiefAddressError: On a chief whose address is served or held
            already, or a worker whose chief (on this machine) serves
            another search.
        DamagedSearchError: If a file of the search cannot be read.
    """
    validation.check_choice("run_search", "dataset", dataset, IMAGE_DATASETS)
    if train_samples is not None:
        validation.check_number("run_search", "train_samples", train_samples, low=1, integer=True)
    project_name = project_name or f"{dataset}_{kind}"
    role = distributed_role()
    if role == "worker":
        wait_for_chief(chief_timeout)
        check_chief_serves(*oracle_address(), os.path.join(directory, project_name))
    elif role == "chief":
        check_chief_address(*oracle_address())
    from kerasdnn import data

    tuner = make_tuner(
        kind,
        MLPHyperModel(defaults=HEADLINES[dataset][1], **fixed),
        max_trials=max_trials,
        max_epochs=epochs,
        directory=directory,
        project_name=project_name,
        overwrite=overwrite,
        seed=seed,
    )
    keras.utils.set_random_seed(seed)
    if role == "chief":
        # The chief trains nothing: it serves the oracle until the search ends.
        x_train = y_train = validation_data = None
    else:
        (x_train, y_train), _ = data.load_arrays(dataset, data_dir=data_dir)
        (x_train, y_train), validation_data = data.split_validation(x_train, y_train)
        x_train, y_train = x_train[:train_samples], y_train[:train_samples]
    search(
        tuner,
        x_train,
        y_train,
        validation_data=validation_data,
        epochs=epochs,
        tensorboard=tensorboard,
        verbose=verbose,
    )
    if role == "worker":
        return tuner, None  # the chief, which holds every trial, writes the report
    best = write_report(tuner, os.path.join(directory, project_name, "report"))
    return tuner, best
