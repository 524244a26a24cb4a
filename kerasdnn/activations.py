"""Activation functions and layers the decks teach: step to Maxout.

Builders take an `activation` by name. Names that are plain functions in Keras
(`"sigmoid"`, `"tanh"`, `"relu"`, `"elu"`, ...) become `keras.layers.Activation`
layers; the ones with their own parameters or conventions become layers:
`"leaky_relu"` (slope 0.01 as in the decks, where Keras defaults to 0.2),
`"very_leaky_relu"` (slope 1/3),
`"prelu"` (a learned slope per unit), `"maxout"` (max over 2 pieces) and
`"step"` (the perceptron's threshold unit).
"""

from typing import Any

import keras
from keras import ops

from kerasdnn import validation
from kerasdnn.hints import ActivationLike

_PACKAGE = "kerasdnn"

# Slope of the negative part used by the decks (Maas et al. 2013); Keras's
# own LeakyReLU defaults to 0.2.
LEAKY_RELU_SLOPE = 0.01
# "Very leaky" ReLU of Graham (2014), one of the activations of the LSUV
# paper's init × activation table.
VERY_LEAKY_RELU_SLOPE = 1 / 3

# Activations whose units are rectifiers: their kernels default to He
# initialization (He et al. 2015); every other activation gets Glorot.
RELU_FAMILY = ("relu", "leaky_relu", "very_leaky_relu", "prelu", "elu", "relu6", "selu", "gelu", "silu")


@keras.saving.register_keras_serializable(package=_PACKAGE)
def step(x: Any) -> Any:
    """Heaviside step: 1 where `x > 0`, else 0, as in Rosenblatt's perceptron.

    Its derivative is zero almost everywhere, so gradient descent cannot train
    the layers below it: the reason the decks move on to sigmoid.

    Args:
        x: Input tensor.

    Returns:
        A tensor of zeros and ones with the dtype of `x`.
    """
    return ops.cast(ops.greater(x, 0), x.dtype)


# Not mutated: Keras reads a layer's signatures, which mutmut's trampolines replace.
@keras.saving.register_keras_serializable(package=_PACKAGE)
class Maxout(keras.layers.Layer):  # pragma: no mutate block
    """Maximum over groups of `pieces` consecutive features of the last axis.

    A Dense (or Conv) layer with `units * pieces` outputs followed by
    `Maxout(pieces)` gives `units` maxout units; `dense_block(...,
    activation="maxout")` sizes the Dense layer that way by itself.

    Example:

    >>> keras.layers.Dense(64 * 2)(x)  # then
    >>> kerasdnn.Maxout(pieces=2)      # -> 64 features

    Args:
        pieces: Number of linear pieces each unit takes the maximum of.
            Defaults to `2`.
        **kwargs: Base layer arguments such as `name`.

    Reference:
        Goodfellow et al., "Maxout Networks", ICML 2013.
        https://arxiv.org/abs/1302.4389
    """

    def __init__(self, pieces: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        validation.check_number("Maxout", "pieces", pieces, low=1, integer=True)
        self.pieces = pieces

    def _units(self, input_shape):
        features = input_shape[-1]
        if features is None or features % self.pieces:
            raise ValueError(
                f"Maxout(): the last axis must be a multiple of pieces={self.pieces}; "
                f"received input shape {tuple(input_shape)}"
            )
        return features // self.pieces

    def build(self, input_shape: tuple) -> None:
        self._units(input_shape)

    def call(self, inputs: Any) -> Any:
        units = self._units(inputs.shape)
        grouped = ops.reshape(inputs, (-1, *inputs.shape[1:-1], units, self.pieces))
        return ops.max(grouped, axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape[:-1], self._units(input_shape))

    def get_config(self) -> dict:
        return {**super().get_config(), "pieces": self.pieces}


def _layer_activations():
    return {
        "leaky_relu": lambda name: keras.layers.LeakyReLU(negative_slope=LEAKY_RELU_SLOPE, name=name),
        "very_leaky_relu": lambda name: keras.layers.LeakyReLU(negative_slope=VERY_LEAKY_RELU_SLOPE, name=name),
        "prelu": lambda name: keras.layers.PReLU(name=name),
        "maxout": lambda name: Maxout(name=name),
        "step": lambda name: keras.layers.Activation(step, name=name),
    }


def names() -> list[str]:
    """Returns every activation name the builders accept."""
    return sorted(set(validation.keras_names(keras.activations)) | set(_layer_activations()))


def activation_layer(activation: ActivationLike, *, name: str | None = None) -> keras.layers.Layer | None:
    """Returns a fresh layer applying `activation`, or `None` for the identity.

    Example:

    >>> kerasdnn.activation_layer("leaky_relu")   # LeakyReLU(negative_slope=0.01)
    >>> kerasdnn.activation_layer(kerasdnn.Maxout(pieces=3))  # a new copy

    Args:
        activation: A name from `names()`, a callable such as
            `keras.activations.tanh`, a `keras.layers.Layer` to copy (each call
            returns a new layer with the same config, so blocks never share
            PReLU slopes), or `None`/`"linear"` for no activation.
        name: The layer's name. Defaults to `None`: Keras's own
            (`activation`, `activation_1`, ... in the order made).

    Returns:
        A new `keras.layers.Layer`, or `None` for the identity.

    Raises:
        ValueError: If a name is unknown; the message lists close matches.
        TypeError: If `activation` is neither a string, a callable nor a layer.
    """
    return _activation_layer(activation, name, "activation_layer")


def _activation_layer(activation, name, function):
    """`activation_layer`, its errors naming `function`: the builder that was called."""
    if activation is None or activation == "linear":
        return None
    if isinstance(activation, keras.layers.Layer):
        return activation.__class__.from_config({**activation.get_config(), "name": name})
    if isinstance(activation, str):
        layer_activations = _layer_activations()
        if activation in layer_activations:
            return layer_activations[activation](name)
        if activation not in names():
            raise validation.unknown_name_error(function, "activation", activation, names())
        return keras.layers.Activation(activation, name=name)
    if callable(activation):
        return keras.layers.Activation(activation, name=name)
    raise validation.type_error(function, "activation", activation, "a name, a callable or a keras.layers.Layer")


def is_relu_family(activation: ActivationLike) -> bool:
    """Whether `activation` is a rectifier, so He initialization suits it."""
    if isinstance(activation, keras.layers.Layer):
        return isinstance(activation, (keras.layers.ReLU, keras.layers.LeakyReLU, keras.layers.PReLU, keras.layers.ELU))
    return activation in RELU_FAMILY
