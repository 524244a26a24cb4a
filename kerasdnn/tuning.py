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
workers' checks are in `kerasdnn.chief`, the oracles in `kerasdnn.oracles`;
their public names are importable from here too.
"""

import csv
import gc
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import keras
import keras_tuner

from kerasdnn import distribute, models, optimizers, quiet, results, training, validation
from kerasdnn.chief import (
    ChiefAddressError,
    ChiefNotFoundError,
    check_chief_address,
    check_chief_serves,
    distributed_role,
    serve_oracle,
    served_search,
    wait_for_chief,
)
from kerasdnn.choices import CHIEF_TIMEOUT, DEFAULT_DIRECTORY, IMAGE_DATASETS, TUNERS
from kerasdnn.oracles import (
    DamagedSearchError,
    HyperbandDefaultsFirst,
    ResumableGridOracle,
    damaged_search_file,
    defaults_first,
)
from kerasdnn.plotting import plot_comparison

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
    "run_search",
    "search",
    "served_search",
    "trial_hparams",
    "trial_optimizer",
    "trial_rows",
    "wait_for_chief",
    "write_report",
]


# The search space: name → (kind, values or range, default). The defaults are
# the headline network as the zoo's `mnist_bn` trains it: 512-256-128, ReLU,
# He (Glorot at the output), batch norm, dropout 0.2, AdamW with decoupled weight decay 0.05 at
# 2e-3, cosine-decayed to zero over the run, batch 128.
SPACE = {
    "depth": ("int", (1, 4), 3),
    "units_1": ("choice", (128, 256, 512, 1024, 2048), 512),
    "units_2": ("choice", (64, 128, 256, 512, 1024, 2048), 256),
    "units_3": ("choice", (64, 128, 256, 512), 128),
    "units_4": ("choice", (64, 128, 256, 512), 128),
    "activation": ("choice", ("relu", "leaky_relu", "elu", "tanh"), "relu"),
    # "auto": `mlp`'s own choice, as the zoo records build it: He for the ReLU
    # family and Glorot otherwise in hidden blocks, Glorot at the output.
    "kernel_initializer": ("choice", ("auto", "he_normal", "glorot_uniform", "orthogonal"), "auto"),
    "batch_norm": ("boolean", None, True),
    "dropout": ("float", (0.0, 0.5, 0.1), 0.2),
    "l1": ("choice", (0.0, 1e-5, 1e-4), 0.0),
    "l2": ("choice", (0.0, 1e-5, 1e-4, 1e-3), 0.0),
    "optimizer": ("choice", ("adamw", "adam", "rmsprop", "nesterov", "sgd"), "adamw"),
    # AdamW's decoupled decay (Loshchilov & Hutter 2019); only AdamW trials have it.
    "weight_decay": ("choice", (0.01, 0.02, 0.05, 0.1, 0.2), 0.05),
    "learning_rate": ("log", (1e-4, 1e-1), 2e-3),
    "schedule": ("choice", ("cosine", "constant"), "cosine"),
    "batch_size": ("choice", (64, 128, 256), 128),
}

# Each dataset's headline net, as `SPACE` values where they differ from the
# defaults: a search on that dataset starts from it (`run_search`).
# tests/test_tuning.py checks these against the zoo records.
HEADLINES = {
    "mnist": ("mnist_bn", {}),
    "fashion_mnist": ("fashion_bn", {"depth": 2, "units_1": 1024, "units_2": 512, "dropout": 0.4}),
}


def _declare(hp, name, fixed=None, default=None):
    """Declares hyperparameter `name` on `hp`, fixed or with its default; returns its value."""
    kind, bounds, space_default = SPACE[name]
    if fixed is not None:
        return hp.Fixed(name, fixed)
    default = space_default if default is None else default
    if kind == "int":
        return hp.Int(name, *bounds, default=default)
    if kind == "choice":
        return hp.Choice(name, list(bounds), default=default)
    if kind == "boolean":
        return hp.Boolean(name, default=default)
    if kind == "float":
        low, high, step = bounds
        return hp.Float(name, low, high, step=step, default=default)
    return hp.Float(name, *bounds, sampling="log", default=default)


def trial_optimizer(
    values: Mapping[str, Any], *, epochs: int | None = None, samples: int | None = None
) -> keras.optimizers.Optimizer:
    """Builds the optimizer that a trial's hyperparameter values name.

    Example:

    >>> best = tuner.get_best_hyperparameters(1)[0].values
    >>> optimizer = kerasdnn.tuning.trial_optimizer(best, epochs=15, samples=55_000)

    Args:
        values: Hyperparameter values (`HyperParameters.values`):
            `optimizer`, `learning_rate`, and where present `weight_decay`
            (AdamW), `schedule` and `batch_size` (`SPACE`'s defaults where
            absent).
        epochs: Epochs of the run, for the cosine schedule. Defaults to
            `None`: a constant learning rate.
        samples: Training samples per epoch, for the cosine schedule.
            Defaults to `None`: a constant learning rate.

    Returns:
        A new `keras.optimizers.Optimizer`; with `schedule="cosine"`, and
        `epochs` and `samples` given, its learning rate decays from
        `learning_rate` to zero over the run (`optimizers.cosine_schedule`).

    Raises:
        ValueError: If the optimizer name is unknown or a value is out of
            range (as `kerasdnn.optimizers.get` says).
    """
    name = values["optimizer"]
    decay = values.get("weight_decay", SPACE["weight_decay"][2])
    identifier = {"class_name": "AdamW", "config": {"weight_decay": decay}} if name == "adamw" else name
    rate = values["learning_rate"]
    if values.get("schedule") == "cosine" and epochs is not None and samples is not None:
        rate = optimizers.cosine_schedule(
            rate, epochs=epochs, samples=samples, batch_size=values.get("batch_size", SPACE["batch_size"][2])
        )
    return optimizers._get(identifier, "trial_optimizer", learning_rate=rate)


class MLPHyperModel(keras_tuner.HyperModel):
    """Search space of `kerasdnn.mlp` models with their optimizer, schedule and batch size.

    Example:

    >>> hypermodel = kerasdnn.tuning.MLPHyperModel(activation="relu")  # fix a value
    >>> model = hypermodel.build(keras_tuner.HyperParameters())        # the default: mnist_bn

    Args:
        input_shape: Shape of one sample. Defaults to `(28, 28, 1)`.
        classes: Output units. Defaults to `10`.
        name: Name of the hypermodel. Defaults to `"mlp_search"`.
        defaults: Values that replace `SPACE`'s defaults and are still
            searched, such as `HEADLINES["fashion_mnist"][1]`. Defaults to
            `None`: `SPACE`'s, the headline `mnist_bn`.
        **fixed: Values to fix instead of searching, by hyperparameter name
            (`depth`, `units_1` … `units_4`, `activation`,
            `kernel_initializer`, `batch_norm`, `dropout`, `l1`, `l2`,
            `optimizer`, `weight_decay`, `learning_rate`, `schedule`,
            `batch_size`).

    Raises:
        ValueError: If a fixed or default name is not in the space.
    """

    def __init__(
        self,
        input_shape: Sequence[int] = (28, 28, 1),
        classes: int = 10,
        *,
        name: str = "mlp_search",
        defaults: Mapping[str, Any] | None = None,
        **fixed: Any,
    ) -> None:
        super().__init__(name=name, tunable=True)
        for argument, names in (("fixed hyperparameter", fixed), ("default", defaults or {})):
            for key in names:
                validation.check_choice("MLPHyperModel", argument, key, tuple(SPACE))
        self.input_shape = tuple(input_shape)
        self.classes = classes
        self.defaults = dict(defaults or {})
        self.fixed = fixed

    def _value(self, hp, name):
        return _declare(hp, name, self.fixed.get(name), self.defaults.get(name))

    def build(self, hp: keras_tuner.HyperParameters) -> keras.Model:
        depth = self._value(hp, "depth")
        units = []
        for index in range(1, depth + 1):
            # Deeper layers' sizes only exist in trials that have those layers.
            with hp.conditional_scope("depth", [d for d in range(index, 5)]):
                units.append(self._value(hp, f"units_{index}"))
        l1, l2 = self._value(hp, "l1"), self._value(hp, "l2")
        initializer = self._value(hp, "kernel_initializer")
        model = models.mlp(
            self.input_shape,
            units=tuple(units),
            classes=self.classes,
            activation=self._value(hp, "activation"),
            kernel_initializer=None if initializer == "auto" else initializer,
            batch_norm=self._value(hp, "batch_norm"),
            dropout=self._value(hp, "dropout"),
            kernel_regularizer=(l1, l2) if l1 or l2 else None,
            name="mlp_trial",
        )
        self._value(hp, "optimizer")
        with hp.conditional_scope("optimizer", ["adamw"]):
            self._value(hp, "weight_decay")
        self._value(hp, "learning_rate")
        # A constant rate until `fit` knows the run's length.
        _compile(model, trial_optimizer(hp.values))
        return model

    def fit(
        self, hp: keras_tuner.HyperParameters, model: keras.Model, x: Any, *args: Any, epochs: int = 1, **kwargs: Any
    ) -> Any:
        values = {**hp.values, "batch_size": self._value(hp, "batch_size"), "schedule": self._value(hp, "schedule")}
        if values["schedule"] == "cosine":
            # A tf.data.Dataset's len() counts batches: only an array's
            # first dimension counts the samples.
            if not hasattr(x, "shape"):
                raise ValueError(
                    f"MLPHyperModel.fit(): schedule 'cosine' needs x as an array, whose length sets the decay "
                    f"steps; received x of type {type(x).__name__} (fix schedule='constant' to search on it)"
                )
            # The rate decays to zero over this trial's epochs, as it would
            # over a full run: short trials then rank finished runs.
            _compile(model, trial_optimizer(values, epochs=epochs, samples=x.shape[0]))
        return model.fit(x, *args, batch_size=values["batch_size"], epochs=epochs, **kwargs)


def _compile(model, optimizer):
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=training.default_steps_per_execution(),
        jit_compile=training.default_jit_compile(),
    )


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
) -> None:
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
        stopping.append(_HParamsLogger(os.fspath(tensorboard)))
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


class _HParamsLogger(keras.callbacks.Callback):
    """Marks where a search's TensorBoard logs go; `_Tuner.run_trial` turns it into per-trial loggers."""

    def __init__(self, log_dir):
        super().__init__()
        self.log_dir = log_dir


class _Tuner(keras_tuner.Tuner):
    """keras-tuner's `Tuner`, writing TensorBoard HParams logs on every Keras backend.

    keras-tuner adds its HParams logging to a `keras.callbacks.TensorBoard`
    only on the TensorFlow backend; here each trial gets a `_TrialTensorBoard`
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
            if isinstance(callback, _HParamsLogger):
                callback = _TrialTensorBoard(
                    os.path.join(callback.log_dir, trial.trial_id), trial.hyperparameters, trial.trial_id
                )
            callbacks.append(callback)
        return super().run_trial(trial, *args, callbacks=callbacks, **kwargs)


# What the HParams dashboard shows for a hyperparameter a trial does not use
# (units_4 of a 3-layer net, weight_decay without AdamW): every trial has every
# column, so none goes missing from the table.
_UNUSED = {"int": 0, "choice": None, "boolean": False, "float": 0.0, "log": 0.0}


def trial_hparams(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every hyperparameter of `SPACE` for one trial: its value, or a zero of its type where it is unused.

    Args:
        values: The trial's values (`trial.hyperparameters.values`).

    Returns:
        `{name: value}` with every name of `SPACE` (and any other the trial
        declares).
    """
    hparams = {}
    for name, (kind, _, default) in SPACE.items():
        unused = _UNUSED[kind] if _UNUSED[kind] is not None else type(default)()
        hparams[name] = values.get(name, unused)
    return {**hparams, **{name: value for name, value in values.items() if name not in hparams}}


# What needs TensorFlow here, as its ImportError names it.
_HPARAMS_LOGS = "TensorBoard's HParams logs (tensorboard=)"


class _TrialTensorBoard(keras.callbacks.TensorBoard):
    """One trial's TensorBoard logs, with its hyperparameters and its end for the HParams dashboard.

    Its class name is not `TensorBoard`, so keras-tuner (TensorFlow backend)
    neither moves its folder nor adds a second HParams session; and it opens
    no writer before training starts, so keras-tuner can deep-copy it. The
    hyperparameters are read as training begins, after the hypermodel's
    `fit` has declared its own (`batch_size`, `schedule`), and the session's
    end is written as training ends, so the dashboard shows each trial's
    status.
    """

    def __init__(self, log_dir, hyperparameters, trial_id):
        super().__init__(log_dir=log_dir)
        self.hyperparameters = hyperparameters
        self.trial_id = trial_id

    def __deepcopy__(self, memo):
        # keras-tuner copies a trial's callbacks before it fits; the copy must
        # still read the trial's own hyperparameters, which `fit` adds to.
        return _TrialTensorBoard(self.log_dir, self.hyperparameters, self.trial_id)

    def _write_hparams_summary(self, write):
        tf = quiet.import_tensorflow(_HPARAMS_LOGS)
        writer = tf.summary.create_file_writer(self.log_dir)
        with writer.as_default():
            write()
        writer.close()

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        from tensorboard.plugins.hparams import api as hparams_api

        self._write_hparams_summary(
            lambda: hparams_api.hparams(trial_hparams(self.hyperparameters.values), trial_id=self.trial_id)
        )

    def on_train_end(self, logs=None):
        super().on_train_end(logs)
        from tensorboard.plugins.hparams import api_pb2
        from tensorboard.plugins.hparams import summary as hparams_summary

        tf = quiet.import_tensorflow(_HPARAMS_LOGS)
        end = hparams_summary.session_end_pb(api_pb2.STATUS_SUCCESS)
        self._write_hparams_summary(lambda: tf.summary.experimental.write_raw_pb(end.SerializeToString(), step=0))


def trial_rows(tuner: keras_tuner.Tuner) -> list[dict[str, Any]]:
    """Returns one dict per finished or failed trial, best score first."""
    rows = []
    for trial in tuner.oracle.trials.values():
        rows.append(
            {"trial": trial.trial_id, "status": trial.status, "score": trial.score, **trial.hyperparameters.values}
        )
    return sorted(rows, key=lambda row: (row["score"] is None, -(row["score"] or 0)))


def write_report(tuner: keras_tuner.Tuner, output_dir: str) -> keras_tuner.HyperParameters:
    """Writes the search's best hyperparameters, trials table and score plot.

    Files: `best_hyperparameters.json`, `trials.csv` (sorted by score) and
    `scores.png` under `output_dir`.

    Args:
        tuner: A tuner after `search`.
        output_dir: Folder for the files.

    Returns:
        The best `keras_tuner.HyperParameters`.
    """
    os.makedirs(output_dir, exist_ok=True)
    best = tuner.get_best_hyperparameters(1)[0]
    results.write_json(os.path.join(output_dir, "best_hyperparameters.json"), best.values)
    rows = trial_rows(tuner)
    columns = ["trial", "status", "score", *SPACE]
    with open(os.path.join(output_dir, "trials.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    ordered = sorted(rows, key=lambda row: int(row["trial"]))
    plot_comparison(
        [row["trial"] for row in ordered],
        {"score": [row["score"] for row in ordered]},
        os.path.join(output_dir, "scores.png"),
        ylabel=str(tuner.oracle.objective.name),
        title="score per trial",
    )
    return best


def best_hyperparameters(path: str) -> dict[str, Any]:
    """Reads `best_hyperparameters.json` back as a dict."""
    with open(path) as handle:
        return json.load(handle)


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
        ValueError: If an argument is out of range or unknown.
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
    address = os.environ.get("KERASTUNER_ORACLE_IP", ""), int(os.environ.get("KERASTUNER_ORACLE_PORT", "0") or 0)
    if role == "worker":
        wait_for_chief(chief_timeout)
        check_chief_serves(*address, os.path.join(directory, project_name))
    elif role == "chief":
        check_chief_address(*address)
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
