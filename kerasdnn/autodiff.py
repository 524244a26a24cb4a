"""Gradients by the Keras backend's own automatic differentiation, the same call on JAX, TensorFlow and PyTorch."""

from collections.abc import Callable, Sequence
from typing import Any

import keras


def gradients(loss: Callable[[list[Any]], Any], values: Sequence[Any]) -> list[Any]:
    """Returns the gradients of the scalar `loss(values)` with respect to each of `values`.

    Keras 3 has no backend-neutral gradient call, so this picks the backend's
    own (`jax.grad`, `tf.GradientTape`, `torch.autograd`); `loss` must be
    written with `keras.ops`. Useful to look at what training sees: the
    derivative of an activation, a layer's gradient norm, or a hand-derived
    backward pass checked against autodiff.

    Example:

    >>> (gradient,) = kerasdnn.autodiff.gradients(lambda v: keras.ops.sum(keras.ops.tanh(v[0])), [x])

    Args:
        loss: A function of a list of tensors returning a scalar tensor.
        values: A list of arrays or tensors, the point to differentiate at.

    Returns:
        A list of gradients, one per value, as backend tensors (`None` where
        the loss does not depend on a value, on TensorFlow and PyTorch).
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        return jax.grad(loss)(values)
    if backend == "torch":
        import torch

        leaves = [torch.tensor(keras.ops.convert_to_numpy(value), requires_grad=True) for value in values]
        result = loss(leaves)
        if not result.requires_grad:
            return [None] * len(leaves)  # a loss flat in every value, such as a step function's
        result.backward()
        return [leaf.grad for leaf in leaves]
    import tensorflow as tf

    leaves = [tf.Variable(value) for value in values]
    with tf.GradientTape() as tape:
        result = loss(leaves)
    return tape.gradient(result, leaves)
