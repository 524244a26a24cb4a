"""Batches of in-memory arrays in an order fixed by the seed and the epoch: what `kerasdnn.train` feeds a model."""

import keras
import numpy as np

from kerasdnn import validation
from kerasdnn.hints import ArrayLike, ArrayPair


class EpochShuffledArrays(keras.utils.PyDataset):
    """Batches of in-memory arrays whose order depends only on the seed and the epoch.

    Epoch `e` visits the samples in the order
    `numpy.random.default_rng([seed, e]).permutation(len(x))`, whatever ran
    before it. That is what lets a killed run resume exactly: the resumed
    epoch sees the batches the uninterrupted run would have seen, which a
    stream that reshuffles on each pass (`tf.data`'s `shuffle`, or `fit`'s
    own `shuffle=True`) cannot promise. The arrays reach the model as NumPy
    batches, with no `tf.data` round trip, on every Keras backend.

    `kerasdnn.train` calls `set_epoch` from a callback as each epoch begins;
    used directly, call it yourself.

    With `drop_remainder=True` every batch holds `batch_size` samples: the
    `len(x) % batch_size` samples that come last in an epoch's order are
    left out of that epoch (other ones each epoch, when shuffled), as
    `tf.data`'s `batch(drop_remainder=True)` and PyTorch's `drop_last` do.
    A compiled step then sees one batch shape only, and JAX and XLA compile
    it once instead of twice.

    When several processes train one model (JAX's multi-process data
    parallelism), each process builds the same batches with `shard=(index,
    count)` and feeds its `index`-th share of each; the shares together are
    the batch one process alone would have fed.

    Example:

    >>> batches = kerasdnn.data.EpochShuffledArrays(x_train, y_train, batch_size=128, seed=0)
    >>> batches.set_epoch(3)
    >>> x, y = batches[0]

    Args:
        x: Inputs, a NumPy array.
        y: Targets, a NumPy array with as many samples as `x`.
        batch_size: Samples per batch; the last batch may be smaller.
            Defaults to `128`.
        seed: Seed of the per-epoch permutation. Defaults to `0`.
        shuffle: Whether to permute at all. Defaults to `True`.
        drop_remainder: Whether to leave out each epoch's last, smaller
            batch. Defaults to `False`.
        shard: `(index, count)`: feed only every `count`-th sample of each
            batch, starting at `index`. Defaults to `None` (whole batches).

    Raises:
        ValueError: If `batch_size` is below 1, `x` and `y` differ in length,
            `shard` is not `(index, count)` with `0 <= index < count`, or
            `drop_remainder` would leave no batch (fewer samples than
            `batch_size`).
        TypeError: If `batch_size` is not an integer or `drop_remainder`
            not a bool.
    """

    def __init__(
        self,
        x: ArrayLike,
        y: ArrayLike,
        *,
        batch_size: int = 128,
        seed: int = 0,
        shuffle: bool = True,
        shard: tuple[int, int] | None = None,
        drop_remainder: bool = False,
    ) -> None:
        super().__init__()
        function = "EpochShuffledArrays"
        validation.check_number(function, "batch_size", batch_size, low=1, integer=True)
        validation.check_type(function, "drop_remainder", drop_remainder, (bool,), "True or False")
        validation.check_same_length(function, x, y)
        if drop_remainder:
            validation.check_whole_batch(function, "x", len(x), batch_size)
        if shard is not None and not (len(shard) == 2 and 0 <= shard[0] < shard[1]):
            raise ValueError(f"{function}(): shard must be (index, count) with 0 <= index < count; received {shard!r}")
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.drop_remainder = drop_remainder
        self.shard = slice(shard[0], None, shard[1]) if shard else slice(None)
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Orders the samples as epoch `epoch` visits them."""
        self.epoch = epoch
        samples = len(self.x)
        self._order = np.random.default_rng([self.seed, epoch]).permutation(samples) if self.shuffle else None

    def __len__(self) -> int:
        return len(self.x) // self.batch_size if self.drop_remainder else -(-len(self.x) // self.batch_size)

    def __getitem__(self, index: int) -> ArrayPair:
        window = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self._order is None:
            return self.x[window][self.shard], self.y[window][self.shard]
        # Sorted indices read memory front to back: the batch is the same set.
        chosen = np.sort(self._order[window])[self.shard]
        return self.x[chosen], self.y[chosen]
