"""Every builder option reaches every layer it names: each family, each layer, literal expectations."""

import inspect
import re

import keras
import pytest

import kerasdnn

pytestmark = [pytest.mark.xdist_group("builder_options"), pytest.mark.core]

# Rectifiers get He initialization (He et al. 2015), everything else Glorot's
# (Glorot & Bengio 2010): written out here, not read from the package.
RECTIFIERS = ("relu", "leaky_relu", "very_leaky_relu", "prelu", "elu", "relu6", "selu", "gelu", "silu")
OTHERS = ("sigmoid", "tanh", "linear", "softplus", "maxout")


def _kinds(model):
    return [type(layer).__name__ for layer in model.layers[1:]]


def _kernel_layers(model):
    return [layer for layer in model.layers if hasattr(layer, "kernel_initializer")]


@pytest.mark.parametrize("activation", RECTIFIERS + OTHERS)
def test_default_initializer_of_each_activation_in_every_builder(activation):
    expected = "HeNormal" if activation in RECTIFIERS else "GlorotUniform"
    assert (
        kerasdnn.blocks.default_initializer(activation)
        == {"HeNormal": "he_normal", "GlorotUniform": "glorot_uniform"}[expected]
    )
    assert type(kerasdnn.dense_block(4, activation)[0].kernel_initializer).__name__ == expected
    hidden = kerasdnn.mlp((3,), units=(4, 5, 6), activation=activation)
    *blocks, output = _kernel_layers(hidden)
    assert [type(layer.kernel_initializer).__name__ for layer in blocks] == [expected] * 3
    # The softmax classifier keeps Glorot's, whatever the hidden activation.
    assert type(output.kernel_initializer).__name__ == "GlorotUniform"
    if activation != "maxout":
        convolutional = kerasdnn.cnn((8, 8, 1), filters=(2, 3), units=(4,), activation=activation)
        *blocks, output = _kernel_layers(convolutional)
        assert [type(layer.kernel_initializer).__name__ for layer in blocks] == [expected] * 5
        assert type(output.kernel_initializer).__name__ == "GlorotUniform"


def test_a_rectifier_layer_object_gets_he_initialization():
    for layer, expected in (
        (keras.layers.ReLU(), "HeNormal"),
        (keras.layers.LeakyReLU(), "HeNormal"),
        (keras.layers.PReLU(), "HeNormal"),
        (keras.layers.ELU(), "HeNormal"),
        (keras.layers.Activation("tanh"), "GlorotUniform"),
    ):
        assert type(kerasdnn.dense_block(4, layer)[0].kernel_initializer).__name__ == expected


@pytest.mark.parametrize(
    "build, kernels",
    [
        (lambda **options: kerasdnn.mlp((3,), units=(4, 5), **options), 3),
        (lambda **options: kerasdnn.cnn((8, 8, 1), filters=(2, 3), units=(4,), **options), 6),
    ],
)
def test_kernel_options_reach_every_kernel_the_output_included(build, kernels):
    model = build(kernel_regularizer=(0.25, 0.5), kernel_initializer="lecun_normal")
    layers = _kernel_layers(model)
    assert len(layers) == kernels
    for layer in layers:
        assert isinstance(layer.kernel_regularizer, keras.regularizers.L1L2), layer.name
        assert (layer.kernel_regularizer.l1, layer.kernel_regularizer.l2) == pytest.approx((0.25, 0.5)), layer.name
        assert type(layer.kernel_initializer).__name__ == "LecunNormal", layer.name
    # One L2 strength is an L2 penalty, on every kernel.
    for layer in _kernel_layers(build(kernel_regularizer=0.125)):
        assert type(layer.kernel_regularizer).__name__ == "L2" and layer.kernel_regularizer.l2 == pytest.approx(0.125)
    assert all(layer.kernel_regularizer is None for layer in _kernel_layers(build()))


@pytest.mark.parametrize(
    "identifier, expected",
    [
        ("l2", {"l2": 0.01}),  # Keras's default strength
        ({"class_name": "L1", "config": {"l1": 0.5}}, {"l1": 0.5}),
        (keras.regularizers.L1L2(l1=0.25, l2=0.5), {"l1": 0.25, "l2": 0.5}),
    ],
    ids=["name", "config", "instance"],
)
def test_regularizers_take_what_keras_regularizers_get_takes(identifier, expected):
    regularizer = kerasdnn.regularizers.get(identifier)
    assert isinstance(regularizer, keras.regularizers.Regularizer)
    assert regularizer.get_config() == pytest.approx(expected)


def test_mlp_blocks_carry_bn_dropout_and_the_activation_in_order():
    model = kerasdnn.mlp((3,), units=(4, 5, 6), activation="tanh", dropout=0.25)
    assert _kinds(model) == ["Dense", "BatchNormalization", "Activation", "Dropout"] * 3 + ["Dense"]
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.25] * 3
    activations = [layer.activation.__name__ for layer in model.layers if isinstance(layer, keras.layers.Activation)]
    assert activations == ["tanh"] * 3
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [4, 5, 6, 10]
    # A bias before batch norm is redundant (BN's beta replaces it); the output keeps its bias.
    assert [layer.use_bias for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [False] * 3 + [True]
    plain = kerasdnn.mlp((3,), units=(4, 5), batch_norm=False)
    assert _kinds(plain) == ["Dense", "Activation"] * 2 + ["Dense"]
    assert [layer.use_bias for layer in plain.layers if isinstance(layer, keras.layers.Dense)] == [True] * 3


@pytest.mark.parametrize(
    "order, kinds",
    [
        ("dense_bn_activation_dropout", ["Dense", "BatchNormalization", "Activation", "Dropout"]),
        ("dense_activation_bn_dropout", ["Dense", "Activation", "BatchNormalization", "Dropout"]),
        ("dense_activation_dropout_bn", ["Dense", "Activation", "Dropout", "BatchNormalization"]),
    ],
)
def test_mlp_order_places_bn_in_every_block(order, kinds):
    model = kerasdnn.mlp((3,), units=(4, 5), dropout=0.5, order=order)
    assert _kinds(model) == kinds * 2 + ["Dense"]


def test_cnn_blocks_normalize_before_pooling_in_every_block():
    model = kerasdnn.cnn((8, 8, 1), filters=(2, 3), units=(4,), dropout=0.25, convs=2)
    conv_block = ["Conv2D", "Activation", "Conv2D", "Activation", "BatchNormalization", "MaxPooling2D", "Dropout"]
    dense_block = ["Dense", "BatchNormalization", "Activation", "Dropout"]
    assert _kinds(model) == conv_block * 2 + ["Flatten"] + dense_block + ["Dense"]
    assert [layer.filters for layer in model.layers if isinstance(layer, keras.layers.Conv2D)] == [2, 2, 3, 3]
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.25] * 3
    plain = kerasdnn.cnn((8, 8, 1), filters=(2, 3), units=(4,), batch_norm=False, convs=1)
    assert _kinds(plain) == ["Conv2D", "Activation", "MaxPooling2D"] * 2 + ["Flatten", "Dense", "Activation", "Dense"]


def test_lstm_normalizes_after_its_last_lstm_only():
    model = kerasdnn.lstm((5, 2), units=(3, 4), dropout=0.25)
    assert _kinds(model) == ["LSTM", "LSTM", "BatchNormalization", "Dropout", "Dense"]
    first, second = (layer for layer in model.layers if isinstance(layer, keras.layers.LSTM))
    assert (first.units, first.return_sequences, second.units, second.return_sequences) == (3, True, 4, False)
    assert _kinds(kerasdnn.lstm((5, 2), batch_norm=False)) == ["LSTM", "Dense"]


def test_the_remaining_mlp_options_reach_their_layers():
    model = kerasdnn.mlp(
        (2, 3),
        units=(4, 5),
        classes=3,
        activity_regularizer=(0.5, 0.25),
        use_bias=True,
        classifier_activation="sigmoid",
        name="named",
    )
    *hidden, output = _kernel_layers(model)
    assert model.name == "named" and model.input_shape == (None, 2, 3) and model.output_shape == (None, 3)
    for layer in hidden:  # each hidden Dense output is penalized, and keeps its bias before BN when asked
        assert (layer.activity_regularizer.l1, layer.activity_regularizer.l2) == pytest.approx((0.5, 0.25))
        assert layer.use_bias
    assert output.activity_regularizer is None and output.activation.__name__ == "sigmoid"
    logits = kerasdnn.mlp((3,), units=(), classes=2, classifier_activation=None)
    assert _kinds(logits) == ["Dense"] and _kernel_layers(logits)[0].activation.__name__ == "linear"


def test_the_remaining_cnn_options_reach_every_block():
    model = kerasdnn.cnn(
        (16, 16, 2),
        filters=(3, 4),
        classes=5,
        kernel_size=2,
        convs=1,
        padding="valid",
        pool_size=3,
        units=(),
        classifier_activation="sigmoid",
        name="named_cnn",
    )
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    pools = [layer for layer in model.layers if isinstance(layer, keras.layers.MaxPooling2D)]
    assert [layer.kernel_size for layer in convolutions] == [(2, 2), (2, 2)]
    assert {layer.padding for layer in convolutions} == {"valid"} and [layer.pool_size for layer in pools] == [
        (3, 3)
    ] * 2
    # 16 → 15 (2×2 valid) → 5 (pool 3) → 4 (2×2 valid) → 1 (pool 3): 4 maps of 1×1.
    assert [layer.output.shape[1:] for layer in pools] == [(5, 5, 3), (1, 1, 4)]
    assert model.name == "named_cnn" and model.output_shape == (None, 5)
    assert model.layers[-1].activation.__name__ == "sigmoid"


def test_the_remaining_lstm_options():
    model = kerasdnn.lstm((6, 2), units=7, classes=4, classifier_activation="softmax", batch_norm=False, name="seq")
    (recurrent,) = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert recurrent.units == 7 and model.output_shape == (None, 4) and model.name == "seq"
    assert model.layers[-1].activation.__name__ == "softmax"


# Layer names are what `summary()`, `get_layer` and saved weights files go by: written out in full.


def test_every_builder_names_its_layers_and_itself():
    assert _names(kerasdnn.mlp((4, 4, 1), units=(3, 2), dropout=0.5)) == [
        "inputs",
        "flatten",
        "block1_dense",
        "block1_bn",
        "block1_activation",
        "block1_dropout",
        "block2_dense",
        "block2_bn",
        "block2_activation",
        "block2_dropout",
        "predictions",
    ]
    assert _names(kerasdnn.cnn((8, 8, 1), filters=(2, 3), units=(4,), dropout=0.5)) == [
        "inputs",
        "conv_block1_conv1",
        "conv_block1_conv1_activation",
        "conv_block1_conv2",
        "conv_block1_conv2_activation",
        "conv_block1_bn",
        "conv_block1_pool",
        "conv_block1_dropout",
        "conv_block2_conv1",
        "conv_block2_conv1_activation",
        "conv_block2_conv2",
        "conv_block2_conv2_activation",
        "conv_block2_bn",
        "conv_block2_pool",
        "conv_block2_dropout",
        "flatten",
        "dense_block1_dense",
        "dense_block1_bn",
        "dense_block1_activation",
        "dense_block1_dropout",
        "predictions",
    ]
    keras.layers.Dropout(0.5)  # Keras's own counter past "dropout": the builder's names are its own
    assert _names(kerasdnn.lstm((5, 2), units=(4, 3), dropout=0.5)) == [
        "inputs",
        "lstm1",
        "lstm2",
        "bn",
        "dropout",
        "predictions",
    ]
    assert [kerasdnn.mlp((3,)).name, kerasdnn.cnn((8, 8, 1)).name, kerasdnn.lstm((5, 2)).name] == ["mlp", "cnn", "lstm"]


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "prelu", "maxout", keras.layers.ELU(), keras.ops.tanh])
def test_the_same_arguments_build_the_same_config_however_many_nets_came_before(activation):
    # No layer is left to Keras's counters (activation, activation_1, ...), so a recipe's net and
    # its zoo record's compare equal, and a saved model's layer names do not depend on what ran first.
    first = kerasdnn.mlp((4,), units=(4, 4), activation=activation).get_config()
    kerasdnn.cnn((8, 8, 1), filters=(2,), activation=activation)
    assert kerasdnn.mlp((4,), units=(4, 4), activation=activation).get_config() == first


def _names(model):
    return [layer.name for layer in model.layers]


def test_conv_block_defaults_are_the_decks():
    conv1, _, conv2, _, bn, pool = kerasdnn.conv_block(4, name="c")
    assert conv1.kernel_size == conv2.kernel_size == (3, 3) and conv1.padding == "same"
    assert conv1.filters == 4 and type(bn).__name__ == "BatchNormalization" and pool.pool_size == (2, 2)
    model = kerasdnn.cnn((8, 8, 1), filters=(2,), units=())
    assert [layer.kernel_size for layer in model.layers if type(layer).__name__ == "Conv2D"] == [(3, 3), (3, 3)]
    assert [layer.pool_size for layer in model.layers if type(layer).__name__ == "MaxPooling2D"] == [(2, 2)]


@pytest.mark.parametrize(
    "build, error, message",
    [
        (lambda: kerasdnn.conv_block(0), ValueError, "conv_block(): filters must be >= 1; received filters=0"),
        (lambda: kerasdnn.conv_block(2.5), TypeError, "conv_block(): filters must be an integer; received filters=2.5"),
        (lambda: kerasdnn.conv_block(4, convs=0), ValueError, "conv_block(): convs must be >= 1; received convs=0"),
        (
            lambda: kerasdnn.conv_block(4, convs=1.5),
            TypeError,
            "conv_block(): convs must be an integer; received convs=1.5",
        ),
        (
            lambda: kerasdnn.conv_block(4, dropout=1.0),
            ValueError,
            "conv_block(): dropout must be in [0, 1); received dropout=1.0",
        ),
        (
            lambda: kerasdnn.conv_block(4, dropout=-0.1),
            ValueError,
            "conv_block(): dropout must be in [0, 1); received dropout=-0.1",
        ),
        (lambda: kerasdnn.conv_block(4, kernel_regularizer="l3"), ValueError, "conv_block(): "),
        (lambda: kerasdnn.conv_block(4, kernel_initializer="he_norm"), ValueError, "conv_block(): "),
        (lambda: kerasdnn.dense_block(2.5), TypeError, "dense_block(): units must be an integer; received units=2.5"),
        (lambda: kerasdnn.dense_block(4, activity_regularizer="l3"), ValueError, "dense_block(): "),
        (
            lambda: kerasdnn.dense_block(4, activity_regularizer=-1.0),
            ValueError,
            "dense_block(): activity_regularizer must be >= 0; received activity_regularizer=-1.0",
        ),
        (lambda: kerasdnn.cnn((8, 8, 1), filters=(0,)), ValueError, "cnn(): filters"),
        (lambda: kerasdnn.cnn((8, 8, 1), units=(0,)), ValueError, "cnn(): units"),
        (lambda: kerasdnn.cnn((8, 8, 1), convs=0), ValueError, "cnn(): convs must be >= 1"),
        (lambda: kerasdnn.cnn((8, 8, 1), kernel_initializer="he_norm"), ValueError, "cnn(): "),
        (lambda: kerasdnn.cnn([8, 8, 0]), ValueError, "cnn(): input_shape"),
        (lambda: kerasdnn.lstm((5, 2), units=()), ValueError, "lstm(): units"),
        (lambda: kerasdnn.lstm((5, 2), units=(0,)), ValueError, "lstm(): units"),
        (lambda: kerasdnn.lstm((5, 2), classes=0), ValueError, "lstm(): classes must be >= 1; received classes=0"),
        (
            lambda: kerasdnn.lstm((5, 2), dropout=1.0),
            ValueError,
            "lstm(): dropout must be in [0, 1); received dropout=1.0",
        ),
        (lambda: kerasdnn.lstm((5, 0)), ValueError, "lstm(): input_shape"),
        # A builder's message names the builder called, not the block inside it.
        (lambda: kerasdnn.mlp((3,), dropout=1.5), ValueError, "mlp(): dropout must be in [0, 1); received dropout=1.5"),
        (lambda: kerasdnn.mlp((3,), order="bn_first"), ValueError, "mlp(): order must be one of"),
        (lambda: kerasdnn.mlp((3,), activation="relux"), ValueError, "mlp(): activation must be one of"),
        (lambda: kerasdnn.cnn((8, 8, 1), padding="full"), ValueError, "cnn(): padding must be one of same, valid"),
        (
            lambda: kerasdnn.cnn((8, 8, 1), dropout=2.0),
            ValueError,
            "cnn(): dropout must be in [0, 1); received dropout=2.0",
        ),
        # Each resolver the builders share names the builder called, too.
        (lambda: kerasdnn.mlp((3,), kernel_initializer="he_nromal"), ValueError, "mlp(): kernel_initializer must be"),
        (lambda: kerasdnn.cnn((8, 8, 1), kernel_regularizer=(0.1,)), ValueError, "cnn(): kernel_regularizer given"),
        (lambda: kerasdnn.mlp((3,), kernel_regularizer=-1.0), ValueError, "mlp(): kernel_regularizer must be >= 0"),
        (lambda: kerasdnn.dense_block(4, activation="relux"), ValueError, "dense_block(): activation must be"),
        # With the initializer given, the activation is resolved by the layer itself.
        (
            lambda: kerasdnn.conv_block(4, activation="relux", kernel_initializer="he_normal"),
            ValueError,
            "conv_block(): activation must be one of",
        ),
        (
            lambda: kerasdnn.conv_block(4, normalization="group", groups=3),
            ValueError,
            "conv_block(): groups must divide the 4 channels",
        ),
        (lambda: kerasdnn.lstm((5, 2), normalization="weight"), ValueError, "lstm(): normalization"),
        # Called directly, the resolvers name themselves.
        (lambda: kerasdnn.initializers.get("he_nromal"), ValueError, "get(): kernel_initializer must be"),
        (lambda: kerasdnn.regularizers.get((0.1,)), ValueError, "get(): kernel_regularizer given as strengths"),
        (
            lambda: kerasdnn.regularizers.get((-0.1, 0.0)),
            ValueError,
            "get(): kernel_regularizer[0] (l1) must be >= 0; received kernel_regularizer[0] (l1)=-0.1",
        ),
        (
            lambda: kerasdnn.mlp((3,), kernel_regularizer=(0.0, -0.2)),
            ValueError,
            "mlp(): kernel_regularizer[1] (l2) must be >= 0; received kernel_regularizer[1] (l2)=-0.2",
        ),
        (
            lambda: kerasdnn.regularizers.get({"class_name": "Nope"}),
            TypeError,
            "get(): kernel_regularizer must be None, an L2 strength, a pair (l1, l2) or a Keras regularizer; "
            "received kernel_regularizer={'class_name': 'Nope'}",
        ),
        (lambda: kerasdnn.optimizers.get("adamm"), ValueError, "get(): optimizer must be one of"),
        (lambda: kerasdnn.activation_layer("relux"), ValueError, "activation_layer(): activation must be"),
        (
            lambda: kerasdnn.normalizations.normalization_layer("group", "dense", 6, groups=4),
            ValueError,
            "normalization_layer(): groups must divide the 6 channels",
        ),
    ],
)
def test_builders_refuse_bad_arguments_naming_them(build, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}"):
        build()


@pytest.mark.parametrize(
    "resolver",
    [
        kerasdnn.initializers.get,
        kerasdnn.regularizers.get,
        kerasdnn.optimizers.get,
        kerasdnn.activation_layer,
        kerasdnn.normalizations.normalization_layer,
    ],
)
def test_public_resolvers_take_no_caller_name(resolver):
    # Which builder was called is kerasdnn's business, not a keyword of Keras-like get()s.
    assert "function" not in inspect.signature(resolver).parameters


def test_conv_block_passes_its_own_options_on():
    kinds = [type(layer).__name__ for layer in kerasdnn.conv_block(4, batch_norm=False)]
    assert kinds == ["Conv2D", "Activation", "Conv2D", "Activation", "MaxPooling2D"]
    assert [
        layer.name
        for layer in kerasdnn.conv_block(4, convs=1, dropout=0.5, name="c")
        if type(layer).__name__ != "Activation"
    ] == ["c_conv1", "c_bn", "c_pool", "c_dropout"]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: kerasdnn.cnn((8, 8, 1), normalization="batchnorm"), "cnn(): normalization must be one of"),
        (lambda: kerasdnn.cnn((8, 8, 1), normalization="instance", units=(0,)), "cnn(): units"),
        (lambda: kerasdnn.lstm((5, 2), normalization="batchnorm"), "lstm(): normalization must be one of"),
        (lambda: kerasdnn.lstm((5, 2), groups=4), "lstm(): groups applies to normalization='group' only"),
        (lambda: kerasdnn.cnn((8, 8, 1), groups=4), "cnn(): groups applies to normalization='group' only"),
        # Checked once by the builder, not only by blocks it may have none of.
        (
            lambda: kerasdnn.cnn((8, 8, 1), filters=(), units=(), groups=4),
            "cnn(): groups applies to normalization='group' only; received groups=4 with normalization='batch'",
        ),
        (
            lambda: kerasdnn.mlp((3,), units=(), groups=4),
            "mlp(): groups applies to normalization='group' only; received groups=4 with normalization='batch'",
        ),
        (
            lambda: kerasdnn.conv_block(4, groups=4),
            "conv_block(): groups applies to normalization='group' only; received groups=4 with normalization='batch'",
        ),
        (lambda: kerasdnn.conv_block(4, normalization="batchnorm"), "conv_block(): normalization must be one of"),
    ],
)
def test_the_normalization_arguments_are_checked_by_the_builder_called(build, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        build()


def test_groups_reach_every_group_normalization_of_each_builder():
    # Six units and six filters: Wu & He's default of 32 groups would not divide them.
    dense = kerasdnn.mlp((3,), units=(6, 6), normalization="group", groups=3)
    conv = kerasdnn.cnn((8, 8, 1), filters=(6,), units=(6,), normalization="group", groups=2)
    for model, expected in ((dense, [3, 3]), (conv, [2, 2])):
        assert [layer.groups for layer in model.layers if type(layer).__name__ == "GroupNormalization"] == expected


def test_a_maxout_convolution_has_the_pieces_as_filters():
    # Maxout takes the largest of two filters per output channel (Goodfellow et al. 2013).
    layers = kerasdnn.conv_block(3, activation="maxout", convs=2, batch_norm=False)
    assert [layer.filters for layer in layers if type(layer).__name__ == "Conv2D"] == [6, 6]
    assert keras.Sequential([keras.Input((4, 4, 1)), *layers]).output_shape == (None, 2, 2, 3)
