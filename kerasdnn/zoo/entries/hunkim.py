"""hunkim's lab-10 MNIST ladder (55,000 images, batch 100, Adam 1e-3, 15 epochs) and Keras's mnist_mlp beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kerasdnn.zoo.entries.sources import HUNKIM, KERAS, mlp
from kerasdnn.zoo.registry import register_model

if TYPE_CHECKING:  # annotations only: reading the records imports no Keras
    import keras


_LAB10 = {"batch_size": 100, "learning_rate": 1e-3}


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=7_850,
                reference=0.9194, recipe="recipes/mnist_ladder.py", training={**_LAB10, "epochs": 50}, notes="lab-10-1: 50 epochs")
def lab10_softmax(**overrides: Any) -> keras.Model:
    """Softmax regression on 784 pixels (lab-10-1)."""
    return mlp((28, 28, 1), **{"units": (), "kernel_initializer": "random_normal",
                                      "name": "lab10_softmax", **overrides})


def _lab10_mlp(**settings):
    return mlp((28, 28, 1), **{"normalization": None, **settings})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=269_322,
                reference=0.9455, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-2: weights drawn from N(0, 1)")
def lab10_relu_normal(**overrides: Any) -> keras.Model:
    """784-256-256-10 ReLU with N(0, 1) weights (lab-10-2)."""
    return _lab10_mlp(**{"name": "lab10_relu_normal", "units": (256, 256), "kernel_initializer": "big_random_normal", **overrides})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=269_322,
                reference=0.9783, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-3: Xavier (Glorot uniform) init")
def lab10_relu_xavier(**overrides: Any) -> keras.Model:
    """784-256-256-10 ReLU with Xavier weights (lab-10-3)."""
    return _lab10_mlp(**{"name": "lab10_relu_xavier", "units": (256, 256), "kernel_initializer": "glorot_uniform", **overrides})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_195_018,
                reference=0.9742, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-4: deeper and wider, no better without dropout")
def lab10_deep_xavier(**overrides: Any) -> keras.Model:
    """784-512-512-512-512-10 ReLU with Xavier weights (lab-10-4)."""
    return _lab10_mlp(**{"name": "lab10_deep_xavier", "units": (512,) * 4, "kernel_initializer": "glorot_uniform", **overrides})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_195_018,
                reference=0.9804, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-5: dropout keep_prob 0.7, i.e. rate 0.3")
def lab10_deep_dropout(**overrides: Any) -> keras.Model:
    """784-512×4-10 ReLU, Xavier, Dropout(0.3) after each block (lab-10-5)."""
    return _lab10_mlp(**{"name": "lab10_deep_dropout", "units": (512,) * 4, "kernel_initializer": "glorot_uniform", "dropout": 0.3, **overrides})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_201_162,
                reference=0.9826, recipe="recipes/mnist_ladder.py", training={**_LAB10, "learning_rate": 0.01},
                notes="lab-10-7: Dense (no bias) → BN → ReLU → Dropout(0.3), Xavier, Adam 0.01")
def lab10_bn(**overrides: Any) -> keras.Model:
    """4 × 512 Dense → BN → ReLU → Dropout blocks, Xavier, no bias (lab-10-7)."""
    return mlp((28, 28, 1), **{"units": (512,) * 4, "kernel_initializer": "glorot_uniform",
                                      "dropout": 0.3, "name": "lab10_bn", **overrides})


# lab-10-6, the notebook the Hanbat deck links from §5: two nets trained side
# by side, validation accuracy (5,000 images) after epoch 10.
_LAB10_6 = {"learning_rate": 0.01, "epochs": 10, "batch_size": 32}


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=26_506,
                metric="validation accuracy", reference=0.9574, recipe="recipes/mnist_ladder.py", training=_LAB10_6,
                notes="lab-10-6 without BN: tf.layers.dense (Glorot uniform, bias) → ReLU, Adam 0.01, batch 32")
def lab10_6_plain(**overrides: Any) -> keras.Model:
    """784-32-32-10 ReLU without batch norm (lab-10-6's "no batchnorm" net)."""
    return _lab10_mlp(**{"name": "lab10_6_plain", "units": (32, 32), "kernel_initializer": "glorot_uniform", **overrides})


@register_model(source=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=26_762,
                metric="validation accuracy", reference=0.9766, recipe="recipes/mnist_ladder.py", training=_LAB10_6,
                notes="lab-10-6 with BN: Dense (keeps its bias) → BN → ReLU, Adam 0.01, batch 32")
def lab10_6_bn(**overrides: Any) -> keras.Model:
    """784-32-32-10 Dense → BN → ReLU (lab-10-6's "batchnorm" net)."""
    return mlp((28, 28, 1), **{"units": (32, 32), "kernel_initializer": "glorot_uniform", "use_bias": True,
                               "name": "lab10_6_bn", **overrides})


@register_model(source=KERAS, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=669_706,
                reference=0.9840, training={"optimizer": "rmsprop", "learning_rate": 1e-3, "epochs": 20},
                notes="outside reference: RMSprop, batch 128, 20 epochs")
def keras_mnist_mlp(**overrides: Any) -> keras.Model:
    """784-512-512-10 ReLU with Dropout(0.2): Keras's mnist_mlp example."""
    return _lab10_mlp(**{"name": "keras_mnist_mlp", "units": (512, 512), "dropout": 0.2, "kernel_initializer": "glorot_uniform", **overrides})
