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
    with pytest.raises(ValueError, match=r"^lsuv_initialize\(\): layers must have a kernel \(Dense, Conv\); received layer 'block1_bn' of type BatchNormalization$"):
        kerasdnn.lsuv_initialize(model, np.zeros((8, 10)), layers=[model.get_layer("block1_bn")])


def test_unknown_initializer_suggests_close_match():
    with pytest.raises(ValueError, match=r"^dense_block\(\): kernel_initializer must be one of .*received kernel_initializer='he_nromal' \(did you mean 'he_normal'"):
        kerasdnn.dense_block(8, kernel_initializer="he_nromal")


def test_custom_initializers_survive_config_round_trip():
    for cls in (kerasdnn.SmallRandomNormal, kerasdnn.BigRandomNormal, kerasdnn.LSUV):
        restored = keras.initializers.deserialize(keras.initializers.serialize(cls(seed=3)))
        assert type(restored) is cls
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(restored((4, 4))), keras.ops.convert_to_numpy(cls(seed=3)((4, 4)))
        )
