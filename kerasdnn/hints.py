"""Type aliases of kerasdnn's public signatures: what an argument may be, as the docstrings say."""

from collections.abc import Callable, Sequence
from typing import Any

import keras
import numpy as np

# The shape of one sample, such as (784,) or (28, 28, 1).
Shape = Sequence[int]
# An activation name, function or layer (kerasdnn.activations.activation_layer).
ActivationLike = str | Callable[..., Any] | keras.layers.Layer | None
# An initializer name, config dict or object (kerasdnn.initializers.get).
InitializerLike = str | dict | keras.initializers.Initializer | None
# A penalty: a strength, an (l1, l2) pair, a name, a config dict or a
# regularizer (kerasdnn.regularizers.get).
RegularizerLike = float | tuple[float, float] | str | dict | keras.regularizers.Regularizer | None
# An optimizer name, config dict or object (kerasdnn.optimizers.get).
OptimizerLike = str | dict | keras.optimizers.Optimizer
# A learning rate or a schedule.
LearningRate = float | keras.optimizers.schedules.LearningRateSchedule
# Arrays as NumPy (or anything np.asarray takes).
ArrayLike = np.ndarray | Sequence[Any]
# A pair of training arrays.
ArrayPair = tuple[np.ndarray, np.ndarray]
