"""Normalizations by name: each one's statistics, the weight norm wrapper, the builders, the refusals."""

import os

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn.normalizations import WeightNormalization, initialize_from_data

pytestmark = [pytest.mark.xdist_group("normalizations"), pytest.mark.core]

EPSILON = 1e-3  # every Keras normalization layer's default


def _numpy(tensor):
    return keras.ops.convert_to_numpy(tensor)


def _standardize(x, axes):
    """(x − mean) / sqrt(var + ε) over `axes`, as every normalization here does before its scale and shift."""
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + EPSILON)


def _normalizer(model):
    """The one normalization layer of a block model, called on its own."""
    (layer,) = [layer for layer in model.layers if "norm" in type(layer).__name__.lower()]
    return layer


@pytest.fixture(scope="module")
def images():
    # Channels of different means and scales, so each normalization's axes matter.
    rng = np.random.default_rng(0)
    return (rng.normal(size=(6, 5, 4, 8)) * np.arange(1, 9) + np.arange(8) * 3).astype("float32")


# Which axes share one mean and variance (Wu & He 2018, Fig. 2), for (batch, height, width, channels).
CONV_AXES = {"batch": (0, 1, 2), "layer": (1, 2, 3), "instance": (1, 2)}


@pytest.mark.parametrize("normalization", ["batch", "layer", "instance"])
def test_conv_normalizations_use_their_own_axes(images, normalization):
    layer = kerasdnn.normalizations.normalization_layer(normalization, "conv", 8)
    out = _numpy(layer(images, training=True))
    np.testing.assert_allclose(out, _standardize(images, CONV_AXES[normalization]), rtol=1e-4, atol=1e-4)


def test_group_normalization_normalizes_each_group_of_channels_of_one_sample(images):
    out = _numpy(kerasdnn.normalizations.normalization_layer("group", "conv", 8, groups=2)(images))
    grouped = images.reshape(6, 5, 4, 2, 4)
    expected = _standardize(grouped, (1, 2, 4)).reshape(images.shape)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    # Two groups are not one (layer norm) and not eight (instance norm).
    assert not np.allclose(out, _standardize(images, (1, 2, 3)), atol=1e-2)
    assert not np.allclose(out, _standardize(images, (1, 2)), atol=1e-2)


def test_group_normalization_defaults_to_32_groups():
    assert kerasdnn.normalizations.normalization_layer("group", "conv", 64).groups == 32
    assert kerasdnn.normalizations.normalization_layer("group", "dense", 64, groups=4).groups == 4


@pytest.mark.parametrize("normalization, axes", [("layer", (1,)), ("batch", (0,))])
def test_dense_normalizations(normalization, axes):
    x = (np.random.default_rng(1).normal(size=(7, 6)) * [1, 2, 3, 4, 5, 6] + 10).astype("float32")
    out = _numpy(kerasdnn.normalizations.normalization_layer(normalization, "dense", 6)(x, training=True))
    np.testing.assert_allclose(out, _standardize(x, axes), rtol=1e-4, atol=1e-4)


def test_only_batch_norm_depends_on_the_rest_of_the_batch(images):
    # One sample normalized alone or inside its batch: the same for every
    # normalization of one sample, not for batch norm.
    for normalization in ("layer", "group", "instance", "batch"):
        layer = kerasdnn.normalizations.normalization_layer(
            normalization, "conv", 8, groups=4 if normalization == "group" else None
        )
        alone = _numpy(layer(images[:2], training=True))[0]
        in_batch = _numpy(layer(images, training=True))[0]
        assert np.allclose(alone, in_batch, atol=1e-4) == (normalization != "batch"), normalization


# The weight norm wrapper (Salimans & Kingma 2016).


def _weight_normalized_dense(units=3, **options):
    layer = WeightNormalization(keras.layers.Dense(units, **options))
    layer.build((None, 4))
    return layer


def test_weight_norm_computes_g_times_the_unit_direction_plus_the_bias():
    layer = _weight_normalized_dense(3, activation="tanh", bias_initializer="ones")
    layer.g.assign(np.array([0.5, 2.0, 3.0], "float32"))
    v = _numpy(layer.layer.kernel)
    x = np.random.default_rng(2).normal(size=(5, 4)).astype("float32")
    expected = np.tanh(x @ (v / np.linalg.norm(v, axis=0) * [0.5, 2.0, 3.0]) + 1.0)
    np.testing.assert_allclose(_numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)
    # The direction's own length does not matter: only g sets the length.
    layer.layer.kernel.assign(v * 7.0)
    np.testing.assert_allclose(_numpy(layer(x)), expected, rtol=1e-5, atol=1e-6)


def test_weight_norm_starts_as_the_wrapped_layer():
    dense = keras.layers.Dense(3)
    wrapped = WeightNormalization(dense)
    x = np.random.default_rng(3).normal(size=(5, 4)).astype("float32")
    out = _numpy(wrapped(x))
    np.testing.assert_allclose(_numpy(wrapped.g), np.linalg.norm(_numpy(dense.kernel), axis=0), rtol=1e-6)
    np.testing.assert_allclose(out, _numpy(dense(x)), rtol=1e-5, atol=1e-6)


def test_weight_norm_of_a_convolution_normalizes_each_filter():
    conv = keras.layers.Conv2D(3, 2, padding="valid")
    wrapped = WeightNormalization(conv)
    x = np.random.default_rng(4).normal(size=(2, 5, 5, 2)).astype("float32")
    wrapped(x)
    wrapped.g.assign(np.array([1.0, 2.0, 0.5], "float32"))
    v = _numpy(conv.kernel)
    reference = keras.layers.Conv2D(3, 2, padding="valid")
    reference.build(x.shape)
    reference.kernel.assign(v / np.sqrt((v**2).sum(axis=(0, 1, 2))) * [1.0, 2.0, 0.5])
    np.testing.assert_allclose(_numpy(wrapped(x)), _numpy(reference(x)), rtol=1e-4, atol=1e-5)


def test_weight_norm_adds_epsilon_under_the_square_root():
    # A large epsilon makes ‖v‖ = sqrt(Σv² + ε) tell apart from sqrt(Σv²) + ε.
    layer = WeightNormalization(keras.layers.Dense(2, use_bias=False), epsilon=9.0)
    layer.build((None, 2))
    initial = _numpy(layer.layer.kernel)
    np.testing.assert_allclose(_numpy(layer.g), np.sqrt((initial**2).sum(axis=0) + 9.0), rtol=1e-6)
    layer.layer.kernel.assign(np.array([[3.0, 0.0], [4.0, 1.0]], "float32"))  # Σv² per unit: 25 and 1
    layer.g.assign(np.ones(2, "float32"))
    expected = np.array([[3.0, 0.0], [4.0, 1.0]]) / [np.sqrt(34.0), np.sqrt(10.0)]
    np.testing.assert_allclose(_numpy(layer.normalized_kernel()), expected, rtol=1e-6)
    np.testing.assert_allclose(_numpy(layer(np.array([[1.0, 1.0]], "float32"))), [expected.sum(axis=0)], rtol=1e-6)


def test_weight_norm_of_a_channels_first_convolution_adds_the_bias_per_channel():
    try:
        keras.layers.Conv2D(1, 1, data_format="channels_first")(np.zeros((1, 1, 2, 2), "float32"))
    except Exception as error:  # TensorFlow's own CPU kernel, without oneDNN (CPUs without AVX-512), is NHWC only
        pytest.skip(f"this backend cannot run a channels_first Conv2D on this device: {type(error).__name__}")
    conv = keras.layers.Conv2D(3, 2, data_format="channels_first", bias_initializer="random_normal")
    wrapped = WeightNormalization(conv)
    x = np.random.default_rng(9).normal(size=(2, 2, 5, 6)).astype("float32")
    wrapped(x)
    wrapped.g.assign(np.array([1.0, 2.0, 0.5], "float32"))
    conv.bias.assign(np.array([1.0, -2.0, 3.0], "float32"))
    v = _numpy(conv.kernel)
    w = v / np.sqrt((v**2).sum(axis=(0, 1, 2))) * [1.0, 2.0, 0.5]
    # The same convolution by hand, channels on axis 1: out[n, o, i, j] = Σ x[n, c, i+a, j+b] · w[a, b, c, o] + bias[o].
    windows = np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(2, 3))  # (n, c, 4, 5, a, b)
    expected = np.einsum("ncijab,abco->noij", windows, w) + np.array([1.0, -2.0, 3.0])[None, :, None, None]
    np.testing.assert_allclose(_numpy(wrapped(x)), expected, rtol=1e-4, atol=1e-5)


def test_weight_norm_gradient_steps_of_the_direction_are_orthogonal_to_it():
    # Salimans & Kingma's eq. 4: ∇v L = (g / ‖v‖) M ∇w L with M projecting
    # away from w, so a gradient step moves v at right angles to itself, and
    # its norm grows (their §2.1).
    model = keras.Sequential([keras.Input((4,)), WeightNormalization(keras.layers.Dense(3))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    x = np.random.default_rng(5).normal(size=(8, 4)).astype("float32")
    v = _numpy(model.layers[0].layer.kernel)
    model.train_on_batch(x, np.random.default_rng(6).normal(size=(8, 3)).astype("float32"))
    step = _numpy(model.layers[0].layer.kernel) - v
    assert np.abs(step).max() > 1e-3
    np.testing.assert_allclose((v * step).sum(axis=0) / np.linalg.norm(step, axis=0), 0.0, atol=1e-4)
    assert (np.linalg.norm(v + step, axis=0) > np.linalg.norm(v, axis=0)).all()


@pytest.mark.parametrize(
    "layer, input_shape, output_shape",
    [
        (keras.layers.Dense(3, activation="relu"), (2, 4), (2, 3)),
        (keras.layers.Conv2D(3, 2), (2, 5, 5, 2), (2, 4, 4, 3)),
    ],
)
def test_weight_norm_passes_keras_layer_checks(layer, input_shape, output_shape):
    from keras.src import testing  # Keras's own layer test, the bar

    case = testing.TestCase()
    case.run_layer_test(
        WeightNormalization,
        init_kwargs={"layer": layer},
        input_shape=input_shape,
        expected_output_shape=output_shape,
        expected_num_trainable_weights=3,
        expected_num_non_trainable_weights=0,
        supports_masking=False,
        run_training_check=True,
        run_mixed_precision_check=True,
    )


@pytest.mark.parametrize("normalization", [None, "batch", "layer", "group", "instance", "weight"])
def test_every_normalization_round_trips_through_a_keras_file(tmp_path, normalization):
    model = kerasdnn.cnn(
        (8, 8, 1), filters=(4,), units=(), normalization=normalization, groups=2 if normalization == "group" else None
    )
    x = np.random.default_rng(6).normal(size=(3, 8, 8, 1)).astype("float32")
    model.compile(loss="sparse_categorical_crossentropy", optimizer="sgd")
    model.fit(x, np.array([0, 1, 2]), epochs=1, verbose=0)  # moves every variable off its initial value
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(_numpy(loaded.predict(x, verbose=0)), _numpy(model.predict(x, verbose=0)))
    assert [type(layer).__name__ for layer in loaded.layers] == [type(layer).__name__ for layer in model.layers]


def test_weight_norm_keeps_its_epsilon_through_config_and_keras_file(tmp_path):
    layer = WeightNormalization(keras.layers.Dense(2), epsilon=4.0, name="wn")
    assert WeightNormalization.from_config(layer.get_config()).epsilon == 4.0
    model = keras.Sequential([keras.Input((3,)), layer])
    model.layers[0].g.assign(np.array([1.5, 0.5], "float32"))  # g no longer cancels ‖v‖: ε changes the output
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_layer("wn").epsilon == 4.0
    x = np.random.default_rng(10).normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(_numpy(loaded.predict(x, verbose=0)), _numpy(model.predict(x, verbose=0)), rtol=1e-6)


def test_data_dependent_init_standardizes_every_pre_activation():
    model = kerasdnn.mlp((6,), units=(5, 4), normalization="weight", activation="tanh")
    x = (np.random.default_rng(7).normal(size=(256, 6)) * 3 + 2).astype("float32")
    assert initialize_from_data(model, x) is model
    for name in ("block1_wn", "block2_wn"):
        layer = model.get_layer(name)
        before_activation = keras.Model(model.input, layer.input)(x)
        pre = _numpy(layer.linear(before_activation, layer.normalized_kernel() * layer.g) + layer.layer.bias)
        np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-4)
        np.testing.assert_allclose(pre.std(axis=0), 1.0, atol=1e-3)


def test_data_dependent_init_of_a_convolution():
    model = kerasdnn.cnn((8, 8, 2), filters=(3,), convs=1, units=(), normalization="weight")
    x = (np.random.default_rng(8).normal(size=(32, 8, 8, 2)) * 4 - 1).astype("float32")
    initialize_from_data(model, x)
    layer = model.get_layer("conv_block1_conv1_wn")
    pre = _numpy(layer.linear(x, layer.normalized_kernel() * layer.g) + layer.layer.bias)
    np.testing.assert_allclose(pre.mean(axis=(0, 1, 2)), 0.0, atol=1e-4)
    np.testing.assert_allclose(pre.std(axis=(0, 1, 2)), 1.0, atol=1e-3)


def test_data_dependent_init_sees_the_inputs_as_inference_gives_them():
    # Batch norm before the wrapped layer: its moving statistics, not the
    # batch's, shape what the wrapped layer sees after training, and the init
    # must not move them.
    inputs = keras.Input((3,))
    norm = keras.layers.BatchNormalization()
    wrapped = WeightNormalization(keras.layers.Dense(2))
    model = keras.Model(inputs, wrapped(norm(inputs)))
    norm.moving_mean.assign(np.array([5.0, -5.0, 0.0], "float32"))
    norm.moving_variance.assign(np.array([0.25, 4.0, 9.0], "float32"))
    x = np.random.default_rng(11).normal(size=(128, 3)).astype("float32")
    initialize_from_data(model, x)
    np.testing.assert_array_equal(_numpy(norm.moving_mean), [5.0, -5.0, 0.0])
    pre = _numpy(model(x, training=False))  # no activation: the pre-activation itself
    np.testing.assert_allclose(pre.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(pre.std(axis=0), 1.0, atol=1e-3)


# The builders place the normalization asked for.


@pytest.mark.parametrize(
    "normalization, kind",
    [
        ("batch", "BatchNormalization"),
        ("layer", "LayerNormalization"),
        ("group", "GroupNormalization"),
    ],
)
@pytest.mark.parametrize(
    "order, expected",
    [
        ("dense_bn_activation_dropout", ["Dense", "norm", "Activation", "Dropout"]),
        ("dense_activation_bn_dropout", ["Dense", "Activation", "norm", "Dropout"]),
        ("dense_activation_dropout_bn", ["Dense", "Activation", "Dropout", "norm"]),
    ],
)
def test_dense_block_puts_the_normalization_in_batch_norms_place(normalization, kind, order, expected):
    layers = kerasdnn.dense_block(
        8,
        "relu",
        normalization=normalization,
        groups=2 if normalization == "group" else None,
        dropout=0.5,
        order=order,
        name="b",
    )
    assert [type(layer).__name__ for layer in layers] == [kind if part == "norm" else part for part in expected]
    suffix = {"batch": "bn", "layer": "ln", "group": "gn"}[normalization]
    assert layers[expected.index("norm")].name == f"b_{suffix}"
    # A normalization's own shift makes the bias redundant only right after the Dense layer.
    assert layers[0].use_bias == (order != "dense_bn_activation_dropout")


def test_weight_norm_in_a_dense_block_wraps_the_dense_layer_and_keeps_its_bias():
    layers = kerasdnn.dense_block(8, "relu", normalization="weight", kernel_regularizer=0.5, name="b")
    assert [type(layer).__name__ for layer in layers] == ["WeightNormalization", "Activation"]
    assert layers[0].name == "b_wn" and layers[0].layer.name == "b_dense"
    assert layers[0].layer.use_bias and layers[0].layer.units == 8
    assert layers[0].layer.kernel_regularizer.l2 == pytest.approx(0.5)
    assert type(layers[0].layer.kernel_initializer).__name__ == "HeNormal"


def test_group_norm_before_maxout_counts_the_pieces():
    # Before the activation the Dense layer has units × pieces outputs.
    assert kerasdnn.dense_block(3, "maxout", normalization="group", groups=6)[1].groups == 6
    with pytest.raises(ValueError, match=r"groups must divide the 3 channels it normalizes; received groups=6"):
        kerasdnn.dense_block(3, "maxout", normalization="group", groups=6, order="dense_activation_bn_dropout")


def test_batch_norm_is_the_shorthand_it_was():
    for batch_norm, kinds in ((True, ["Dense", "BatchNormalization", "Activation"]), (False, ["Dense", "Activation"])):
        assert [type(layer).__name__ for layer in kerasdnn.dense_block(4, batch_norm=batch_norm)] == kinds
        same = kerasdnn.mlp((3,), units=(4,), batch_norm=batch_norm)
        other = kerasdnn.mlp((3,), units=(4,), normalization="batch" if batch_norm else None)
        assert [type(layer).__name__ for layer in same.layers] == [type(layer).__name__ for layer in other.layers]
        assert same.count_params() == other.count_params()


@pytest.mark.parametrize(
    "normalization, per_block",
    [
        (None, []),
        ("batch", ["BatchNormalization"]),
        ("layer", ["GroupNormalization"]),
        ("group", ["GroupNormalization"]),
        ("instance", ["GroupNormalization"]),
        ("weight", []),
    ],
)
def test_cnn_normalizes_every_block_before_pooling(normalization, per_block):
    model = kerasdnn.cnn(
        (8, 8, 1),
        filters=(4, 8),
        convs=2,
        units=(),
        normalization=normalization,
        groups=2 if normalization == "group" else None,
    )
    conv = "WeightNormalization" if normalization == "weight" else "Conv2D"
    block = [conv, "Activation", conv, "Activation", *per_block, "MaxPooling2D"]
    assert [type(layer).__name__ for layer in model.layers[1:]] == block * 2 + ["Flatten", "Dense"]
    norms = [layer for layer in model.layers if type(layer).__name__ == "GroupNormalization"]
    # Built, instance norm's groups=-1 becomes one group per channel.
    expected_groups = {"layer": [1, 1], "group": [2, 2], "instance": [4, 8]}.get(normalization, [])
    assert [layer.groups for layer in norms] == expected_groups


def test_mlp_and_lstm_take_the_normalization_by_name():
    model = kerasdnn.mlp((3,), units=(4, 6), normalization="layer")
    assert [type(layer).__name__ for layer in model.layers[1:]] == ["Dense", "LayerNormalization", "Activation"] * 2 + [
        "Dense"
    ]
    assert [layer.use_bias for layer in model.layers if type(layer).__name__ == "Dense"] == [False, False, True]
    # After an LSTM's last output, as after a Dense layer, layer norm is Keras's LayerNormalization.
    layered = kerasdnn.lstm((5, 2), units=(4,), normalization="layer")
    assert [type(layer).__name__ for layer in layered.layers[1:]] == ["LSTM", "LayerNormalization", "Dense"]
    recurrent = kerasdnn.lstm((5, 2), units=(4, 8), normalization="group", groups=4)
    assert [type(layer).__name__ for layer in recurrent.layers[1:]] == ["LSTM", "LSTM", "GroupNormalization", "Dense"]
    assert recurrent.get_layer("gn").groups == 4
    assert [type(layer).__name__ for layer in kerasdnn.lstm((5, 2), normalization=None).layers[1:]] == ["LSTM", "Dense"]
    assert kerasdnn.lstm((5, 2), batch_norm=True).get_layer("bn")


def _kinds(model):
    return {type(layer).__name__ for layer in model.layers}


def test_zoo_records_take_another_normalization():
    assert "GroupNormalization" in _kinds(kerasdnn.zoo.create_model("hanbat_bn_cnn", normalization="instance"))
    assert "BatchNormalization" not in _kinds(kerasdnn.zoo.create_model("hanbat_bn_cnn", normalization="instance"))
    assert "LayerNormalization" in _kinds(kerasdnn.zoo.create_model("tobigs_linear", normalization="layer"))
    assert "WeightNormalization" in _kinds(kerasdnn.zoo.create_model("tobigs_bn", normalization="weight"))
    # batch_norm= replaces the record's normalization, whichever it is.
    assert "BatchNormalization" not in _kinds(kerasdnn.zoo.create_model("tobigs_bn", batch_norm=False))
    assert "BatchNormalization" in _kinds(kerasdnn.zoo.create_model("hanbat_optimizer_net", batch_norm=True))
    with pytest.raises(
        TypeError, match=r"create_model\(\): batch_norm must be True or False; received batch_norm='no'"
    ):
        kerasdnn.zoo.create_model("tobigs_bn", batch_norm="no")


# Refusals name the argument, what is allowed and what was received.


@pytest.mark.parametrize(
    "build, message",
    [
        (
            lambda: kerasdnn.dense_block(4, normalization="instance"),
            r"dense_block\(\): normalization='instance' does not apply here: instance normalization normalizes each "
            r"channel of one sample over its spatial positions, and a Dense output has none",
        ),
        (lambda: kerasdnn.mlp((3,), normalization="instance"), r"normalization='instance' does not apply here"),
        (lambda: kerasdnn.lstm((5, 2), normalization="instance"), r"an LSTM's last output has none"),
        (
            lambda: kerasdnn.lstm((5, 2), normalization="weight"),
            r"lstm\(\): normalization='weight' does not apply here: weight normalization reparameterizes the kernel of a "
            r"Dense or Conv layer, and an LSTM's kernels are inside its cell",
        ),
        (
            lambda: kerasdnn.cnn((8, 8, 1), normalization="instance"),
            r"cnn\(\): normalization='instance' does not apply to the Dense blocks after flattening.*units=\(\).*"
            r"received units=\(128,\)",
        ),
        (
            lambda: kerasdnn.conv_block(12, normalization="group", groups=5),
            r"conv_block\(\): groups must divide the 12 channels it normalizes; received groups=5",
        ),
        (
            lambda: kerasdnn.conv_block(12, normalization="group"),
            r"groups must divide the 12 channels it normalizes; received groups=32",
        ),
        (
            lambda: kerasdnn.mlp((3,), normalization="batchnorm"),
            r"mlp\(\): normalization must be one of batch, group, instance, layer, weight; received "
            r"normalization='batchnorm' \(did you mean 'batch'\?\)",
        ),
        (
            lambda: kerasdnn.dense_block(4, normalization="layer", batch_norm=True),
            r"dense_block\(\): batch_norm=True contradicts normalization='layer'; pass only normalization=",
        ),
        (
            lambda: kerasdnn.cnn((8, 8, 1), normalization=None, batch_norm=True),
            r"batch_norm=True contradicts normalization=None",
        ),
        (
            lambda: kerasdnn.lstm((5, 2), normalization="group", batch_norm=False),
            r"batch_norm=False contradicts normalization='group'",
        ),
        (
            lambda: kerasdnn.mlp((3,), groups=4),
            r"mlp\(\): groups applies to normalization='group' only; received groups=4 with normalization='batch'",
        ),
        (lambda: kerasdnn.dense_block(4, normalization="group", groups=0), r"dense_block\(\): groups must be"),
    ],
)
def test_bad_normalization_arguments_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_weight_norm_refuses_a_layer_without_a_kernel():
    with pytest.raises(
        TypeError,
        match=r"WeightNormalization\(\): layer must be a keras.layers.Dense, Conv1D, Conv2D "
        r"or Conv3D: a layer with a kernel; received layer=.*Dropout",
    ):
        WeightNormalization(keras.layers.Dropout(0.5))
    with pytest.raises(TypeError, match=r"dense_block\(\): batch_norm must be True or False; received batch_norm=1"):
        kerasdnn.dense_block(4, batch_norm=1)


def test_data_dependent_init_needs_weight_norm():
    with pytest.raises(
        ValueError,
        match=r"initialize_from_data\(\): model 'mlp' has no WeightNormalization layer; "
        r"build it with normalization='weight'",
    ):
        initialize_from_data(kerasdnn.mlp((3,), units=(4,)), np.zeros((2, 3), "float32"))
