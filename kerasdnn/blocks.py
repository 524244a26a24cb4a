"""Blocks of layers: Dense → normalization → activation → Dropout, and Conv2D blocks.

A block is a list of new layers. Splice it into a `keras.Sequential`
(`keras.Sequential([keras.Input((784,)), *dense_block(256)])`) or apply it to
a functional tensor with `apply_layers(x, dense_block(256))`; either way the
model stays flat, so every layer shows in `summary()` and can be probed.
"""

from collections.abc import Sequence

import keras

from kerasdnn import activations, initializers, normalizations, regularizers, validation
from kerasdnn.hints import ActivationLike, InitializerLike, RegularizerLike

# Where the normalization ("bn", whichever normalization it is) and dropout
# sit relative to the activation. Ioffe & Szegedy (2015) normalize the
# pre-activation (the default); the Hanbat deck's Keras examples and many
# tutorials normalize after it.
ORDERS = (
    "dense_bn_activation_dropout",
    "dense_activation_bn_dropout",
    "dense_activation_dropout_bn",
)


def default_initializer(activation: ActivationLike) -> str:
    """Returns `"he_normal"` for rectifiers, `"glorot_uniform"` otherwise.

    He initialization keeps the variance of ReLU activations constant from
    layer to layer; Glorot does the same for symmetric units like tanh.

    Args:
        activation: An activation name or layer, as the builders take it.

    Returns:
        The name of the initializer.

    Reference:
        He et al., "Delving Deep into Rectifiers", ICCV 2015;
        Glorot & Bengio, "Understanding the difficulty of training deep
        feedforward neural networks", AISTATS 2010.
    """
    return "he_normal" if activations.is_relu_family(activation) else "glorot_uniform"


def _maxout_pieces(activation):
    """How many linear pieces the layer before `activation` must provide per unit."""
    if activation == "maxout":
        return 2
    if isinstance(activation, activations.Maxout):
        return activation.pieces
    return 1


def dense_block(
    units: int,
    activation: ActivationLike = "relu",
    *,
    kernel_initializer: InitializerLike = None,
    kernel_regularizer: RegularizerLike = None,
    activity_regularizer: RegularizerLike = None,
    normalization: str | None = "batch",
    batch_norm: bool | None = None,
    groups: int | None = None,
    dropout: float = 0.0,
    use_bias: bool | None = None,
    order: str = "dense_bn_activation_dropout",
    name: str | None = None,
) -> list[keras.layers.Layer]:
    """Returns the layers of one fully connected block, in the order asked for.

    The default is `Dense(use_bias=False) → BatchNormalization → activation →
    Dropout`: batch norm's shift makes the Dense bias redundant, and
    normalizing the pre-activation is the placement of Ioffe & Szegedy.
    With `normalization=None` (or `batch_norm=False`) the block is the
    decks' `Dense → activation → Dropout`; with
    `order="dense_activation_bn_dropout"` it is their `Dense → activation →
    BN`; with `normalization="layer"` the layer norm takes batch norm's place.
    Normalization and dropout layers appear only when enabled, so every
    order reduces to `Dense → activation` without them.

    Example:

    >>> model = keras.Sequential([
    ...     keras.Input((784,)),
    ...     *kerasdnn.dense_block(256, dropout=0.2),
    ...     keras.layers.Dense(10, activation="softmax"),
    ... ])

    Args:
        units: Positive integer, the number of units of the block.
        activation: A name from `kerasdnn.activations.names()` (`"relu"`,
            `"leaky_relu"`, `"prelu"`, `"elu"`, `"maxout"`, `"step"`, ...),
            a callable, a layer to copy, or `None` for a linear block. With
            maxout the Dense layer gets `units × pieces` units. Defaults to
            `"relu"`.
        kernel_initializer: Anything `keras.initializers.get` accepts, plus
            `"small_random_normal"`, `"big_random_normal"` and `"lsuv"`.
            Defaults to `None`: He normal for the ReLU family, Glorot uniform
            otherwise.
        kernel_regularizer: A Keras regularizer or identifier, an L2 strength,
            or a pair `(l1, l2)` such as the deck's `(0.01, 0.01)`.
            Defaults to `None`.
        activity_regularizer: Same forms, applied to the Dense output.
            Defaults to `None`.
        normalization: `"batch"`, `"layer"`, `"group"`, `"weight"` (the
            Dense layer wrapped in `WeightNormalization`) or `None`; see
            `kerasdnn.normalizations`. `"instance"` is refused: a Dense
            output has no positions to normalize over. Defaults to `"batch"`.
        batch_norm: Shorthand: `True` is `normalization="batch"`, `False`
            is `normalization=None`. Defaults to `None`: not given.
        groups: Groups of `normalization="group"`, dividing the units it
            normalizes. Defaults to `None`: 32.
        dropout: Dropout rate in `[0, 1)`; `0` adds no layer. Defaults to `0.0`.
        use_bias: Whether the Dense layer has a bias. Defaults to `None`:
            off exactly when a normalization with its own shift (every one
            but `"weight"`) directly follows the Dense layer.
        order: One of `"dense_bn_activation_dropout"`,
            `"dense_activation_bn_dropout"`, `"dense_activation_dropout_bn"`.
            Defaults to `"dense_bn_activation_dropout"`.
        name: Prefix for the layer names (`{name}_dense`, `{name}_bn`, ...).
            Defaults to `None`: Keras's automatic names.

    Returns:
        A list of new `keras.layers.Layer`s, first the Dense layer.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If an argument has the wrong type.

    Reference:
        Ioffe & Szegedy, "Batch Normalization", ICML 2015.
        https://arxiv.org/abs/1502.03167
        Srivastava et al., "Dropout", JMLR 2014.
    """
    return _dense_block(
        "dense_block",
        units,
        activation,
        kernel_initializer=kernel_initializer,
        kernel_regularizer=kernel_regularizer,
        activity_regularizer=activity_regularizer,
        normalization=normalization,
        batch_norm=batch_norm,
        groups=groups,
        dropout=dropout,
        use_bias=use_bias,
        order=order,
        name=name,
    )


def _dense_block(
    function,
    units,
    activation,
    *,
    kernel_initializer,
    kernel_regularizer,
    activity_regularizer,
    normalization,
    batch_norm,
    groups,
    dropout,
    use_bias,
    order,
    name,
):
    """`dense_block`, its errors naming `function`: the builder the user called."""
    validation.check_number(function, "units", units, low=1, integer=True)
    validation.check_choice(function, "order", order, ORDERS)
    normalization = normalizations.resolve(function, normalization, batch_norm, groups)
    normalized_before_activation = order.startswith("dense_bn")
    if use_bias is None:
        use_bias = not (normalized_before_activation and normalization not in (None, "weight"))
    pieces = _maxout_pieces(activation)
    dense = keras.layers.Dense(
        units * pieces,
        use_bias=use_bias,
        kernel_initializer=_initializer(kernel_initializer, activation, function),
        kernel_regularizer=regularizers._get(kernel_regularizer, function),
        activity_regularizer=regularizers._get(activity_regularizer, function, "activity_regularizer"),
        name=_name(name, "dense"),
    )
    after = _after_linear(
        function,
        activation,
        normalization,
        "dense",
        units * pieces if normalized_before_activation else units,
        groups,
        dropout,
        order,
        name,
    )
    return [_weight_normalized(dense, normalization, name), *after]


def conv_block(
    filters: int,
    kernel_size: int = 3,
    activation: ActivationLike = "relu",
    *,
    convs: int = 2,
    padding: str = "same",
    kernel_initializer: InitializerLike = None,
    kernel_regularizer: RegularizerLike = None,
    normalization: str | None = "batch",
    batch_norm: bool | None = None,
    groups: int | None = None,
    pool_size: int | None = 2,
    dropout: float = 0.0,
    name: str | None = None,
) -> list[keras.layers.Layer]:
    """Returns the layers of one convolutional block: convs → normalization → max pooling.

    As in the Hanbat deck's CNN example (`Conv2D, Conv2D → BatchNormalization
    → MaxPooling2D`): each convolution is followed by its activation, the
    normalization (batch norm by default) normalizes the block's output once
    before it is pooled, then optional dropout. `normalization="weight"`
    wraps every convolution in `WeightNormalization` instead.

    Example:

    >>> x = kerasdnn.apply_layers(x, kerasdnn.conv_block(32, convs=2))

    Args:
        filters: Positive integer, the number of filters of each convolution.
        kernel_size: Integer or pair, the convolution window. Defaults to `3`.
        activation: As in `dense_block`. Defaults to `"relu"`.
        convs: Number of `Conv2D` layers. Defaults to `2`.
        padding: `"same"` or `"valid"`. Defaults to `"same"`.
        kernel_initializer: As in `dense_block`. Defaults to `None`.
        kernel_regularizer: As in `dense_block`. Defaults to `None`.
        normalization: `"batch"`, `"layer"`, `"group"`, `"instance"`,
            `"weight"` or `None`; see `kerasdnn.normalizations`. Defaults to
            `"batch"`.
        batch_norm: Shorthand: `True` is `normalization="batch"`, `False`
            is `normalization=None`. Defaults to `None`: not given.
        groups: Groups of `normalization="group"`, dividing `filters`.
            Defaults to `None`: 32.
        pool_size: Max-pooling window, or `None` for no pooling.
            Defaults to `2`.
        dropout: Dropout rate in `[0, 1)`. Defaults to `0.0`.
        name: Prefix for the layer names. Defaults to `None`.

    Returns:
        A list of new `keras.layers.Layer`s.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If an argument has the wrong type.
    """
    return _conv_block(
        "conv_block",
        filters,
        kernel_size,
        activation,
        convs=convs,
        padding=padding,
        kernel_initializer=kernel_initializer,
        kernel_regularizer=kernel_regularizer,
        normalization=normalization,
        batch_norm=batch_norm,
        groups=groups,
        pool_size=pool_size,
        dropout=dropout,
        name=name,
    )


def _conv_block(
    function,
    filters,
    kernel_size,
    activation,
    *,
    convs,
    padding,
    kernel_initializer,
    kernel_regularizer,
    normalization,
    batch_norm,
    groups,
    pool_size,
    dropout,
    name,
):
    """`conv_block`, its errors naming `function`: the builder the user called."""
    validation.check_number(function, "filters", filters, low=1, integer=True)
    validation.check_number(function, "convs", convs, low=1, integer=True)
    validation.check_choice(function, "padding", padding, ("same", "valid"))
    validation.check_number(function, "dropout", dropout, low=0, high=1, high_inclusive=False)
    normalization = normalizations.resolve(function, normalization, batch_norm, groups)
    initializer = _initializer(kernel_initializer, activation, function)
    regularizer = regularizers._get(kernel_regularizer, function)
    layers = []
    for index in range(convs):
        conv_name = _name(name, f"conv{index + 1}")
        conv = keras.layers.Conv2D(
            filters * _maxout_pieces(activation),
            kernel_size,
            padding=padding,
            kernel_initializer=initializer,
            kernel_regularizer=regularizer,
            name=conv_name,
        )
        layers.append(_weight_normalized(conv, normalization, conv_name))
        # The block is normalized once, after its last convolution (below).
        activation_layer = activations._activation_layer(activation, _name(conv_name, "activation"), function)
        if activation_layer is not None:
            layers.append(activation_layer)
    normalization_layer = normalizations._normalization_layer(
        normalization, "conv", filters, groups, _normalization_name(name, normalization), function
    )
    if normalization_layer is not None:
        layers.append(normalization_layer)
    if pool_size is not None:
        layers.append(keras.layers.MaxPooling2D(pool_size, name=_name(name, "pool")))
    if dropout:
        layers.append(keras.layers.Dropout(dropout, name=_name(name, "dropout")))
    return layers


def apply_layers(x: keras.KerasTensor, layers: Sequence[keras.layers.Layer]) -> keras.KerasTensor:
    """Calls `layers` one after the other on the functional tensor `x`.

    Args:
        x: A symbolic tensor (`keras.Input` or a layer's output).
        layers: A list of layers, such as a `dense_block`.

    Returns:
        The output tensor of the last layer.
    """
    for layer in layers:
        x = layer(x)
    return x


def _after_linear(function, activation, normalization, kind, channels, groups, dropout, order, name):
    """The normalization, activation and dropout layers that follow a Dense/Conv layer."""
    validation.check_number(function, "dropout", dropout, low=0, high=1, high_inclusive=False)
    candidates = {
        "bn": normalizations._normalization_layer(
            normalization, kind, channels, groups, _normalization_name(name, normalization), function
        ),
        "activation": activations._activation_layer(activation, _name(name, "activation"), function),
        "dropout": keras.layers.Dropout(dropout, name=_name(name, "dropout")) if dropout else None,
    }
    return [candidates[part] for part in order.split("_")[1:] if candidates[part] is not None]


def _weight_normalized(layer, normalization, name):
    """`layer` itself, or wrapped in `WeightNormalization` for `normalization="weight"`."""
    if normalization != "weight":
        return layer
    return normalizations.WeightNormalization(layer, name=_name(name, normalizations.SHORT_NAMES["weight"]))


def _normalization_name(prefix, normalization):
    return _name(prefix, normalizations.SHORT_NAMES.get(normalization))


def _initializer(kernel_initializer, activation, function):
    if kernel_initializer is None:
        kernel_initializer = default_initializer(activation)
    return initializers._get(kernel_initializer, function)


def _name(prefix, suffix):
    return f"{prefix}_{suffix}" if prefix else None
