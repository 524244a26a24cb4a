"""Normalizations by name for the blocks, and the weight normalization wrapper.

Deck 003 ("다른 Normalization") sets four normalizations beside batch norm.
They differ in which values share one mean and variance (Wu & He 2018,
Fig. 2), for an activation of shape (batch, height, width, channels):

- `"batch"`: one channel over the batch and the positions
  (`BatchNormalization`);
- `"layer"`: every feature of one sample (`LayerNormalization` after a
  Dense or LSTM layer, `GroupNormalization(groups=1)` after a convolution);
- `"group"`: a group of channels of one sample (`GroupNormalization`);
- `"instance"`: one channel of one sample, over its positions
  (`GroupNormalization(groups=-1)`; convolutions only);
- `"weight"`: none; each kernel is reparameterized instead
  (`WeightNormalization`, Salimans & Kingma 2016).

Each learns a scale and a shift per channel (`"layer"` on a Dense output:
per unit). Only batch norm behaves differently in training and inference.
"""

from typing import Any

import keras
import numpy as np
from keras import ops

from kerasdnn import validation

NAMES = ("batch", "layer", "group", "instance", "weight")

# The builders' layer-name suffixes (`block1_bn`, ...); batch norm's "bn" is
# the one the shipped weights files know.
SHORT_NAMES: dict[str | None, str] = {"batch": "bn", "layer": "ln", "group": "gn", "instance": "in", "weight": "wn"}

# Wu & He's default number of groups.
DEFAULT_GROUPS = 32

_NO_POSITIONS = (
    "instance normalization normalizes each channel of one sample over its spatial positions, and {output} has "
    "none: every unit would be normalized on its own to 0; use 'layer' or 'batch'"
)

# Why a normalization cannot follow a layer kind: the refusal's message.
_DOES_NOT_APPLY = {
    ("instance", "dense"): _NO_POSITIONS.format(output="a Dense output"),
    ("instance", "recurrent"): _NO_POSITIONS.format(output="an LSTM's last output"),
    ("weight", "recurrent"): (
        "weight normalization reparameterizes the kernel of a Dense or Conv layer, and an LSTM's kernels are "
        "inside its cell; use 'batch' or 'layer' after it"
    ),
}


def resolve(function: str, normalization: str | None, batch_norm: bool | None, groups: int | None) -> str | None:
    """Returns the normalization a builder was asked for, `batch_norm=` being its shorthand.

    `batch_norm=True` is `normalization="batch"` and `batch_norm=False` is
    `normalization=None`; given together with another normalization, they
    contradict each other and are refused.

    Args:
        function: Name of the public function, for the message.
        normalization: One of `NAMES` or `None`.
        batch_norm: `True`, `False`, or `None` when not given.
        groups: The number of groups, or `None` when not given; only
            `normalization="group"` takes it.

    Returns:
        One of `NAMES`, or `None` for no normalization.

    Raises:
        ValueError: If a name is unknown, or the arguments contradict each other.
        TypeError: If `batch_norm` or `groups` has the wrong type.
    """
    if normalization is not None:
        validation.check_choice(function, "normalization", normalization, NAMES)
    if batch_norm is not None:
        validation.check_type(function, "batch_norm", batch_norm, (bool,), "True or False")
        if normalization not in ("batch", None) or (batch_norm and normalization is None):
            raise ValueError(
                f"{function}(): batch_norm={batch_norm} contradicts normalization={normalization!r}; pass only "
                f"normalization= (batch_norm=True is normalization='batch', batch_norm=False is normalization=None)"
            )
        normalization = "batch" if batch_norm else None
    if groups is not None:
        validation.check_number(function, "groups", groups, low=1, integer=True)
        if normalization != "group":
            raise ValueError(
                f"{function}(): groups applies to normalization='group' only; received groups={groups} with "
                f"normalization={normalization!r}"
            )
    return normalization


def normalization_layer(
    normalization: str | None,
    kind: str,
    channels: int,
    *,
    groups: int | None = None,
    name: str | None = None,
) -> keras.layers.Layer | None:
    """Returns a new normalization layer for the output of a Dense, Conv or LSTM layer.

    Args:
        normalization: One of `NAMES`, or `None`.
        kind: What it normalizes: `"dense"`, `"conv"` or `"recurrent"`.
        channels: Size of the last axis it normalizes (units or filters).
        groups: Groups of `"group"`, dividing `channels`. Defaults to `None`:
            32, Wu & He's choice.
        name: Layer name. Defaults to `None`: Keras's automatic name.

    Returns:
        A new layer, or `None` for `None` and for `"weight"` (which wraps
        the kernel's layer instead: `WeightNormalization`).

    Raises:
        ValueError: If a name is unknown, the normalization does not apply to
            `kind`, or `groups` does not divide `channels`.

    Reference:
        Ioffe & Szegedy, "Batch Normalization", ICML 2015; Ba et al., "Layer
        Normalization", 2016; Ulyanov et al., "Instance Normalization", 2016;
        Wu & He, "Group Normalization", ECCV 2018.
    """
    return _normalization_layer(normalization, kind, channels, groups, name, "normalization_layer")


def _normalization_layer(normalization, kind, channels, groups, name, function):
    """`normalization_layer`, its errors naming `function`: the builder that was called."""
    check_applies(function, normalization, kind)
    if normalization == "batch":
        return keras.layers.BatchNormalization(name=name)
    if normalization == "layer" and kind != "conv":
        return keras.layers.LayerNormalization(name=name)
    if normalization == "layer":
        # All of one sample's positions and channels share the statistics, and
        # the scale and shift stay per channel, as in Wu & He's Fig. 2.
        return keras.layers.GroupNormalization(groups=1, name=name)
    if normalization == "instance":
        return keras.layers.GroupNormalization(groups=-1, name=name)
    if normalization == "group":
        groups = DEFAULT_GROUPS if groups is None else groups
        if channels % groups:
            raise ValueError(
                f"{function}(): groups must divide the {channels} channels it normalizes; received groups={groups}"
            )
        return keras.layers.GroupNormalization(groups=groups, name=name)
    return None


def check_applies(function: str, normalization: str | None, kind: str) -> None:
    """Raises if `normalization` does not apply after a layer of `kind`.

    Args:
        function: Name of the public function, for the message.
        normalization: One of `NAMES`, or `None`.
        kind: `"dense"`, `"conv"` or `"recurrent"`.

    Raises:
        ValueError: If the name is unknown or the normalization does not apply.
    """
    if normalization is None:
        return
    validation.check_choice(function, "normalization", normalization, NAMES)
    reason = _DOES_NOT_APPLY.get((normalization, kind))
    if reason:
        raise ValueError(f"{function}(): normalization={normalization!r} does not apply here: {reason}")


@keras.saving.register_keras_serializable(package="kerasdnn")
class WeightNormalization(keras.layers.Wrapper):
    """Reparameterizes the kernel of a Dense or Conv layer as `w = g · v / ‖v‖`.

    Each output unit's weight vector `w` gets a direction `v` (the wrapped
    layer's own kernel) and a length `g` learned separately, which decouples
    the two in gradient descent without batch statistics: the layer behaves
    the same in training and inference, at any batch size. `g` starts at
    `‖v‖`, so the wrapped layer's initialization is kept;
    `initialize_from_data` sets `g` and the bias from a batch instead, the
    paper's data-dependent initialization.

    Example:

    >>> layer = kerasdnn.WeightNormalization(keras.layers.Dense(256, activation="relu"))
    >>> kerasdnn.dense_block(256, normalization="weight")   # the same, in a block

    Args:
        layer: A `keras.layers.Dense` or a convolution (`Conv1D`, `Conv2D`,
            `Conv3D`), not yet built or built.
        epsilon: Added to `‖v‖²` so a zero direction does not divide by
            zero. Defaults to `1e-12`.
        **kwargs: Base layer arguments such as `name`.

    Raises:
        TypeError: If `layer` is not a Dense or convolution layer.

    Reference:
        Salimans & Kingma, "Weight Normalization: A Simple Reparameterization
        to Accelerate Training of Deep Neural Networks", NeurIPS 2016.
        https://arxiv.org/abs/1602.07868
    """

    def __init__(self, layer: keras.layers.Layer, epsilon: float = 1e-12, **kwargs: Any) -> None:
        function = "WeightNormalization"
        if not isinstance(layer, (keras.layers.Dense, keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)):
            raise validation.type_error(
                function, "layer", layer, "a keras.layers.Dense, Conv1D, Conv2D or Conv3D: a layer with a kernel"
            )
        validation.check_number(function, "epsilon", epsilon, low=0, low_inclusive=False)
        super().__init__(layer, **kwargs)
        self.epsilon = epsilon

    def build(self, input_shape: tuple) -> None:
        super().build(input_shape)
        kernel = self.layer.kernel
        self._norm_axes = tuple(range(len(kernel.shape) - 1))
        self.g = self.add_weight(name="g", shape=(kernel.shape[-1],), initializer="ones")
        self.g.assign(self._norm(kernel))

    def _norm(self, kernel):
        return ops.sqrt(ops.sum(ops.square(kernel), axis=self._norm_axes) + self.epsilon)

    def normalized_kernel(self) -> Any:
        """Returns `v / ‖v‖`, each output unit's direction of unit length."""
        kernel = self.layer.kernel
        return kernel / self._norm(kernel)

    def linear(self, inputs: Any, kernel: Any) -> Any:
        """Returns the wrapped layer's output for `kernel`, before its bias and activation."""
        if isinstance(self.layer, keras.layers.Dense):
            return ops.matmul(inputs, kernel)
        return self.layer.convolution_op(inputs, kernel)

    def call(self, inputs: Any) -> Any:
        outputs = self.linear(inputs, self.normalized_kernel() * self.g)
        layer = self.layer
        if layer.use_bias:
            bias = layer.bias
            if getattr(layer, "data_format", "channels_last") == "channels_first":
                bias = ops.reshape(bias, (1, -1) + (1,) * (len(outputs.shape) - 2))
            outputs = outputs + bias
        return layer.activation(outputs) if layer.activation is not None else outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return self.layer.compute_output_shape(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "epsilon": self.epsilon}


def initialize_from_data(model: keras.Model, x: Any) -> keras.Model:
    """Sets each `WeightNormalization`'s `g` and bias from a batch: the data-dependent init.

    Layer by layer from the input, each wrapped layer's pre-activation on
    `x` gets mean 0 and variance 1 per output unit: `g = 1 / σ` and
    `b = −μ / σ`, where μ and σ are the mean and standard deviation of
    `x · v / ‖v‖` (Salimans & Kingma 2016, §3). A layer without a bias gets
    only its scale. Call it once, before training, on a batch of training
    inputs (a few hundred samples).

    Args:
        model: A built functional or Sequential model with `WeightNormalization` layers.
        x: A batch of inputs the model accepts.

    Returns:
        The model, its weights changed in place.

    Raises:
        ValueError: If the model has no `WeightNormalization` layer.
    """
    wrapped = [layer for layer in model.layers if isinstance(layer, WeightNormalization)]
    if not wrapped:
        raise ValueError(
            f"initialize_from_data(): model {model.name!r} has no WeightNormalization layer; build it with "
            f"normalization='weight'"
        )
    for layer in wrapped:
        # The input as the layers before, already initialized, now give it.
        inputs = keras.Model(model.input, layer.input)(x, training=False)
        directions = ops.convert_to_numpy(layer.linear(inputs, layer.normalized_kernel()))
        channels = 1 if getattr(layer.layer, "data_format", "channels_last") == "channels_first" else -1
        directions = np.moveaxis(directions, channels, -1).reshape(-1, directions.shape[channels])
        mean, std = directions.mean(axis=0), directions.std(axis=0)
        scale = 1.0 / np.maximum(std, 1e-6)
        layer.g.assign(scale)
        if layer.layer.use_bias:
            layer.layer.bias.assign(-mean * scale)
    return model
