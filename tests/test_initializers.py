import re

import keras
import numpy as np
import pytest

import kerasdnn

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("initializers")


def _kernel(initializer, shape=(1000, 500)):
    return keras.ops.convert_to_numpy(keras.initializers.get(initializer)(shape))


def test_he_normal_std_is_sqrt_two_over_fan_in(seed):
    # He et al. 2015: Var(W) = 2 / fan_in keeps ReLU activations' variance.
    assert _kernel("he_normal").std() == pytest.approx(np.sqrt(2 / 1000), rel=0.05)


def test_glorot_uniform_std(seed):
    assert _kernel("glorot_uniform").std() == pytest.approx(np.sqrt(2 / 1500), rel=0.05)


@pytest.mark.parametrize("name, std", [("small_random_normal", 0.01), ("big_random_normal", 1.0)])
def test_fixed_normals_resolve_by_name_with_their_std(seed, name, std):
    kernel = _kernel(name)
    assert kernel.std() == pytest.approx(std, rel=0.02)
    assert abs(kernel.mean()) < 0.01 * std


def test_lsuv_alone_is_orthonormal(seed):
    kernel = _kernel("lsuv", (64, 64))
    np.testing.assert_allclose(kernel.T @ kernel, np.eye(64), atol=1e-4)


@pytest.mark.core
def test_lsuv_gives_unit_output_variance_per_layer(seed):
    model = kerasdnn.mlp((100,), units=(64, 64, 64), batch_norm=False, activation="tanh", kernel_initializer="lsuv")
    x = np.random.default_rng(0).normal(size=(256, 100)).astype("float32") * 5.0
    variances = kerasdnn.lsuv_initialize(model, x, tolerance=0.05)
    assert sorted(variances) == ["block1_dense", "block2_dense", "block3_dense", "predictions"]
    for name in ("block1_dense", "block2_dense", "block3_dense"):
        probe = keras.Model(model.input, model.get_layer(name).output)
        assert np.var(keras.ops.convert_to_numpy(probe(x))) == pytest.approx(1.0, abs=0.05)
    # The softmax classifier is scaled on its logits, then keeps its softmax.
    assert variances["predictions"] == pytest.approx(1.0, abs=0.05)
    assert model.get_layer("predictions").activation is keras.activations.softmax


def test_lsuv_rejects_layers_without_kernel(seed):
    model = kerasdnn.mlp((10,), units=(4,))
    with pytest.raises(
        ValueError,
        match=r"^lsuv_initialize\(\): layers must have a kernel \(Dense, Conv\); received layer 'block1_bn' of type BatchNormalization$",
    ):
        kerasdnn.lsuv_initialize(model, np.zeros((8, 10)), layers=[model.get_layer("block1_bn")])


def test_unknown_initializer_suggests_close_match():
    with pytest.raises(
        ValueError,
        match=r"^dense_block\(\): kernel_initializer must be one of .*received kernel_initializer='he_nromal' \(did you mean 'he_normal'",
    ):
        kerasdnn.dense_block(8, kernel_initializer="he_nromal")


def test_custom_initializers_survive_config_round_trip():
    for cls in (kerasdnn.SmallRandomNormal, kerasdnn.BigRandomNormal, kerasdnn.LSUV):
        restored = keras.initializers.deserialize(keras.initializers.serialize(cls(seed=3)))
        assert type(restored) is cls
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(restored((4, 4))), keras.ops.convert_to_numpy(cls(seed=3)((4, 4)))
        )


def _linear_net():
    # Linear layers without bias: one rescale by 1/std makes the variance exactly 1.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20,))
    hidden = keras.layers.Dense(16, use_bias=False, name="first")(inputs)
    return keras.Model(inputs, keras.layers.Dense(8, use_bias=False, name="second")(hidden))


def _variance(model, name, x):
    return float(np.var(keras.ops.convert_to_numpy(keras.Model(model.input, model.get_layer(name).output)(x))))


def test_lsuv_iterations_tolerance_and_layers_do_what_they_say():
    x = np.random.default_rng(1).normal(size=(128, 20)).astype("float32") * 3.0
    model = _linear_net()
    before = _variance(model, "first", x)
    assert abs(before - 1.0) > 0.5
    # One iteration measures, rescales once, and reports what it measured.
    assert kerasdnn.lsuv_initialize(model, x, max_iterations=1, layers=[model.get_layer("first")]) == {
        "first": pytest.approx(before, rel=1e-5)
    }
    assert _variance(model, "first", x) == pytest.approx(1.0, rel=1e-4)
    # Two or more: the second measurement is within the tolerance, and is reported.
    model = _linear_net()
    variances = kerasdnn.lsuv_initialize(model, x, layers=model.layers[1:])
    assert variances == {"first": pytest.approx(1.0, rel=1e-4), "second": pytest.approx(1.0, rel=1e-4)}
    # A tolerance wider than the distance to 1: nothing is rescaled.
    model = _linear_net()
    kernel = keras.ops.convert_to_numpy(model.get_layer("first").kernel)
    assert kerasdnn.lsuv_initialize(model, x, tolerance=before + 1, layers=[model.get_layer("first")]) == {
        "first": pytest.approx(before, rel=1e-5)
    }
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(model.get_layer("first").kernel), kernel)
    # Without layers=, only the layers initialized with "lsuv" are visited.
    assert kerasdnn.lsuv_initialize(_linear_net(), x) == {}


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"tolerance": 0}, ValueError, "lsuv_initialize(): tolerance must be > 0; received tolerance=0"),
        (
            {"max_iterations": 0},
            ValueError,
            "lsuv_initialize(): max_iterations must be >= 1; received max_iterations=0",
        ),
        (
            {"max_iterations": 2.5},
            TypeError,
            "lsuv_initialize(): max_iterations must be an integer; received max_iterations=2.5",
        ),
    ],
)
def test_lsuv_refuses_bad_settings(arguments, error, message):
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        kerasdnn.lsuv_initialize(_linear_net(), np.zeros((4, 20), "float32"), **arguments)


def test_lsuv_measures_in_inference_mode_and_stops_at_the_tolerance():
    # Dropout before the second layer: measured in training mode its input
    # would be dropped and rescaled by 2, and the layer would be set for that.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20,))
    hidden = keras.layers.Dropout(0.5)(keras.layers.Dense(16, use_bias=False, name="first")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(8, use_bias=False, activation="softmax", name="second")(hidden))
    x = np.random.default_rng(2).normal(size=(256, 20)).astype("float32") * 3.0
    kerasdnn.lsuv_initialize(model, x, tolerance=0.01, layers=[model.get_layer("first"), model.get_layer("second")])
    # Measured before the softmax, which stays on.
    second = model.get_layer("second")
    assert second.activation is keras.activations.softmax
    second.activation = keras.activations.linear
    assert _variance(model, "second", x) == pytest.approx(1.0, abs=0.01)
    # Within the tolerance means strictly nearer: at exactly the tolerance it rescales.
    model = _linear_net()
    before = _variance(model, "first", x)
    kerasdnn.lsuv_initialize(model, x, tolerance=abs(before - 1.0), max_iterations=1, layers=[model.get_layer("first")])
    assert _variance(model, "first", x) == pytest.approx(1.0, rel=1e-4)


def test_initializer_names_and_configs():
    assert {"lsuv", "small_random_normal", "big_random_normal", "he_normal", "glorot_uniform"} <= set(
        kerasdnn.initializers.names()
    )
    for name, cls, std in (
        ("small_random_normal", kerasdnn.SmallRandomNormal, 0.01),
        ("big_random_normal", kerasdnn.BigRandomNormal, 1.0),
    ):
        initializer = kerasdnn.initializers.get(name)
        assert type(initializer) is cls and initializer.stddev == std and initializer.mean == 0.0
        assert cls(seed=4).get_config() == {"seed": 4}
    assert kerasdnn.LSUV(seed=2).get_config() == {"seed": 2} and kerasdnn.LSUV().gain == 1.0
    assert type(kerasdnn.initializers.get({"class_name": "HeUniform", "config": {}})).__name__ == "HeUniform"
    with pytest.raises(ValueError, match=r"^get\(\): could not interpret kernel_initializer=3: "):
        kerasdnn.initializers.get(3)


def _lsuv_by_hand(kernel, bias, x, iterations):
    """LSUV's rescaling loop in NumPy: the kernel after `iterations` passes that never reach the band."""
    for _ in range(iterations):
        kernel = kernel / np.sqrt(np.var(x @ kernel + bias))
    return kernel


def test_lsuv_stops_after_max_iterations_ten_by_default():
    # Biases spread over ±2 keep the output's variance near 4 however small
    # the kernel gets: the band around 1 is never reached, so every pass runs.
    keras.utils.set_random_seed(0)
    inputs = keras.Input((20,))
    layer = keras.layers.Dense(8, name="held")
    model = keras.Model(inputs, layer(inputs))
    bias = np.linspace(-2.0, 2.0, 8).astype("float32")
    layer.bias.assign(bias)
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    x = np.random.default_rng(3).normal(size=(64, 20)).astype("float32")
    kerasdnn.lsuv_initialize(model, x, layers=[layer])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.kernel), _lsuv_by_hand(kernel, bias, x, 10), rtol=1e-4)
    layer.kernel.assign(kernel)
    kerasdnn.lsuv_initialize(model, x, max_iterations=3, layers=[layer])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.kernel), _lsuv_by_hand(kernel, bias, x, 3), rtol=1e-4)


def test_lsuv_leaves_a_dead_layer_alone_and_rescales_layers_without_an_activation():
    # A zero kernel outputs zeros: dividing by its standard deviation would fill it with NaN.
    inputs = keras.Input((20,))
    dead = keras.layers.Dense(8, kernel_initializer="zeros", use_bias=False, name="dead")
    model = keras.Model(inputs, dead(inputs))
    x = np.random.default_rng(4).normal(size=(32, 20)).astype("float32")
    assert kerasdnn.lsuv_initialize(model, x, layers=[dead]) == {"dead": 0.0}
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(dead.kernel), np.zeros((20, 8)))

    class Projection(keras.layers.Layer):
        """A layer with a kernel and no `activation` attribute at all."""

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 4), initializer="ones")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.kernel)

    projection = Projection(name="projection")
    model = keras.Model(inputs, projection(inputs))
    kerasdnn.lsuv_initialize(model, x, layers=[projection])
    assert _variance(model, "projection", x) == pytest.approx(1.0, abs=0.1)


def test_custom_initializers_are_registered_under_kerasdnn_and_by_their_short_names():
    # The registered names are what `.keras` files store: they must never change.
    for name, cls in (
        ("small_random_normal", kerasdnn.SmallRandomNormal),
        ("big_random_normal", kerasdnn.BigRandomNormal),
        ("lsuv", kerasdnn.LSUV),
    ):
        assert keras.saving.get_registered_name(cls) == f"kerasdnn>{cls.__name__}"
        assert keras.saving.get_registered_object(f"kerasdnn>{cls.__name__}") is cls
        assert keras.saving.get_custom_objects()[name] is cls
    assert {"lsuv", "small_random_normal", "big_random_normal"} <= set(kerasdnn.initializers._ALIASES)
    assert None not in kerasdnn.initializers.names()
