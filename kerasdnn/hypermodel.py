"""The builders' search space for keras-tuner: `SPACE`, and `MLPHyperModel` that maps a trial's values onto `kerasdnn.mlp`.

Every `hp.*` has an explicit default, so the default trial is the headline
`mnist_bn` network trained as its zoo record trains it (AdamW, cosine
decay; `HEADLINES` holds Fashion-MNIST's).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import keras
import keras_tuner

from kerasdnn import models, optimizers, training, validation

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
