"""What the entry modules share: the sources they cite and builders that import Keras only when called.

Records are read without Keras (`kerasdnn zoo list`); a builder call imports
`kerasdnn.models`, and with it Keras, the first time a model is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: reading the records imports no Keras
    import keras

HANBAT = ("Hanbat National University, Application & Tips (1), deck 004", "https://github.com/hunkim/DeepLearningZeroToAll")
HUNKIM = ("hunkim/DeepLearningZeroToAll lab-10", "https://github.com/hunkim/DeepLearningZeroToAll")
TOBIGS = ("ToBig's, Neural Network 심화, deck 003", "https://www.kaggle.com/datasets/zalando-research/fashionmnist")
DNN_DECK = ("심층 신경망 (DNN), deck 000 and deck 003", "https://github.com/hunkim/DeepLearningZeroToAll")
CS231N = ("Lecture 6, Training Neural Networks I, deck 002", "http://cs231n.stanford.edu/")
KERAS = ("Keras example mnist_mlp", "https://github.com/keras-team/keras/blob/2.x/examples/mnist_mlp.py")

# PyTorch's nn.Linear default: U(±1/sqrt(fan_in)), i.e. variance 1/(3·fan_in).
# ToBig's ladder starts from it, so its first rungs are built with it too.
TORCH_LINEAR_INIT = {"class_name": "VarianceScaling", "config": {"scale": 1 / 3, "mode": "fan_in", "distribution": "uniform"}}


def mlp(*args: Any, **kwargs: Any) -> keras.Model:
    """`kerasdnn.mlp`, imported when first called."""
    from kerasdnn import models

    return models.mlp(*args, **kwargs)


def cnn(*args: Any, **kwargs: Any) -> keras.Model:
    """`kerasdnn.cnn`, imported when first called."""
    from kerasdnn import models

    return models.cnn(*args, **kwargs)


def lstm(*args: Any, **kwargs: Any) -> keras.Model:
    """`kerasdnn.lstm`, imported when first called."""
    from kerasdnn import models

    return models.lstm(*args, **kwargs)
