"""Whole models built from blocks: MLP, CNN and LSTM.

Each builder returns a new, uncompiled functional `keras.Model`. Because a
functional model is itself a layer, it can be called on a tensor inside a
user's own functional model.
"""

from collections.abc import Sequence

import keras

from kerasdnn import blocks, initializers, normalizations, regularizers, validation
from kerasdnn.hints import ActivationLike, InitializerLike, RegularizerLike, Shape


def mlp(
    input_shape: Shape,
    units: Sequence[int] = (512, 256, 128),
    classes: int = 10,
    *,
    activation: ActivationLike = "relu",
    kernel_initializer: InitializerLike = None,
    kernel_regularizer: RegularizerLike = None,
    activity_regularizer: RegularizerLike = None,
    normalization: str | None = "batch",
    batch_norm: bool | None = None,
    groups: int | None = None,
    dropout: float = 0.0,
    use_bias: bool | None = None,
    order: str = "dense_bn_activation_dropout",
    classifier_activation: ActivationLike = "softmax",
    name: str = "mlp",
) -> keras.Model:
    """Builds a multilayer perceptron: `dense_block`s then a Dense classifier.

    Inputs of more than one axis (images) are flattened first. The defaults
    are the headline MNIST network, 784-512-256-128-10 with batch norm.

    Example:

    >>> model = kerasdnn.mlp((28, 28, 1), units=(256, 256), dropout=0.2)
    >>> model.count_params()

    Args:
        input_shape: Shape of one sample, such as `(784,)` or `(28, 28, 1)`.
        units: Units of each hidden block; `()` gives a linear/softmax
            regression model. Defaults to `(512, 256, 128)`.
        classes: Units of the output layer. Defaults to `10`.
        activation: Hidden activation, as in `dense_block`. Defaults to
            `"relu"`.
        kernel_initializer: Initializer of every Dense kernel, as in
            `dense_block`. Defaults to `None`: He for the ReLU family and
            Glorot otherwise in hidden blocks, Glorot uniform in the output.
        kernel_regularizer: Penalty on every Dense kernel (the output layer's
            too, as weight decay does), as in `dense_block`. Defaults to `None`.
        activity_regularizer: Penalty on each hidden Dense output.
            Defaults to `None`.
        normalization: Normalization of each hidden block, as in
            `dense_block`: `"batch"`, `"layer"`, `"group"`, `"weight"` or
            `None`. Defaults to `"batch"`.
        batch_norm: Shorthand: `True` is `normalization="batch"`, `False`
            is `normalization=None`. Defaults to `None`: not given.
        groups: Groups of `normalization="group"`. Defaults to `None`: 32.
        dropout: Dropout rate after each hidden block. Defaults to `0.0`.
        use_bias: Whether hidden Dense layers have a bias, as in
            `dense_block`. Defaults to `None`: off exactly when a
            normalization with its own shift directly follows.
        order: Layer order inside each block, as in `dense_block`.
            Defaults to `"dense_bn_activation_dropout"`.
        classifier_activation: Activation of the output layer: `"softmax"`,
            `"sigmoid"`, or `None` for logits/regression. Defaults to
            `"softmax"`.
        name: Model name. Defaults to `"mlp"`.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If an argument has the wrong type.
    """
    function = "mlp"
    inputs = _input(function, input_shape)
    x = keras.layers.Flatten(name="flatten")(inputs) if len(inputs.shape) > 2 else inputs
    x = _dense_blocks(
        function,
        x,
        units,
        "block",
        activation=activation,
        kernel_initializer=kernel_initializer,
        kernel_regularizer=kernel_regularizer,
        activity_regularizer=activity_regularizer,
        normalization=normalizations.resolve(function, normalization, batch_norm, groups),
        groups=groups,
        dropout=dropout,
        use_bias=use_bias,
        order=order,
    )
    outputs = _classifier(function, x, classes, classifier_activation, kernel_initializer, kernel_regularizer)
    return keras.Model(inputs, outputs, name=name)


def cnn(
    input_shape: Shape,
    filters: Sequence[int] = (32, 64),
    classes: int = 10,
    *,
    kernel_size: int = 3,
    convs: int = 2,
    padding: str = "same",
    activation: ActivationLike = "relu",
    kernel_initializer: InitializerLike = None,
    kernel_regularizer: RegularizerLike = None,
    normalization: str | None = "batch",
    batch_norm: bool | None = None,
    groups: int | None = None,
    pool_size: int = 2,
    dropout: float = 0.0,
    units: Sequence[int] = (128,),
    classifier_activation: ActivationLike = "softmax",
    name: str = "cnn",
) -> keras.Model:
    """Builds a convolutional network: `conv_block`s, then Dense blocks, then a classifier.

    Each convolutional block is `convs` × (Conv2D → activation) →
    normalization → max pooling, the Hanbat deck's placement of batch norm in
    a CNN.

    Example:

    >>> model = kerasdnn.cnn((28, 28, 1), filters=(32, 64))
    >>> # deck 002's CIFAR-10 net, 164,682 parameters:
    >>> model = kerasdnn.cnn((32, 32, 3), filters=(64,), kernel_size=2,
    ...                      convs=1, batch_norm=False, units=())

    Args:
        input_shape: Shape of one image, channels last, such as `(28, 28, 1)`.
        filters: Filters of each convolutional block. Defaults to `(32, 64)`.
        classes: Units of the output layer. Defaults to `10`.
        kernel_size: Convolution window. Defaults to `3`.
        convs: Convolutions per block. Defaults to `2`.
        padding: `"same"` or `"valid"`. Defaults to `"same"`.
        activation: As in `dense_block`. Defaults to `"relu"`.
        kernel_initializer: As in `mlp`. Defaults to `None`.
        kernel_regularizer: As in `mlp`. Defaults to `None`.
        normalization: Normalization of every block, as in `conv_block`:
            `"batch"`, `"layer"`, `"group"`, `"instance"`, `"weight"` or
            `None`. `"instance"` needs `units=()`: the Dense blocks have
            no positions to normalize over. Defaults to `"batch"`.
        batch_norm: Shorthand: `True` is `normalization="batch"`, `False`
            is `normalization=None`. Defaults to `None`: not given.
        groups: Groups of `normalization="group"`, dividing every block's
            filters and units. Defaults to `None`: 32.
        pool_size: Max-pooling window of each block, or `None`. Defaults to `2`.
        dropout: Dropout rate after each block. Defaults to `0.0`.
        units: Units of the Dense blocks after flattening. Defaults to `(128,)`.
        classifier_activation: As in `mlp`. Defaults to `"softmax"`.
        name: Model name. Defaults to `"cnn"`.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: If a value is out of range or a name is unknown.
        TypeError: If an argument has the wrong type.
    """
    function = "cnn"
    inputs = _input(function, input_shape)
    if len(inputs.shape) != 4:
        raise ValueError(
            f"{function}(): input_shape must be (height, width, channels); received input_shape={input_shape!r}"
        )
    normalization = normalizations.resolve(function, normalization, batch_norm, groups)
    if normalization == "instance" and validation.check_sizes(function, "units", units):
        raise ValueError(
            f"{function}(): normalization='instance' does not apply to the Dense blocks after flattening: they "
            f"have no spatial positions to normalize over; pass units=() or another normalization; received "
            f"units={tuple(units)!r}"
        )
    x = inputs
    for index, size in enumerate(validation.check_sizes(function, "filters", filters)):
        x = blocks.apply_layers(
            x,
            blocks._conv_block(
                function,
                size,
                kernel_size,
                activation,
                convs=convs,
                padding=padding,
                kernel_initializer=kernel_initializer,
                kernel_regularizer=kernel_regularizer,
                normalization=normalization,
                batch_norm=None,
                groups=groups,
                pool_size=pool_size,
                dropout=dropout,
                name=f"conv_block{index + 1}",
            ),
        )
    x = keras.layers.Flatten(name="flatten")(x)
    x = _dense_blocks(
        function,
        x,
        units,
        "dense_block",
        activation=activation,
        kernel_initializer=kernel_initializer,
        kernel_regularizer=kernel_regularizer,
        normalization=normalization,
        groups=groups,
        dropout=dropout,
    )
    outputs = _classifier(function, x, classes, classifier_activation, kernel_initializer, kernel_regularizer)
    return keras.Model(inputs, outputs, name=name)


def lstm(
    input_shape: Shape,
    units: int | Sequence[int] = 32,
    classes: int = 1,
    *,
    normalization: str | None = "batch",
    batch_norm: bool | None = None,
    groups: int | None = None,
    dropout: float = 0.0,
    classifier_activation: ActivationLike = None,
    name: str = "lstm",
) -> keras.Model:
    """Builds a recurrent network: LSTM layers → normalization → Dense.

    The Hanbat deck's example is `LSTM(32) → BatchNormalization → Dense(1)`,
    the defaults here.

    Example:

    >>> model = kerasdnn.lstm((20, 1))                      # deck's regression net
    >>> model = kerasdnn.lstm((28, 28), units=(64, 64), classes=10,
    ...                       classifier_activation="softmax")

    Args:
        input_shape: Shape of one sequence: `(timesteps, features)`.
        units: Units of the LSTM layer, or a tuple for stacked layers (all but
            the last return sequences). Defaults to `32`.
        classes: Units of the output layer (1 for regression). Defaults to `1`.
        normalization: Normalization of the last LSTM output: `"batch"`,
            `"layer"`, `"group"` or `None` (`"instance"` and `"weight"` do
            not apply to an LSTM). Defaults to `"batch"`.
        batch_norm: Shorthand: `True` is `normalization="batch"`, `False`
            is `normalization=None`. Defaults to `None`: not given.
        groups: Groups of `normalization="group"`, dividing the last
            LSTM's units. Defaults to `None`: 32.
        dropout: Dropout rate before the output layer. Defaults to `0.0`.
        classifier_activation: Activation of the output layer. Defaults to
            `None` (regression).
        name: Model name. Defaults to `"lstm"`.

    Returns:
        An uncompiled `keras.Model`.

    Raises:
        ValueError: If a value is out of range.
        TypeError: If an argument has the wrong type.
    """
    function = "lstm"
    inputs = _input(function, input_shape)
    if len(inputs.shape) != 3:
        raise ValueError(
            f"{function}(): input_shape must be (timesteps, features); received input_shape={input_shape!r}"
        )
    sizes = validation.check_sizes(
        function,
        "units",
        (units,) if isinstance(units, int) and not isinstance(units, bool) else units,
        allow_empty=False,
    )
    validation.check_number(function, "dropout", dropout, low=0, high=1, high_inclusive=False)
    normalization = normalizations.resolve(function, normalization, batch_norm, groups)
    normalization_layer = normalizations._normalization_layer(
        normalization, "recurrent", sizes[-1], groups, normalizations.SHORT_NAMES.get(normalization), function
    )
    x = inputs
    for index, size in enumerate(sizes):
        x = keras.layers.LSTM(size, return_sequences=index < len(sizes) - 1, name=f"lstm{index + 1}")(x)
    if normalization_layer is not None:
        x = normalization_layer(x)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = _classifier(function, x, classes, classifier_activation, None, None)
    return keras.Model(inputs, outputs, name=name)


def _dense_blocks(function, x, units, prefix, **block_arguments):
    """Applies one `dense_block` per entry of `units`, named `{prefix}1`, `{prefix}2`, ..., its errors naming `function`."""
    block_arguments = {
        "activity_regularizer": None,
        "batch_norm": None,
        "use_bias": None,
        "order": blocks.ORDERS[0],
        **block_arguments,
    }
    for index, size in enumerate(validation.check_sizes(function, "units", units)):
        x = blocks.apply_layers(x, blocks._dense_block(function, size, name=f"{prefix}{index + 1}", **block_arguments))
    return x


def _input(function, input_shape):
    validation.check_type(function, "input_shape", input_shape, (tuple, list), "a tuple of integers")
    validation.check_sizes(function, "input_shape", input_shape, allow_empty=False)
    return keras.Input(shape=tuple(input_shape), name="inputs")


def _classifier(function, x, classes, activation, kernel_initializer, kernel_regularizer):
    validation.check_number(function, "classes", classes, low=1, integer=True)
    if classes == 1 and keras.activations.get(activation) is keras.activations.softmax:
        raise ValueError(
            f"{function}(): classes=1 with classifier_activation='softmax' always outputs 1.0; use "
            f"classifier_activation='sigmoid' for one unit, or classes >= 2; received classes=1"
        )
    # Under a mixed-precision policy the output stays float32, as Keras's
    # mixed-precision guide keeps the final softmax: bfloat16 or float16
    # probabilities round small classes to 0 and the loss loses precision.
    mixed = keras.config.dtype_policy().compute_dtype != "float32"
    return keras.layers.Dense(
        classes,
        activation=activation,
        kernel_initializer=initializers._get(kernel_initializer or "glorot_uniform", function),
        kernel_regularizer=regularizers._get(kernel_regularizer, function),
        dtype="float32" if mixed else None,
        name="predictions",
    )(x)
