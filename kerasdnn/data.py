"""Datasets as NumPy arrays normalized with training statistics, and as `tf.data` pipelines.

`load_arrays` returns NumPy arrays in the shape of `keras.datasets`
(`(x_train, y_train), (x_test, y_test)`); `make_dataset` and `load_dataset`
wrap them in a shuffled, batched, prefetched `tf.data.Dataset`.

Where the data comes from (`kerasdnn.sources`): tfds's own data directory,
downloading on first use. Without network, point `data_dir=` (recipes:
`--data-dir`) or the `TFDS_DATA_DIR` environment variable at a folder
holding a prepared copy, or load a `.npz` file that `export_arrays` wrote.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np

from kerasdnn import quiet, validation

# The batches kerasdnn.train feeds, where the datasets come from and the
# generated tasks, kept importable from here.
from kerasdnn.epoch_batches import EpochShuffledArrays
from kerasdnn.hints import ArrayLike, ArrayPair
from kerasdnn.sources import DATASETS, NETWORK_TIMEOUT, TFDS_MIRROR, DatasetNotFoundError, export_arrays, read_splits
from kerasdnn.synthetic import SYNTHETIC, synthetic_arrays

__all__ = [
    "DATASETS",
    "NETWORK_TIMEOUT",
    "SYNTHETIC",
    "TFDS_MIRROR",
    "DatasetNotFoundError",
    "EpochShuffledArrays",
    "Normalization",
    "export_arrays",
    "fit_normalization",
    "load_arrays",
    "load_dataset",
    "make_dataset",
    "split_validation",
    "synthetic_arrays",
]

NORMALIZATIONS = ("none", "scale", "min_max", "standardize")

# A smoke run's data (recipes' and commands' --smoke): enough to learn above
# chance in one epoch, small enough to take seconds.
SMOKE_TRAIN_SAMPLES = 512
SMOKE_TEST_SAMPLES = 256


@dataclass(frozen=True)
class Normalization:
    """How inputs were normalized: `x_normalized = (x - shift) / scale`.

    Keep it beside a trained model: new inputs (a digit photographed by a
    user) must go through the same transformation.

    Attributes:
        method: One of `"none"`, `"scale"`, `"min_max"`, `"standardize"`.
        shift: Subtracted first; a float, or a float32 array per feature.
        scale: Divided by next; a float, or a float32 array per feature.
    """

    method: str
    shift: float | np.ndarray
    scale: float | np.ndarray

    def __call__(self, x: ArrayLike) -> np.ndarray:
        """Returns `x` normalized, as a new float32 array (`x` is left as it is)."""
        # One float32 copy, normalized in place: MNIST's 60,000 training
        # images take 188 MB once, not once more per arithmetic step.
        normalized = np.array(x, dtype=np.float32)
        normalized -= self.shift
        normalized /= self.scale
        return normalized

    def to_json(self) -> dict:
        """Returns a JSON-ready dict (arrays as lists)."""
        return {
            "method": self.method,
            "shift": np.asarray(self.shift).tolist(),
            "scale": np.asarray(self.scale).tolist(),
        }


def fit_normalization(x: ArrayLike, method: str = "standardize", *, axis: int | None = None) -> Normalization:
    """Computes normalization statistics on training data.

    Statistics come from the training split only: computing them on test
    data leaks information about it into training.

    Example:

    >>> normalization = kerasdnn.fit_normalization(x_train, "min_max", axis=0)
    >>> x_train, x_test = normalization(x_train), normalization(x_test)

    Args:
        x: Training inputs, a NumPy array.
        method: `"none"` (unchanged), `"scale"` (divide by 255, pixels to
            `[0, 1]`), `"min_max"` (`(x - min) / (max - min)`) or
            `"standardize"` (`(x - mean) / std`). Defaults to `"standardize"`.
        axis: `None` for one statistic over all values (images), or `0` for
            one per feature (tabular data such as the decks' x1/x2 table).
            Defaults to `None`.

    Returns:
        A `Normalization`, callable on arrays.

    Raises:
        ValueError: If `method` or `axis` is not one of the allowed values.
    """
    function = "fit_normalization"
    validation.check_choice(function, "method", method, NORMALIZATIONS)
    if axis not in (None, 0):
        raise ValueError(f"{function}(): axis must be None or 0; received axis={axis!r}")
    if method == "none":
        return Normalization(method, 0.0, 1.0)
    if method == "scale":
        return Normalization(method, 0.0, 255.0)
    x = np.asarray(x, dtype=np.float64)
    if method == "min_max":
        shift, spread = x.min(axis=axis), x.max(axis=axis) - x.min(axis=axis)
    else:
        shift, spread = x.mean(axis=axis), x.std(axis=axis)
    # A constant feature (an always-black border pixel) has no spread; leaving
    # it unscaled maps it to 0 instead of dividing by zero.
    spread = np.where(spread > 0, spread, 1.0)
    if axis is None:
        return Normalization(method, float(shift), float(spread))
    return Normalization(method, shift.astype(np.float32), spread.astype(np.float32))


def load_arrays(
    name: str,
    *,
    normalization: str = "scale",
    data_dir: str | None = None,
    train_samples: int | None = None,
    test_samples: int | None = None,
    download: bool = True,
    return_normalization: bool = False,
    cache: bool = True,
) -> tuple[Any, ...]:
    """Loads a dataset through tensorflow-datasets, or an exported `.npz` file, as normalized NumPy arrays.

    Where TensorFlow is not installed, a dataset named here comes through
    `keras.datasets` instead (with a `KerasDatasetsWarning`: the same images
    in another order, so `split_validation` holds out others), unless
    `download` is off.

    Example:

    >>> (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist")
    >>> x_train.shape, x_train.dtype
    ((60000, 28, 28, 1), dtype('float32'))

    Args:
        name: `"mnist"`, `"fashion_mnist"` or `"cifar10"`, or a `.npz` file
            that `export_arrays` wrote (read with NumPy, without tensorflow-datasets).
        normalization: A method of `fit_normalization`, fitted on the
            (possibly truncated) training split and applied to both splits.
            Defaults to `"scale"`.
        data_dir: Folder holding prepared tfds datasets, or `NAME.npz`
            files that `export_arrays` wrote (read first where present).
            Defaults to `None`: the `TFDS_DATA_DIR` environment variable if
            set, else tfds's default folder (`~/tensorflow_datasets`).
        train_samples: Load only the first this many training samples.
            Defaults to `None` (all).
        test_samples: Load only the first this many test samples.
            Defaults to `None` (all).
        download: Whether to download and prepare the dataset when no copy
            is found. Defaults to `True`.
        return_normalization: Whether to return the fitted `Normalization`
            as a third element, to apply it to new inputs later.
            Defaults to `False`.
        cache: Whether to keep a full read through tensorflow-datasets
            decoded in the user's cache folder (`$XDG_CACHE_HOME/kerasdnn/datasets`,
            else `~/.cache/kerasdnn/datasets`) and to read the same tfds
            copy from there next time, without TensorFlow. The entry is
            named by a digest of the copy's files, so a copy prepared anew
            is read anew. Defaults to `True`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`, plus the `Normalization`
        when `return_normalization` is set. Images are float32 of shape
        `(samples, height, width, channels)`, labels int64.

    Raises:
        ValueError: If `name` or `normalization` is unknown, or a sample count
            is below 1.
        DatasetNotFoundError: If no prepared copy is found and downloading is
            off or fails; the message names the folder searched.
        FileNotFoundError: If `name` is a `.npz` file that does not exist.
        ImportError: If TensorFlow is not installed and `download` is off;
            the message names the `.npz` route and the install command.
        TypeError: If a sample count is not an integer.
    """
    function = "load_arrays"
    exported = isinstance(name, str) and name.endswith(".npz")
    if not exported:
        validation.check_choice(function, "name", name, tuple(DATASETS))
    validation.check_choice(function, "normalization", normalization, NORMALIZATIONS)
    for argument, value in (("train_samples", train_samples), ("test_samples", test_samples)):
        if value is not None:
            validation.check_number(function, argument, value, low=1, integer=True)
    (x_train, y_train), (x_test, y_test) = read_splits(
        function,
        name,
        data_dir=data_dir,
        download=download,
        train_samples=train_samples,
        test_samples=test_samples,
        cache=cache,
    )
    fitted = fit_normalization(x_train, normalization)
    arrays = (fitted(x_train), y_train), (fitted(x_test), y_test)
    return (*arrays, fitted) if return_normalization else arrays


def split_validation(x: np.ndarray, y: np.ndarray) -> tuple[ArrayPair, ArrayPair]:
    """Holds out the last twelfth of a training split for validation.

    For MNIST and Fashion-MNIST that is 55,000 training and 5,000 validation
    images, the split of hunkim's lab-10 (TensorFlow 1's `mnist.validation`).

    Args:
        x: Training inputs.
        y: Training targets, as many as `x`.

    Returns:
        `((x_train, y_train), (x_validation, y_validation))`.

    Raises:
        ValueError: If `x` holds fewer than 12 samples (no twelfth to hold
            out) or `x` and `y` differ in length.
    """
    validation.check_same_length("split_validation", x, y)
    held_out = len(x) // 12
    if not held_out:
        raise ValueError(
            f"split_validation(): x must hold at least 12 samples to hold out a twelfth; received {len(x)}"
        )
    return (x[:-held_out], y[:-held_out]), (x[-held_out:], y[-held_out:])


def make_dataset(
    x: ArrayLike,
    y: ArrayLike,
    *,
    batch_size: int = 128,
    shuffle: bool = True,
    seed: int | None = None,
    drop_remainder: bool = False,
) -> Any:
    """Wraps arrays in a batched, prefetched `tf.data.Dataset`.

    The arrays are already in memory, so the pipeline has nothing to
    `cache()`; it shuffles over the whole set each epoch, batches, and
    prefetches so the next batch is ready while the model trains.

    Args:
        x: Inputs, a NumPy array.
        y: Targets, a NumPy array with as many samples as `x`.
        batch_size: Samples per batch. Defaults to `128`.
        shuffle: Whether to reshuffle every epoch. Defaults to `True`.
        seed: Seed of the shuffle. Defaults to `None`.
        drop_remainder: Whether to leave out the last, smaller batch (as
            `EpochShuffledArrays` does). Defaults to `False`.

    Returns:
        A `tf.data.Dataset` of `(x, y)` batches.

    Raises:
        ValueError: If `batch_size` is below 1 or `x` and `y` differ in length.
        TypeError: If `batch_size` is not an integer.
    """
    function = "make_dataset"
    tf = quiet.import_tensorflow(f"{function}() (a tf.data pipeline)")
    validation.check_number(function, "batch_size", batch_size, low=1, integer=True)
    validation.check_same_length(function, x, y)
    dataset = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        dataset = dataset.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    # The arrays come from no files, so under a multi-worker strategy each
    # worker takes its share of every batch (as Keras does for arrays) instead
    # of trying, and failing with a warning, to shard by file.
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE).with_options(options)


def load_dataset(
    name: str, *, batch_size: int = 128, seed: int | None = None, **load_arguments: Any
) -> tuple[Any, Any]:
    """Loads a dataset as `tf.data` pipelines: shuffled training and ordered test.

    Example:

    >>> train, test = kerasdnn.load_dataset("fashion_mnist", batch_size=256)
    >>> model.fit(train, validation_data=test, epochs=5)

    Args:
        name: As in `load_arrays`.
        batch_size: Samples per batch. Defaults to `128`.
        seed: Seed of the training shuffle. Defaults to `None`.
        **load_arguments: Passed to `load_arrays` (`normalization`,
            `data_dir`, `train_samples`, `test_samples`, `download`).

    Returns:
        `(train_dataset, test_dataset)`.

    Raises:
        ValueError, DatasetNotFoundError: As `load_arrays`.
    """
    (x_train, y_train), (x_test, y_test) = load_arrays(name, **load_arguments)
    return (
        make_dataset(x_train, y_train, batch_size=batch_size, seed=seed),
        make_dataset(x_test, y_test, batch_size=batch_size, shuffle=False),
    )
