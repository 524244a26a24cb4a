"""How `train` feeds a model: arrays checked against it and turned into epoch-shuffled batches, datasets as they are."""

from typing import Any

import keras
import numpy as np

from kerasdnn import data, distribute, validation

# Arrays evaluated (validation and test data) go in batches of up to this
# many samples: see evaluation_batch_size.
LARGEST_EVALUATION_BATCH = 1024


def evaluation_batch_size(samples: int, batch_size: int) -> int:
    """The batch size `train` evaluates `samples` arrays in: whole batches, as few as `batch_size` would take or fewer.

    Evaluation computes the same whatever the batch (no batch statistics at
    inference, no dropout), but each new batch shape compiles the step
    again: a last, smaller batch costs one more compilation per evaluated
    model, and larger batches take fewer calls. So the largest divisor of
    `samples` up to `max(batch_size, LARGEST_EVALUATION_BATCH)` is used
    (1,000 for 5,000 or 10,000 samples), unless it would take more batches
    than `batch_size` does (a prime count): then `batch_size`.

    Args:
        samples: Samples evaluated.
        batch_size: The run's training batch size.

    Returns:
        The evaluation batch size.
    """
    largest = min(max(batch_size, LARGEST_EVALUATION_BATCH), samples)
    size = next(size for size in range(largest, 0, -1) if samples % size == 0)
    return size if samples // size <= -(-samples // batch_size) else batch_size


def to_batches(
    function: str,
    name: str,
    x: Any,
    y: Any,
    batch_size: int,
    model: keras.Model,
    loss: Any,
    *,
    seed: int = 0,
    shuffle: bool = False,
    multi_worker: bool = False,
    drop_remainder: bool = False,
) -> Any:
    """Checks arrays (or an `(x, y)` pair) against the model and turns them into batches; datasets pass through."""
    if drop_remainder and _is_tf_dataset(x):
        raise ValueError(
            f"{function}(): drop_remainder applies to arrays; batch the tf.data.Dataset with "
            f"batch(..., drop_remainder=True) instead; received drop_remainder=True with {name} a tf.data.Dataset"
        )
    if x is None or _is_tf_dataset(x):
        return x
    if y is None and isinstance(x, (tuple, list)) and len(x) == 2:
        x, y = x
    elif name != "x":
        raise TypeError(
            f"{function}(): {name} must be an (x, y) pair of arrays or a tf.data.Dataset; "
            f"received {name} of type {type(x).__name__}"
        )
    if y is None:
        raise TypeError(
            f"{function}(): {name} must be a tf.data.Dataset, an (x, y) pair, or "
            f"arrays with y given; received {name} of type {type(x).__name__} without y"
        )
    x, y = np.asarray(x), np.asarray(y)
    validation.check_samples(
        function,
        name,
        x,
        y,
        input_shape=_shape(model, "input_shape"),
        classes=(_shape(model, "output_shape") or (None,))[-1],
        labels=_label_kind(loss),
    )
    if name != "x" and not multi_worker:
        batch_size = evaluation_batch_size(len(x), batch_size)
    if drop_remainder:
        validation.check_whole_batch(function, name, len(x), batch_size)
    if multi_worker:
        # Each worker takes its share of every global batch, which tf.data's
        # DATA sharding does and a Python dataset cannot.
        return data.make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_remainder=drop_remainder)
    return data.EpochShuffledArrays(
        x,
        y,
        batch_size=batch_size,
        seed=seed,
        shuffle=shuffle,
        shard=distribute.process_shard(),
        drop_remainder=drop_remainder,
    )


def _shape(model, attribute):
    """The model's single input or output shape, or `None` (several, or a subclassed model not built yet)."""
    try:
        shape = getattr(model, attribute)
    except (AttributeError, ValueError):
        return None
    return tuple(shape) if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape) else None


def _label_kind(loss):
    """`"sparse"` (class indices) or `"one_hot"` for Keras's cross-entropies, else `None`."""
    name = loss if isinstance(loss, str) else type(loss).__name__
    return {
        "sparse_categorical_crossentropy": "sparse",
        "SparseCategoricalCrossentropy": "sparse",
        "categorical_crossentropy": "one_hot",
        "CategoricalCrossentropy": "one_hot",
    }.get(name)


def _is_tf_dataset(value):
    # Checked by name so that arrays never import TensorFlow.
    return any(cls.__name__ == "DatasetV2" for cls in type(value).__mro__)


def steps_per_epoch(train_data: Any) -> int | None:
    """The batches of one epoch of `train_data`, or `None` where a dataset does not know its length."""
    if isinstance(train_data, data.EpochShuffledArrays):
        return len(train_data)
    cardinality = int(train_data.cardinality())
    return cardinality if cardinality > 0 else None
