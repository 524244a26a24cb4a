"""ToBig's Fashion-MNIST ladder: 784-512-256-128-10, SGD(0.01, momentum 0.5), 15 epochs, validation accuracy at epoch 15."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kerasdnn.zoo.entries.sources import TOBIGS, TORCH_LINEAR_INIT, mlp
from kerasdnn.zoo.registry import register_model

if TYPE_CHECKING:  # annotations only: reading the records imports no Keras
    import keras


# The deck does not state its batch size. recipes/ladder_gaps.py trained the
# SGD rungs at 32, 64, 128 and 256: only 128 put both within a point of the
# deck (recipes/results/ladder_gaps.json), so every rung uses it (the deck's
# code feeds all rungs from one loader).
_TOBIGS_SGD = {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.01, "momentum": 0.5}},
               "epochs": 15, "batch_size": 128}
_TOBIGS_ADAM = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 15, "batch_size": 128}


def _tobigs_mlp(**settings):
    return mlp((28, 28, 1), **{"units": (512, 256, 128), "normalization": None,
                                      "kernel_initializer": TORCH_LINEAR_INIT, **settings})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", reference=0.8466, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD,
                notes="linear layers only: a linear model however deep")
def tobigs_linear(**overrides: Any) -> keras.Model:
    """784-512-256-128-10 without activations (ToBig's rung 1)."""
    return _tobigs_mlp(**{"name": "tobigs_linear", "activation": None, **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", reference=0.8559, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD)
def tobigs_relu(**overrides: Any) -> keras.Model:
    """784-512-256-128-10 with ReLU, PyTorch's default init (ToBig's rung 2)."""
    return _tobigs_mlp(**{"name": "tobigs_relu", **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", reference=0.8723, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD, notes="kaiming (He) uniform init")
def tobigs_he(**overrides: Any) -> keras.Model:
    """784-512-256-128-10 ReLU with He uniform init (ToBig's rung 3)."""
    return _tobigs_mlp(**{"name": "tobigs_he", "kernel_initializer": "he_uniform", **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", reference=0.8876, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD,
                notes="BatchNorm between Linear and activation; the Linear layers keep their bias as in PyTorch")
def tobigs_bn(**overrides: Any) -> keras.Model:
    """784-512-256-128-10, Linear → BN → ReLU, He init (ToBig's rung 4)."""
    return _tobigs_mlp(**{"name": "tobigs_bn", "kernel_initializer": "he_uniform", "normalization": "batch", "use_bias": True, **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", reference=0.8948, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="rung 4's network trained with Adam(0.01) instead of SGD")
def tobigs_adam(**overrides: Any) -> keras.Model:
    """ToBig's rung 5: the BN net trained with Adam(0.01)."""
    return _tobigs_mlp(**{"name": "tobigs_adam", "kernel_initializer": "he_uniform", "normalization": "batch", "use_bias": True, **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", reference=0.8894, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="best 0.9013 at epoch 13")
def tobigs_dropout(**overrides: Any) -> keras.Model:
    """ToBig's rung 6: + Dropout(0.2) after each block, Adam(0.01)."""
    return _tobigs_mlp(**{"name": "tobigs_dropout", "kernel_initializer": "he_uniform", "normalization": "batch", "use_bias": True,
                                            "dropout": 0.2, **overrides})


@register_model(source=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", reference=0.8271, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="PyTorch Adam weight_decay=0.001 adds 0.001·w to each gradient: the same as a Keras L2 penalty of 0.0005")
def tobigs_l2(**overrides: Any) -> keras.Model:
    """ToBig's rung 7: + L2 weight decay 0.001, too strong a regularization."""
    return _tobigs_mlp(**{"name": "tobigs_l2", "kernel_initializer": "he_uniform", "normalization": "batch", "use_bias": True,
                                       "dropout": 0.2, "kernel_regularizer": 5e-4, **overrides})
