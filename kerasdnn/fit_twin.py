"""The model Keras fits in place of the caller's: a twin sharing its layers, and where it can, fitting its logits.

A softmax classifier trained on a cross-entropy computes the loss from the
logits instead (the same gradient, without the softmax's round trip), and
the run's bookkeeping metric stays off the caller's model, so that its
`model.keras` holds only what the caller compiled.
"""

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import keras

# Cross-entropies that can be computed from the logits under a softmax
# output, the same losses taking logits, and the metrics that logits leave
# unchanged (they read the largest outputs only).
_LOGIT_LOSSES = {
    "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
    "categorical_crossentropy": keras.losses.CategoricalCrossentropy,
}

_ARGMAX_METRICS = {
    "accuracy",
    "acc",
    "sparse_categorical_accuracy",
    "categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "top_k_categorical_accuracy",
}


# Not mutated: Keras reads a layer's signatures, which mutmut's trampolines replace.
class _Logits(keras.layers.Layer):  # pragma: no mutate block
    """The pre-activation output of a `Dense` layer, computed with that layer's own variables."""

    def __init__(self, dense, **kwargs):
        super().__init__(dtype=dense.dtype_policy, name=f"{dense.name}_logits", **kwargs)
        self.dense = dense

    def call(self, inputs):
        outputs = keras.ops.matmul(inputs, self.dense.kernel)
        return keras.ops.add(outputs, self.dense.bias) if self.dense.use_bias else outputs


def fit_twin(model: keras.Model, loss: Any, metrics: Sequence[Any]) -> tuple[keras.Model, Any]:
    """Returns the model Keras fits and its loss.

    For a functional or Sequential softmax classifier with a cross-entropy
    named by string and argmax metrics only: a twin that shares every layer
    and variable with `model` and outputs its logits, with the loss taking
    logits. For another functional model, a twin with the same outputs (so
    that the bookkeeping metric stays off the caller's model). A subclassed
    model is fitted itself.
    """
    try:
        inputs, outputs = model.inputs, model.outputs
    except (AttributeError, ValueError):
        return model, loss
    if not inputs or not outputs or len(outputs) != 1:
        return model, loss
    output = model.layers[-1]
    logits_trick = (
        isinstance(output, keras.layers.Dense)
        and output.activation is keras.activations.softmax
        and output.activity_regularizer is None
        and isinstance(loss, str)
        and loss in _LOGIT_LOSSES
        and all(isinstance(metric, str) and metric in _ARGMAX_METRICS for metric in metrics)
    )
    if logits_trick:
        try:
            # Keras's `input` and `output` are a layer's first call's: a layer
            # called again (a tied output) may not have made the model's output.
            logits_trick = output.output is outputs[0]
            logits = _Logits(output)(output.input)
        except (AttributeError, ValueError):  # no single input to read
            logits_trick = False
    if logits_trick:
        return keras.Model(inputs, logits, name=f"{model.name}_logits"), _LOGIT_LOSSES[loss](from_logits=True)
    return keras.Model(inputs, outputs, name=f"{model.name}_fit"), loss


@contextlib.contextmanager
def sharing_state(model: keras.Model, fit_model: keras.Model) -> Iterator[None]:
    """On JAX, lets the caller's model fetch the twin's training state when a callback reads it mid-epoch.

    Keras's JAX trainer keeps the state of a fit outside the variables until
    the epoch ends, and a callback's `self.model` syncs it back from the
    model being fitted; the caller's model syncs the twin's state, then its
    own (a `predict` that a callback runs keeps its state there).
    """
    if fit_model is model or keras.backend.backend() != "jax":
        yield
        return

    def sync():
        fit_model.jax_state_sync()
        type(model).jax_state_sync(model)

    object.__setattr__(model, "jax_state_sync", sync)
    try:
        yield
    finally:
        object.__delattr__(model, "jax_state_sync")
