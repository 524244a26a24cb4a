"""The other decks' networks: XOR (decks 000 and 003) and deck 002's CIFAR-10 timing net."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kerasdnn.zoo.entries.sources import CS231N, DNN_DECK, cnn, mlp
from kerasdnn.zoo.registry import register_model

if TYPE_CHECKING:  # annotations only: reading the records imports no Keras
    import keras


_XOR = {"optimizer": "sgd", "learning_rate": 1.0, "epochs": 2000, "batch_size": 4,
        "loss": "binary_crossentropy", "metrics": ("accuracy",), "normalization": "none"}


@register_model(source=DNN_DECK, dataset="xor", input_shape=(2,), classes=1, parameters=41,
                metric="accuracy", reference=0.5, training=_XOR,
                notes="no hidden nonlinearity: the loss sticks at ln 2 = 0.6931")
def xor_linear(**overrides: Any) -> keras.Model:
    """2-10-1 net without a hidden activation: cannot learn XOR."""
    return mlp((2,), **{"units": (10,), "activation": None, "normalization": None, "classes": 1,
                               "classifier_activation": "sigmoid", "name": "xor_linear", **overrides})


@register_model(source=DNN_DECK, dataset="xor", input_shape=(2,), classes=1, parameters=41,
                metric="accuracy", reference=1.0, training=_XOR, notes="deck 003 reaches loss 0.0136")
def xor_sigmoid(**overrides: Any) -> keras.Model:
    """2-10-1 net with a sigmoid hidden layer: learns XOR."""
    return mlp((2,), **{"units": (10,), "activation": "sigmoid", "normalization": None, "classes": 1,
                               "classifier_activation": "sigmoid", "name": "xor_sigmoid", **overrides})


@register_model(source=CS231N, dataset="cifar10", input_shape=(32, 32, 3), classes=10, parameters=164_682,
                metric="seconds per epoch (CPU)", reference=47, backend="tensorflow",
                training={"optimizer": "adam", "learning_rate": 0.01, "epochs": 1, "batch_size": 32},
                notes="deck 002 times one epoch over 40,000 images: 47 s on CPU, 10 s on GPU")
def cifar10_deck002(**overrides: Any) -> keras.Model:
    """Conv2D(64, 2×2, same) → MaxPool → Flatten → Dense(10): deck 002's timing net."""
    return cnn((32, 32, 3), **{"filters": (64,), "kernel_size": 2, "convs": 1, "normalization": None,
                                      "units": (), "name": "cifar10_deck002", **overrides})
