import keras
import numpy as np
import pytest

import kerasdnn

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("activations")


def _apply(layer, values):
    return keras.ops.convert_to_numpy(layer(np.array(values, dtype="float32")))


def test_step_is_heaviside():
    np.testing.assert_array_equal(_apply(kerasdnn.activation_layer("step"), [[-2.0, 0.0, 0.5]]), [[0, 0, 1]])


def test_leaky_relu_uses_the_decks_slope():
    layer = kerasdnn.activation_layer("leaky_relu")
    np.testing.assert_allclose(_apply(layer, [[-100.0, 3.0]]), [[-1.0, 3.0]])


def test_very_leaky_relu_slope_is_one_third():
    np.testing.assert_allclose(
        _apply(kerasdnn.activation_layer("very_leaky_relu"), [[-3.0, 2.0]]), [[-1.0, 2.0]], rtol=1e-6
    )


@pytest.mark.core
def test_maxout_takes_max_over_consecutive_pieces():
    np.testing.assert_array_equal(_apply(kerasdnn.Maxout(pieces=3), [[1, 9, 2, -1, -5, -2]]), [[9, -1]])


@pytest.mark.core
def test_maxout_on_feature_maps_keeps_spatial_axes():
    assert kerasdnn.Maxout(2)(np.zeros((2, 5, 5, 8), "float32")).shape == (2, 5, 5, 4)


def test_maxout_rejects_indivisible_features():
    with pytest.raises(
        ValueError,
        match=r"^Maxout\(\): the last axis must be a multiple of pieces=3; received input shape \(None, 4\)$",
    ):
        keras.Sequential([keras.Input((4,)), kerasdnn.Maxout(3)])


def test_prelu_layers_are_copied_not_shared():
    template = keras.layers.PReLU()
    first, second = kerasdnn.activation_layer(template), kerasdnn.activation_layer(template)
    assert isinstance(first, keras.layers.PReLU) and first is not second and first is not template


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "elu"])
def test_keras_functions_become_activation_layers(name):
    layer = kerasdnn.activation_layer(name)
    assert isinstance(layer, keras.layers.Activation) and layer.activation is keras.activations.get(name)


@pytest.mark.parametrize(
    "activation",
    [*sorted(set(kerasdnn.activations.names()) - {"linear"}), keras.activations.tanh, keras.layers.PReLU(name="p")],
    ids=lambda activation: activation if isinstance(activation, str) else type(activation).__name__,
)
def test_the_layer_takes_the_name_asked_for(activation):
    assert kerasdnn.activation_layer(activation, name="act").name == "act"


def test_a_callable_becomes_the_layer_it_computes():
    layer = kerasdnn.activation_layer(keras.activations.tanh)
    np.testing.assert_allclose(_apply(layer, [[-1.0, 0.5]]), np.tanh([[-1.0, 0.5]]), rtol=1e-6)


def test_identity_gives_no_layer():
    assert kerasdnn.activation_layer(None) is None and kerasdnn.activation_layer("linear") is None


def test_unknown_activation_message():
    with pytest.raises(
        ValueError,
        match=r"^dense_block\(\): activation must be one of .*maxout.*; received activation='rleu' \(did you mean 'relu'",
    ):
        kerasdnn.dense_block(4, "rleu")


def test_activation_of_wrong_type():
    with pytest.raises(
        TypeError,
        match=r"^dense_block\(\): activation must be a name, a callable or a keras.layers.Layer; received activation=3 of type int$",
    ):
        kerasdnn.dense_block(4, 3)


@pytest.mark.core
def test_autodiff_gradients_match_the_derivative_on_every_backend():
    x = np.linspace(-3, 3, 7, dtype="float32")[:, None]
    (gradient,) = kerasdnn.autodiff.gradients(lambda values: keras.ops.sum(keras.ops.tanh(values[0])), [x])
    np.testing.assert_allclose(keras.ops.convert_to_numpy(gradient), 1 - np.tanh(x) ** 2, rtol=1e-4, atol=1e-6)
    # A loss flat in its input (the step function) has no gradient to follow.
    (flat,) = kerasdnn.autodiff.gradients(lambda values: keras.ops.sum(kerasdnn.step(values[0])), [x])
    assert flat is None or not np.any(keras.ops.convert_to_numpy(flat))
