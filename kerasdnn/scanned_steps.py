"""Several training steps in one compiled call on JAX: the step scanned over a stack of batches.

Keras's JAX trainer runs `steps_per_execution` batches as a Python loop of
compiled steps, so every batch pays one dispatch of the whole training
state (the weights, the optimizer's slots, the metrics' variables). Here
the batches of one execution are stacked and the same `train_step` is run
over them by `jax.lax.scan` inside one compiled call: the steps, their
order, dropout's random state and the metrics are those of the loop, and
the dispatch is paid once per execution. An execution whose batches differ
in shape (the last, smaller batch) runs the loop of single steps instead.
`kerasdnn.train` uses it on JAX for arrays (`benchmarks/time_to_accuracy.py`
measures what it changes), except for a model with convolutions on the CPU:
XLA's CPU backend runs a convolution inside a loop far slower than alone
(the Hanbat BN-CNN's epoch took 12× as long scanned, measured with
`benchmarks/backends.py`), so such a model keeps Keras's loop there.
"""

from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

# Keras runs this many batches per call into the compiled graph. On the
# 2-core CPU a BN-MLP epoch at batch 128 took ~10 s with 1 and ~5 s with 32:
# per-step Python overhead, not arithmetic, dominates such small models.
DEFAULT_STEPS_PER_EXECUTION = 32


def default_steps_per_execution(multi_worker: bool = False) -> int:
    """Batches per compiled call: `DEFAULT_STEPS_PER_EXECUTION`, or 1 where Keras allows only 1.

    Keras's PyTorch backend runs one step per call, and its multi-step loop
    fails under TensorFlow's `MultiWorkerMirroredStrategy`.
    """
    if multi_worker or keras.backend.backend() == "torch":
        return 1
    return DEFAULT_STEPS_PER_EXECUTION


def execution_steps(batches: int, preferred: int) -> int:
    """Batches per execution for an epoch of `batches` whole batches: a divisor near `preferred`, else `preferred`.

    Each execution length compiles the scanned step once, and an epoch whose
    batches are no multiple of it ends with single steps, which compile
    again. So the divisor of `batches` between `preferred // 2` and
    `2 * preferred` nearest to `preferred` (the smaller one on a tie) is
    chosen: 33 for the headline's 429 batches and 32 wanted.

    Args:
        batches: Whole batches per epoch.
        preferred: The execution length wanted.

    Returns:
        The batches per execution.
    """
    divisors = [steps for steps in range(preferred // 2, 2 * preferred + 1) if steps and batches % steps == 0]
    return min(divisors, key=lambda steps: (abs(steps - preferred), steps)) if divisors else preferred


# Keras's convolution layers (their aliases are the same classes).
_CONVOLUTIONS = (
    keras.layers.Conv1D,
    keras.layers.Conv2D,
    keras.layers.Conv3D,
    keras.layers.Conv1DTranspose,
    keras.layers.Conv2DTranspose,
    keras.layers.Conv3DTranspose,
    keras.layers.DepthwiseConv1D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv1D,
    keras.layers.SeparableConv2D,
    keras.layers.ConvLSTM1D,
    keras.layers.ConvLSTM2D,
    keras.layers.ConvLSTM3D,
)


def can_scan(model: keras.Model) -> bool:
    """Whether scanning `model`'s steps pays: JAX, compiled, no distribution, several steps a call, no CPU convolution."""
    if not (
        keras.backend.backend() == "jax"
        and bool(model.jit_compile)
        and not model.run_eagerly
        and keras.distribution.distribution() is None
        and model.steps_per_execution > 1
    ):
        return False
    import jax

    return jax.default_backend() != "cpu" or not any(isinstance(layer, _CONVOLUTIONS) for layer in _layers(model))


def _layers(layer):
    """`layer`'s layers, those of nested models and wrappers (`TimeDistributed`, weight normalization) included."""
    inner = [layer.layer] if isinstance(layer, keras.layers.Wrapper) else list(getattr(layer, "layers", ()))
    for each in inner:
        yield each
        yield from _layers(each)


def scan_train_steps(model: keras.Model) -> None:
    """Gives compiled `model` a train function that scans its `train_step` over each execution's batches.

    Call it after `model.compile(...)` and before `model.fit(...)`: `fit`
    keeps a train function it finds (a new `compile` drops it).

    Args:
        model: A model compiled on the JAX backend for which `can_scan(model)`.

    Raises:
        ValueError: If `can_scan(model)` is false.
    """
    import jax

    if not can_scan(model):
        raise ValueError(
            "scan_train_steps(): the model must be compiled with jit_compile on the JAX backend, without a "
            "distribution, with steps_per_execution > 1 and, on the CPU, without convolutions; received "
            f"steps_per_execution={model.steps_per_execution} on {keras.backend.backend()}"
        )

    def scanned(state, batches):
        def step(state, batch):
            logs, state = model.train_step(state, batch)
            return state, logs

        stacked = jax.tree.map(lambda *leaves: jax.numpy.stack(leaves), *batches)
        state, logs = jax.lax.scan(step, state, stacked)
        # The logs are the metrics' running results: the last step's are the execution's.
        return jax.tree.map(lambda values: values[-1], logs), state

    single = jax.jit(model.train_step, donate_argnums=0)
    several = jax.jit(scanned, donate_argnums=0)

    def train_function(state: Any, iterator: Iterator[Any]) -> tuple[Any, Any]:
        batches = [next(iterator)]  # an exhausted epoch ends here, as in Keras's loop
        for batch in iterator:
            batches.append(batch)
            if len(batches) == model.steps_per_execution:
                break
        shapes = {tuple(np.shape(leaf) for leaf in jax.tree.leaves(batch)) for batch in batches}
        if len(batches) == model.steps_per_execution and len(shapes) == 1:
            return several(state, batches)
        for batch in batches:
            logs, state = single(state, batch)
        return logs, state

    model.train_function = train_function
