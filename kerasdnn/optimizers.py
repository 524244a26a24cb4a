"""Optimizers by the names the decks use, with gradient clipping."""

from typing import Any

import keras

from kerasdnn import validation
from kerasdnn.hints import LearningRate, OptimizerLike

# The decks treat momentum and Nesterov momentum as optimizers of their own;
# in Keras they are SGD settings. 0.9 is the usual momentum (Sutskever et al.
# 2013) and the value the Hanbat deck's examples use.
_SGD_VARIANTS = {
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9, "nesterov": True},
}

# The names listed in errors: the decks' seven, then the rest Keras knows.
DECK_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam")


def names() -> list[str]:
    """Returns every optimizer name `get` accepts."""
    keras_optimizers = {
        name.lower()
        for name in dir(keras.optimizers)
        if name[0].isupper() and name not in ("Optimizer", "LossScaleOptimizer", "MultiOptimizer", "OptimizerMap")
    }
    return sorted(keras_optimizers | set(DECK_OPTIMIZERS))


class _CoupledWeightDecay(keras.optimizers.Optimizer):
    """Adds `coupled_weight_decay · θ` to the gradient of every parameter before the update.

    PyTorch's `weight_decay` in `SGD`, `Adagrad`, `RMSprop`, `Adadelta` and
    `Adam`: an L2 penalty of `coupled_weight_decay / 2` on every trainable
    weight, biases and BatchNorm's γ and β included, seen by the optimizer's
    moment estimates (unlike AdamW's decoupled decay, Loshchilov & Hutter
    2019, and unlike a Keras `kernel_regularizer`, which spares biases and
    BatchNorm). The reported loss does not include the penalty.
    """

    def __init__(self, *args: Any, coupled_weight_decay: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.coupled_weight_decay = coupled_weight_decay

    def apply(self, grads: list[Any], trainable_variables: list[Any] | None = None) -> Any:
        """Decays the gradients, then applies them as the base optimizer does."""
        # Keras's JAX trainer applies the gradients of the variables the
        # optimizer was built with, without naming them again.
        variables = self._trainable_variables if trainable_variables is None else trainable_variables
        decay = self.coupled_weight_decay
        grads = [
            gradient if gradient is None else gradient + decay * keras.ops.cast(variable, gradient.dtype)
            for gradient, variable in zip(grads, variables)
        ]
        return super().apply(grads, trainable_variables)

    def get_config(self) -> dict:
        """Returns the base optimizer's config with `coupled_weight_decay`."""
        return {**super().get_config(), "coupled_weight_decay": self.coupled_weight_decay}


def _coupled(base):
    # Registered, so a saved model trained with one loads after `import kerasdnn`.
    name = f"Coupled{base.__name__}"
    cls = type(
        name,
        (_CoupledWeightDecay, base),
        {"__doc__": f"`keras.optimizers.{base.__name__}` with PyTorch's coupled weight decay."},
    )
    return keras.saving.register_keras_serializable(package="kerasdnn", name=name)(cls)


# The deck optimizers' classes, each with PyTorch's weight_decay.
COUPLED = {
    base: _coupled(base)
    for base in (
        keras.optimizers.SGD,
        keras.optimizers.Adagrad,
        keras.optimizers.RMSprop,
        keras.optimizers.Adadelta,
        keras.optimizers.Adam,
    )
}


def get(
    identifier: OptimizerLike = "adam",
    *,
    learning_rate: LearningRate | None = None,
    clipnorm: float | None = None,
    clipvalue: float | None = None,
    coupled_weight_decay: float | None = None,
) -> keras.optimizers.Optimizer:
    """Builds an optimizer from a name, with an optional learning rate and clipping.

    Example:

    >>> kerasdnn.optimizers.get("nesterov", learning_rate=0.01, clipnorm=1.0)
    >>> kerasdnn.optimizers.get("adam", clipvalue=0.5)

    Args:
        identifier: An optimizer name: `"sgd"`, `"momentum"` (SGD with
            momentum 0.9), `"nesterov"` (SGD with Nesterov momentum 0.9),
            `"adagrad"`, `"rmsprop"`, `"adadelta"`, `"adam"`, or any other
            name `keras.optimizers.get` knows (`"adamw"`, `"nadam"`, ...); a
            config dict; or a `keras.optimizers.Optimizer`, which is copied
            when other arguments are given. Defaults to `"adam"`.
        learning_rate: A positive float or a
            `keras.optimizers.schedules.LearningRateSchedule`. Defaults to
            `None`: the optimizer's own Keras default.
        clipnorm: Clip each gradient to this L2 norm. Defaults to `None`.
        clipvalue: Clip each gradient element to `[-clipvalue, clipvalue]`.
            Keras applies one kind of clipping at a time. Defaults to `None`.
        coupled_weight_decay: PyTorch's `weight_decay`: adds this times each
            parameter to its gradient (biases and BatchNorm's too) before
            the update, for one of the decks' optimizers. Defaults to `None`
            (none; AdamW's decoupled decay is `"adamw"`).

    Returns:
        A new `keras.optimizers.Optimizer` (or `identifier` itself when it is
        an optimizer and nothing is overridden).

    Raises:
        ValueError: If the name is unknown, a value is out of range, both
            `clipnorm` and `clipvalue` are given, or `coupled_weight_decay`
            is given for an optimizer other than the decks'.
        TypeError: If `identifier` is neither a name, a dict nor an optimizer.
    """
    return _get(identifier, "get", learning_rate, clipnorm, clipvalue, coupled_weight_decay)


def _get(identifier, function, learning_rate=None, clipnorm=None, clipvalue=None, coupled_weight_decay=None):
    """`get`, its errors naming `function`: the public function that was called."""
    if clipnorm is not None and clipvalue is not None:
        raise ValueError(
            f"{function}(): pass at most one of clipnorm and clipvalue; "
            f"received clipnorm={clipnorm!r}, clipvalue={clipvalue!r}"
        )
    overrides = {}
    if learning_rate is not None:
        if not isinstance(learning_rate, keras.optimizers.schedules.LearningRateSchedule):
            validation.check_number(function, "learning_rate", learning_rate, low=0, low_inclusive=False)
        overrides["learning_rate"] = learning_rate
    for name, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue)):
        if value is not None:
            validation.check_number(function, name, value, low=0, low_inclusive=False)
            overrides[name] = value
    optimizer = _resolve(identifier, overrides, function)
    if coupled_weight_decay is None:
        return optimizer
    validation.check_number(function, "coupled_weight_decay", coupled_weight_decay, low=0)
    base = next((cls for cls in type(optimizer).__mro__ if cls in COUPLED), None)
    # By name: a backend's own copy of a class (Keras's PyTorch SGD) is that
    # optimizer, a subclass of another name (AdamW of Adam) is not.
    if base is None or type(optimizer).__name__ not in (base.__name__, COUPLED[base].__name__):
        raise ValueError(
            f"{function}(): coupled_weight_decay applies to {', '.join(DECK_OPTIMIZERS)} (as PyTorch's "
            f"weight_decay; AdamW decays decoupled); received optimizer {type(optimizer).__name__}"
        )
    return COUPLED[base].from_config({**optimizer.get_config(), "coupled_weight_decay": coupled_weight_decay})


def _resolve(identifier, overrides, function):
    """Builds the optimizer `identifier` names, with `overrides` in its config."""
    if isinstance(identifier, keras.optimizers.Optimizer):
        if not overrides:
            return identifier
        return identifier.__class__.from_config({**identifier.get_config(), **overrides})
    if isinstance(identifier, dict):
        optimizer = keras.optimizers.get(identifier)
        return _get(optimizer, function, **overrides) if overrides else optimizer
    validation.check_type(
        function,
        "optimizer",
        identifier,
        (str,),
        "a name, a config dict or a keras.optimizers.Optimizer",
    )
    name = identifier.lower()
    validation.check_choice(function, "optimizer", name, names())
    if name in _SGD_VARIANTS:
        return keras.optimizers.SGD(**_SGD_VARIANTS[name], **overrides)
    # Always Keras's own classes, so that a saved model opens in plain Keras.
    return keras.optimizers.get({"class_name": name, "config": overrides})


def cosine_schedule(
    learning_rate: float, *, epochs: int, samples: int, batch_size: int, drop_remainder: bool = False
) -> keras.optimizers.schedules.CosineDecay:
    """Cosine decay from `learning_rate` to 0 over a whole run (Loshchilov & Hutter 2017, "SGDR").

    Example:

    >>> rate = kerasdnn.optimizers.cosine_schedule(2e-3, epochs=15, samples=55_000, batch_size=128)

    Args:
        learning_rate: The rate of the first step.
        epochs: Epochs of the run.
        samples: Training samples per epoch.
        batch_size: Samples per step; the last, smaller batch is a step too.
        drop_remainder: Whether the run leaves out each epoch's last,
            smaller batch (`kerasdnn.train`'s argument): then it is no step.
            Defaults to `False`.

    Returns:
        A `keras.optimizers.schedules.CosineDecay` whose `decay_steps` are
        the run's steps.

    Raises:
        ValueError: If `epochs`, `samples` or `batch_size` is below 1, or
            `drop_remainder` leaves no step (fewer samples than `batch_size`).
    """
    function = "cosine_schedule"
    for argument, value in (("epochs", epochs), ("samples", samples), ("batch_size", batch_size)):
        validation.check_number(function, argument, value, low=1, integer=True)
    validation.check_type(function, "drop_remainder", drop_remainder, (bool,), "True or False")
    if drop_remainder:
        validation.check_whole_batch(function, "samples", samples, batch_size)
    steps_per_epoch = samples // batch_size if drop_remainder else -(-samples // batch_size)
    return keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=epochs * steps_per_epoch)
