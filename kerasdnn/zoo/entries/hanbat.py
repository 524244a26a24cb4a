"""The Hanbat deck's (004) exercises: the learning-rate model, the optimizer and regularization nets, batch norm in an MLP, a CNN and an LSTM."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kerasdnn.zoo.entries.sources import HANBAT, cnn, lstm, mlp
from kerasdnn.zoo.registry import register_model

if TYPE_CHECKING:  # annotations only: reading the records imports no Keras
    import keras


@register_model(source=HANBAT, dataset="linear_regression", input_shape=(3,), classes=1, parameters=4,
                metric="test mse", recipe="recipes/lr_sweep.py",
                training={"optimizer": "sgd", "learning_rate": 0.01, "epochs": 20, "batch_size": 32,
                          "loss": "mse", "metrics": (), "normalization": "none"},
                notes="learning_rate=10 diverges, 0.001 crawls: the deck's learning-rate lesson")
def hanbat_lr_linear(**overrides: Any) -> keras.Model:
    """Dense(1, input_dim=3): the learning-rate exercise's linear model."""
    return mlp((3,), **{"units": (), "classes": 1, "classifier_activation": None,
                               "name": "hanbat_lr_linear", **overrides})


@register_model(source=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=466_698, recipe="recipes/optimizers.py",
                # §4 compiles it with Adam(lr=0.01, decay=1e-6): Keras 2's decay
                # is the rate over (1 + 1e-6 · step), Keras 3's InverseTimeDecay.
                training={"optimizer": {"class_name": "Adam", "config": {"learning_rate": {
                    "module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
                    "config": {"initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 1e-6}}}},
                    "learning_rate": None},
                notes="five Dense(256, relu, glorot_uniform) each followed by Dropout(0.2); Adam 0.01, decay 1e-6")
def hanbat_optimizer_net(**overrides: Any) -> keras.Model:
    """The "use optimizer" net: 5 × (Dense 256 ReLU Glorot → Dropout 0.2) → softmax."""
    return mlp((28, 28, 1), **{"units": (256,) * 5, "kernel_initializer": "glorot_uniform",
                                      "normalization": None, "dropout": 0.2,
                                      "name": "hanbat_optimizer_net", **overrides})


@register_model(source=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=203_530, recipe="recipes/regularization.py",
                notes="activity_regularizer=l1_l2(0.01, 0.01) on the hidden Dense output, then Dropout(0.2)")
def hanbat_regularized_net(**overrides: Any) -> keras.Model:
    """Dense(256, ReLU, activity l1_l2(0.01, 0.01)) → Dropout(0.2) → softmax."""
    return mlp((28, 28, 1), **{"units": (256,), "activity_regularizer": (0.01, 0.01),
                                      "normalization": None, "dropout": 0.2,
                                      "name": "hanbat_regularized_net", **overrides})


@register_model(source=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=25_578, recipe="recipes/batch_norm.py",
                notes="the deck's fragment Dense(32, relu) → BatchNormalization → Dense, given a softmax head for MNIST")
def hanbat_bn_mlp(**overrides: Any) -> keras.Model:
    """Dense(32, ReLU) → BatchNorm → softmax: the deck's BN placement in an MLP."""
    return mlp((28, 28, 1), **{"units": (32,), "order": "dense_activation_bn_dropout",
                                      "name": "hanbat_bn_mlp", **overrides})


@register_model(source=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=55_786, recipe="recipes/batch_norm.py", backend="tensorflow",
                notes="the deck's fragment Conv2D(32, 3×3, relu) ×2 → BatchNormalization → MaxPooling2D, with a softmax head")
def hanbat_bn_cnn(**overrides: Any) -> keras.Model:
    """Conv2D 32 ×2 → BatchNorm → MaxPool → softmax: the deck's BN placement in a CNN."""
    return cnn((28, 28, 1), **{"filters": (32,), "convs": 2, "padding": "valid", "units": (),
                                      "name": "hanbat_bn_cnn", **overrides})


@register_model(source=HANBAT, dataset="sequence_sum", input_shape=(20, 1), classes=1, parameters=4_513, recipe="recipes/batch_norm.py",
                metric="test mse", training={"loss": "mse", "metrics": (), "normalization": "none", "epochs": 20, "batch_size": 32},
                notes="the deck's LSTM(32) → BatchNormalization → Dense(1), on a generated sequence-sum task")
def hanbat_bn_lstm(**overrides: Any) -> keras.Model:
    """LSTM(32) → BatchNorm → Dense(1): the deck's BN placement in a recurrent net."""
    return lstm((20, 1), **{"units": 32, "name": "hanbat_bn_lstm", **overrides})
