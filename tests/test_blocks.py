import keras
import numpy as np
import pytest

import kerasdnn

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("blocks")


ORDERS = {
    "dense_bn_activation_dropout": ["Dense", "BatchNormalization", "Activation", "Dropout"],
    "dense_activation_bn_dropout": ["Dense", "Activation", "BatchNormalization", "Dropout"],
    "dense_activation_dropout_bn": ["Dense", "Activation", "Dropout", "BatchNormalization"],
}


def _types(layers):
    return [type(layer).__name__ for layer in layers]


@pytest.mark.parametrize("order, expected", ORDERS.items())
def test_each_order_gives_the_sequence_it_names(order, expected):
    assert _types(kerasdnn.dense_block(8, "relu", dropout=0.2, order=order)) == expected


def test_disabled_parts_leave_dense_activation():
    assert _types(kerasdnn.dense_block(8, "relu", batch_norm=False)) == ["Dense", "Activation"]
    assert _types(kerasdnn.dense_block(8, None, batch_norm=False)) == ["Dense"]


def test_bias_is_dropped_only_when_bn_follows_dense():
    assert not kerasdnn.dense_block(8)[0].use_bias
    assert kerasdnn.dense_block(8, order="dense_activation_bn_dropout")[0].use_bias
    assert kerasdnn.dense_block(8, batch_norm=False)[0].use_bias
    assert kerasdnn.dense_block(8, use_bias=True)[0].use_bias


@pytest.mark.parametrize(
    "activation, initializer",
    [("relu", "HeNormal"), ("prelu", "HeNormal"), ("tanh", "GlorotUniform"), ("sigmoid", "GlorotUniform")],
)
def test_default_initializer_follows_activation(activation, initializer):
    assert type(kerasdnn.dense_block(8, activation)[0].kernel_initializer).__name__ == initializer


def test_parameter_counts_by_hand():
    def count(layers, inputs=784):
        return keras.Sequential([keras.Input((inputs,)), *layers]).count_params()

    assert count(kerasdnn.dense_block(256)) == 784 * 256 + 4 * 256  # no bias; BN has 4 per unit
    assert count(kerasdnn.dense_block(256, batch_norm=False)) == 784 * 256 + 256
    assert count(kerasdnn.dense_block(256, "prelu", batch_norm=False)) == 784 * 256 + 256 + 256
    assert count(kerasdnn.dense_block(64, "maxout", batch_norm=False)) == 784 * 128 + 128
    assert count(kerasdnn.dense_block(64, kerasdnn.Maxout(3), batch_norm=False)) == 784 * 192 + 192


def test_maxout_block_outputs_units():
    model = keras.Sequential([keras.Input((10,)), *kerasdnn.dense_block(6, "maxout")])
    assert model.output_shape == (None, 6)


def test_kernel_regularizer_pair_is_the_decks_l1_l2(seed):
    model = keras.Sequential(
        [keras.Input((5,)), *kerasdnn.dense_block(3, batch_norm=False, kernel_regularizer=(0.01, 0.01))]
    )
    model(np.ones((1, 5), "float32"))
    kernel = keras.ops.convert_to_numpy(model.layers[0].kernel)
    expected = 0.01 * np.abs(kernel).sum() + 0.01 * np.square(kernel).sum()
    assert float(sum(model.losses)) == pytest.approx(expected, rel=1e-5)


def test_activity_regularizer_penalizes_outputs(seed):
    model = keras.Sequential([keras.Input((5,)), *kerasdnn.dense_block(3, batch_norm=False, activity_regularizer=0.5)])
    x = np.ones((2, 5), "float32")
    dense_output = keras.ops.convert_to_numpy(model.layers[0](x))
    model(x)
    # Keras divides the activity penalty by the batch size.
    assert float(sum(model.losses)) == pytest.approx(0.5 * np.square(dense_output).sum() / 2, rel=1e-5)


def test_dropout_acts_only_in_training(seed):
    model = keras.Sequential(
        [
            keras.Input((1000,)),
            *kerasdnn.dense_block(1000, None, batch_norm=False, dropout=0.5, kernel_initializer="identity"),
        ]
    )
    x = np.ones((4, 1000), "float32")
    inference = keras.ops.convert_to_numpy(model(x, training=False))
    training = keras.ops.convert_to_numpy(model(x, training=True))
    np.testing.assert_allclose(inference, x)
    assert 0.4 < (training == 0).mean() < 0.6
    # Inverted dropout: survivors are scaled by 1 / (1 - rate) at training time.
    np.testing.assert_allclose(np.unique(training), [0.0, 2.0])


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"dropout": 1.5}, ValueError, r"^dense_block\(\): dropout must be in \[0, 1\); received dropout=1.5$"),
        ({"units": 0}, ValueError, r"^dense_block\(\): units must be >= 1; received units=0$"),
        (
            {"order": "bn_first"},
            ValueError,
            r"^dense_block\(\): order must be one of dense_activation_bn_dropout, dense_activation_dropout_bn, dense_bn_activation_dropout; received order='bn_first'$",
        ),
        (
            {"kernel_regularizer": -0.1},
            ValueError,
            r"^dense_block\(\): kernel_regularizer must be >= 0; received kernel_regularizer=-0.1$",
        ),
        (
            {"kernel_regularizer": (0.1,)},
            ValueError,
            r"^dense_block\(\): kernel_regularizer given as strengths must be a pair \(l1, l2\); received kernel_regularizer=\(0.1,\)$",
        ),
        (
            {"kernel_regularizer": "l3"},
            ValueError,
            r"^dense_block\(\): kernel_regularizer must be one of l1, l1_l2, l2, orthogonal_regularizer; received kernel_regularizer='l3'",
        ),
        (
            {"batch_norm": "yes"},
            TypeError,
            r"^dense_block\(\): batch_norm must be True or False; received batch_norm='yes' of type str$",
        ),
    ],
)
def test_dense_block_errors(kwargs, error, message):
    arguments = {"units": 8, **kwargs}
    with pytest.raises(error, match=message):
        kerasdnn.dense_block(**arguments)


def test_conv_block_is_the_decks_conv_conv_bn_pool():
    assert _types(kerasdnn.conv_block(32)) == [
        "Conv2D",
        "Activation",
        "Conv2D",
        "Activation",
        "BatchNormalization",
        "MaxPooling2D",
    ]


def test_conv_block_errors():
    with pytest.raises(
        ValueError, match=r"^conv_block\(\): padding must be one of same, valid; received padding='full'$"
    ):
        kerasdnn.conv_block(8, padding="full")
