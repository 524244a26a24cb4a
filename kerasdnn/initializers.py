"""Weight initializers the decks teach that Keras lacks, and LSUV.

Everything `keras.initializers.get` accepts works wherever kerasdnn takes a
`kernel_initializer`. This module adds the three the lectures use that Keras
has no name for, registers them so that `keras.initializers.get("lsuv")` and
`.keras` files resolve them, and implements the data-dependent half of LSUV.
"""

from collections.abc import Sequence

import keras
import numpy as np

from kerasdnn import validation
from kerasdnn.hints import InitializerLike

_PACKAGE = "kerasdnn"
_ALIASES: list[str] = []


def _register(name):
    """Registers a class for `.keras` files and as a snake_case string alias."""

    def decorator(cls):
        cls = keras.saving.register_keras_serializable(package=_PACKAGE)(cls)
        # `keras.initializers.get(str)` looks strings up in the global custom
        # objects, so the alias makes the short name work everywhere Keras
        # takes an initializer, not only in kerasdnn's builders.
        keras.saving.get_custom_objects()[name] = cls
        _ALIASES.append(name)
        return cls

    return decorator


class _FixedRandomNormal(keras.initializers.RandomNormal):
    """A zero-mean normal initializer whose standard deviation is its identity."""

    stddev_value = 1.0

    def __init__(self, seed: int | keras.random.SeedGenerator | None = None) -> None:
        super().__init__(mean=0.0, stddev=self.stddev_value, seed=seed)

    def get_config(self) -> dict:
        # Only the seed: mean and stddev are fixed by the class.
        return {"seed": super().get_config()["seed"]}


@_register("small_random_normal")
class SmallRandomNormal(_FixedRandomNormal):
    """Draws weights from N(0, 0.01²): the "small random numbers" of the decks.

    Fine for shallow nets; in deep nets the activations shrink towards zero
    layer by layer (tanh/ReLU) or collapse to 0.5 (sigmoid), so gradients
    vanish and the layers lose their expressiveness.

    Example:

    >>> layer = keras.layers.Dense(3, kernel_initializer="small_random_normal")

    Args:
        seed: An integer or `keras.random.SeedGenerator`. Defaults to `None`.

    Reference:
        CS231n lecture 6, "Training Neural Networks I" (weight initialization).
    """

    stddev_value = 0.01


@_register("big_random_normal")
class BigRandomNormal(_FixedRandomNormal):
    """Draws weights from N(0, 1): the "big random numbers" of the decks.

    With tanh or sigmoid units the pre-activations grow with the fan-in and
    the units saturate at their limits, where the gradient is almost zero.

    Args:
        seed: An integer or `keras.random.SeedGenerator`. Defaults to `None`.

    Reference:
        CS231n lecture 6, "Training Neural Networks I" (weight initialization).
    """

    stddev_value = 1.0


@_register("lsuv")
class LSUV(keras.initializers.Orthogonal):
    """Orthonormal initializer marking a layer for layer-sequential unit variance.

    On its own this is `keras.initializers.Orthogonal(gain=1.0)`, the first
    step of LSUV. The second step needs data: `lsuv_initialize(model, x)`
    rescales the kernel of every layer initialized with `LSUV` until its
    output variance on the batch `x` is 1. `kerasdnn.train` runs that step on
    the first training batch by itself.

    Args:
        seed: An integer or `keras.random.SeedGenerator`. Defaults to `None`.

    Reference:
        Mishkin & Matas, "All you need is a good init", ICLR 2016.
        https://arxiv.org/abs/1511.06422
    """

    def __init__(self, seed: int | keras.random.SeedGenerator | None = None) -> None:
        super().__init__(gain=1.0, seed=seed)

    def get_config(self) -> dict:
        return {"seed": super().get_config()["seed"]}


def lsuv_initialize(
    model: keras.Model,
    x: np.ndarray,
    *,
    tolerance: float = 0.1,
    max_iterations: int = 10,
    layers: Sequence[keras.layers.Layer] | None = None,
) -> dict[str, float]:
    """Rescales kernels so that each layer's output has unit variance on `x`.

    Layers are visited in the model's order; each one's kernel is divided by
    the standard deviation of its output on `x` (taken before the layer's own
    activation) until the variance is within `tolerance` of 1 (the LSUV
    procedure), so later layers see the rescaled earlier ones. Biases are left alone (they start at zero).

    Example:

    >>> model = kerasdnn.mlp((784,), units=(256, 256), batch_norm=False,
    ...                      kernel_initializer="lsuv")
    >>> kerasdnn.lsuv_initialize(model, x_train[:256])

    Args:
        model: A built functional or `Sequential` `keras.Model`.
        x: A batch of inputs (NumPy array or tensor), a few hundred samples.
        tolerance: Allowed distance of the output variance from 1.
            Defaults to `0.1`.
        max_iterations: Rescaling passes per layer at most. Defaults to `10`.
        layers: The layers to rescale. Defaults to every layer of `model`
            whose `kernel_initializer` is an `LSUV` instance.

    Returns:
        A dict mapping each rescaled layer's name to its output variance after
        rescaling.

    Raises:
        ValueError: If a listed layer has no kernel, or `tolerance` or
            `max_iterations` is out of range.

    Reference:
        Mishkin & Matas, "All you need is a good init", ICLR 2016.
    """
    function = "lsuv_initialize"
    validation.check_number(function, "tolerance", tolerance, low=0, low_inclusive=False)
    validation.check_number(function, "max_iterations", max_iterations, low=1, integer=True)
    if layers is None:
        layers = [layer for layer in model.layers if isinstance(getattr(layer, "kernel_initializer", None), LSUV)]
    variances = {}
    for layer in layers:
        if getattr(layer, "kernel", None) is None:
            raise ValueError(
                f"{function}(): layers must have a kernel (Dense, Conv); "
                f"received layer {layer.name!r} of type {type(layer).__name__}"
            )
        probe = keras.Model(model.input, layer.output)
        # LSUV normalizes what the layer computes before its nonlinearity; a
        # Dense(10, activation="softmax") classifier is measured without it.
        own_activation = getattr(layer, "activation", None)
        if own_activation is not None:
            layer.activation = keras.activations.linear
        try:
            for _ in range(max_iterations):
                output = keras.ops.convert_to_numpy(probe(x, training=False))
                variance = float(np.var(output))
                if abs(variance - 1.0) < tolerance or variance == 0.0:
                    break
                layer.kernel.assign(layer.kernel / np.sqrt(variance))
        finally:
            if own_activation is not None:
                layer.activation = own_activation
        variances[layer.name] = variance
    return variances


def get(identifier: InitializerLike) -> keras.initializers.Initializer | None:
    """Resolves an initializer as `keras.initializers.get` does, with clear errors.

    Args:
        identifier: A name (`"he_normal"`, `"lsuv"`, `"small_random_normal"`),
            a config dict, an `Initializer` instance or a callable.

    Returns:
        A `keras.initializers.Initializer` (or the callable given).

    Raises:
        ValueError: If a name is unknown; the message lists close matches.
    """
    return _get(identifier, "get")


def _get(identifier, function):
    """`get`, its errors naming `function`: the builder that was called."""
    try:
        return keras.initializers.get(identifier)
    except (ValueError, TypeError) as error:
        if not isinstance(identifier, str):
            raise ValueError(f"{function}(): could not interpret kernel_initializer={identifier!r}: {error}") from error
        raise validation.unknown_name_error(function, "kernel_initializer", identifier, names()) from None


def names() -> list[str]:
    """Returns the initializer names that Keras and kerasdnn resolve by string."""
    return sorted(set(validation.keras_names(keras.initializers)) | set(_ALIASES))
