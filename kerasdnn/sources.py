"""Where the image datasets come from: tensorflow-datasets, an exported `.npz` file, or `keras.datasets`.

`read_splits` returns a dataset's raw training and test splits (pixels as
stored, labels int64) for `kerasdnn.data.load_arrays`, which normalizes them:

- through tensorflow-datasets, from tfds's own folder, `data_dir=` or
  `TFDS_DATA_DIR`, downloading on first use where the network answers;
- from a `.npz` file that `export_arrays` wrote (NumPy alone reads it), to
  carry a dataset to a machine without its tfds copy or without TensorFlow;
- where TensorFlow is not installed (a JAX or PyTorch GPU machine), through
  `keras.datasets`, with a warning: the same images in another order.

A full read through tensorflow-datasets is kept, decoded, in the user's
cache folder (`~/.cache/kerasdnn/datasets`, one file per tfds copy, named
by a digest of its files), and the next read of the same copy takes it
from there: no TensorFlow import, no decoding (MNIST, with Keras imported:
5.07 s through tfds, 0.49 s from the cache, on the 2-core CPU).
"""

import hashlib
import inspect
import logging
import os
import shutil
import socket
import threading
import time
import warnings
import zipfile

import keras
import numpy as np

from kerasdnn import quiet, run_state, user_cache, validation
from kerasdnn.hints import ArrayPair

# The image datasets the builders and recipes know, with their sample shape
# and the server tfds downloads their source files from.
DATASETS = {
    "mnist": {"input_shape": (28, 28, 1), "classes": 10, "source": ("storage.googleapis.com", 443)},
    "fashion_mnist": {
        "input_shape": (28, 28, 1),
        "classes": 10,
        "source": ("fashion-mnist.s3-website.eu-central-1.amazonaws.com", 80),
    },
    "cifar10": {"input_shape": (32, 32, 3), "classes": 10, "source": ("www.cs.toronto.edu", 443)},
}
# tfds first tries its own copy of every prepared dataset on Google Cloud Storage.
TFDS_MIRROR = ("storage.googleapis.com", 443)
# Seconds to wait for either server before calling the network unreachable:
# tfds itself retries a failed download for minutes.
NETWORK_TIMEOUT = 5


class DatasetNotFoundError(FileNotFoundError):
    """Raised when no prepared copy of a dataset is found and none can be downloaded."""


def read_splits(
    function: str,
    name: str,
    *,
    data_dir: str | None = None,
    download: bool,
    train_samples: int | None = None,
    test_samples: int | None = None,
    cache: bool,
) -> tuple[ArrayPair, ArrayPair]:
    """The raw `((x_train, y_train), (x_test, y_test))` of `name`, a dataset of `DATASETS` or a `.npz` export.

    A `NAME.npz` export in `data_dir` (or `TFDS_DATA_DIR`) is read before
    tfds's copy, so one folder serves machines with and without TensorFlow.
    Each split is cut to its first `train_samples`/`test_samples` (all when
    `None`); `function` names the public caller in errors. With `cache`, a
    full read through tfds is kept decoded in the user's cache folder
    (`~/.cache/kerasdnn/datasets`) and later reads of the same copy take it
    from there, without TensorFlow. Raises as `kerasdnn.data.load_arrays`
    documents.
    """
    exported = name if str(name).endswith(".npz") else _export_in(data_dir, name)
    cached = None if exported or not cache else _cached_copy(function, name, data_dir)
    if exported:
        (x_train, y_train), (x_test, y_test) = _read_export(function, exported)
    elif cached:
        (x_train, y_train), (x_test, y_test) = cached
    elif download and not quiet.tensorflow_installed():
        (x_train, y_train), (x_test, y_test) = _from_keras_datasets(function, name)
    else:
        builder = _prepared_builder(function, name, data_dir, download)
        if train_samples or test_samples:  # tfds reads only the samples asked for
            return _read_split(builder, "train", train_samples), _read_split(builder, "test", test_samples)
        (x_train, y_train), (x_test, y_test) = _read_split(builder, "train", None), _read_split(builder, "test", None)
        if cache:  # the digest again: a download may have just made the copy
            _write_cached_copy(name, data_dir, (x_train, y_train, x_test, y_test))
    return (x_train[:train_samples], y_train[:train_samples]), (x_test[:test_samples], y_test[:test_samples])


def _cache_path(name, data_dir):
    """Where the decoded copy of the tfds copy of `name` in the data folder goes, or `None` if there is none.

    Named by a digest of that copy's files (paths, sizes, modification
    times), so a copy prepared anew, or another folder, is another entry.
    """
    root = os.path.join(_data_folder(data_dir) or os.path.join(os.path.expanduser("~"), "tensorflow_datasets"), name)
    listing = sorted(
        (os.path.relpath(os.path.join(folder, file), root), os.stat(os.path.join(folder, file)))
        for folder, _, files in os.walk(root)
        for file in files
    )
    if not listing:
        return None
    digest = hashlib.sha256(os.path.abspath(root).encode())
    for path, status in listing:
        digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    return os.path.join(user_cache.folder("datasets"), f"{name}-{digest.hexdigest()[:16]}.npz")


def _cached_copy(function, name, data_dir):
    """The splits that an earlier full read of the tfds copy of `name` left in the cache, or `None`."""
    path = _cache_path(name, data_dir)
    if path is None or not os.path.isfile(path):
        return None
    try:
        return _load_splits(path)
    except _DAMAGED as error:
        _warn_caller(
            f"{function}({name!r}): the cached copy {path} is damaged ({error}); reading it through "
            f"tensorflow-datasets again and caching it anew"
        )
        return None


def _write_cached_copy(name, data_dir, splits):
    path = _cache_path(name, data_dir)
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        # A name of its own, so that processes caching the same copy at once
        # (a search's workers) do not write into one file.
        with run_state.replacing(path, unique=True) as temporary:
            np.savez(temporary, **dict(zip(_EXPORT_KEYS, splits)))
    except OSError:  # a cache that cannot be written (a read-only home, a full disk) is only slower
        pass


def _data_folder(data_dir):
    """The folder asked for: `data_dir`, else `TFDS_DATA_DIR`, else `None` (tfds's own)."""
    return data_dir or os.environ.get("TFDS_DATA_DIR") or None


def _export_in(data_dir, name):
    """`NAME.npz` in the data folder where `export_arrays` wrote one there, else `None`."""
    folder = _data_folder(data_dir)
    path = os.path.join(folder, f"{name}.npz") if folder else None
    return path if path and os.path.isfile(path) else None


def _warn_caller(message, category=UserWarning):  # pragma: no mutate block
    """Warns at the first line outside kerasdnn: the user's call, however deep inside the package it was raised.

    What `warnings.warn(skip_file_prefixes=...)` does from Python 3.12 on.
    """
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = inspect.currentframe(), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class KerasDatasetsWarning(UserWarning):
    """Warns that a dataset came through `keras.datasets`, in another order than tensorflow-datasets'."""


def _from_keras_datasets(function, name):
    """`name`'s splits through `keras.datasets` (downloaded once to `~/.keras/datasets`), shaped as tfds gives them."""
    _warn_caller(
        f"{function}({name!r}): TensorFlow is not installed, so tensorflow-datasets cannot load it; loading it "
        f"through keras.datasets instead (downloaded once to ~/.keras/datasets). The images are the same, in "
        f"another order than tensorflow-datasets', so split_validation holds out other images than the "
        f"committed results used; for those, export it where TensorFlow is (`kerasdnn data export {name} "
        f"{name}.npz`) and load that file, or install TensorFlow (`pip install tensorflow`).",
        KerasDatasetsWarning,
    )
    try:
        (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
    except Exception as error:  # urllib's and the archive readers' many kinds of failure
        raise DatasetNotFoundError(
            f"{function}(): {name!r} could not be downloaded through keras.datasets ({type(error).__name__}: "
            f"{error}), and tensorflow-datasets needs TensorFlow, which is not installed. Export it where "
            f"TensorFlow is (`kerasdnn data export {name} {name}.npz`) and load that file, or install "
            f"TensorFlow (`pip install tensorflow`) and point data_dir= at a prepared copy."
        ) from None
    channels = DATASETS[name]["input_shape"][-1]

    def images(x):
        # keras.datasets gives MNIST without its channel axis, and CIFAR-10
        # channels-first where Keras's image_data_format says so.
        x = np.asarray(x)
        if x.ndim == 3:
            return x[..., None]
        return x if x.shape[-1] == channels else x.transpose(0, 2, 3, 1)

    return (images(x_train), np.asarray(y_train).reshape(-1).astype(np.int64)), (
        images(x_test),
        np.asarray(y_test).reshape(-1).astype(np.int64),
    )


_EXPORT_KEYS = ("x_train", "y_train", "x_test", "y_test")


def export_arrays(
    name: str,
    path: str,
    *,
    data_dir: str | None = None,
    download: bool = True,
    train_samples: int | None = None,
    test_samples: int | None = None,
) -> str:
    """Writes a dataset's raw splits to one `.npz` file, to load anywhere with `load_arrays(path)`.

    The pixels are kept as tfds gives them (not normalized), so
    `load_arrays(path, normalization=...)` normalizes them exactly as it
    does a tfds dataset. The file is written aside and renamed into place;
    its folder is created if need be (`DIR/mnist.npz`, for `--data-dir DIR`).

    Example:

    >>> kerasdnn.data.export_arrays("mnist", "mnist.npz")   # where tensorflow-datasets is
    >>> (x_train, y_train), test = kerasdnn.load_arrays("mnist.npz")  # anywhere

    Args:
        name: `"mnist"`, `"fashion_mnist"` or `"cifar10"`.
        path: The `.npz` file to write.
        data_dir: As in `load_arrays`. Defaults to `None`.
        download: As in `load_arrays`. Defaults to `True`.
        train_samples: Write only the first this many training samples (a
            small file to carry for smoke runs, which read the first 512).
            Defaults to `None` (all).
        test_samples: Write only the first this many test samples.
            Defaults to `None` (all).

    Returns:
        The path written.

    Raises:
        ValueError: If `name` is unknown, `path` does not end in `.npz`, or
            a sample count is below 1.
        TypeError: If a sample count is not an integer.
        DatasetNotFoundError: As in `load_arrays`.
    """
    function = "export_arrays"
    validation.check_choice(function, "name", name, tuple(DATASETS))
    if not str(path).endswith(".npz"):
        raise ValueError(f"{function}(): path must end in .npz; received path={path!r}")
    for argument, value in (("train_samples", train_samples), ("test_samples", test_samples)):
        if value is not None:
            validation.check_number(function, argument, value, low=1, integer=True)
    builder = _prepared_builder(function, name, data_dir, download)
    splits = (*_read_split(builder, "train", train_samples), *_read_split(builder, "test", test_samples))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with run_state.replacing(path) as temporary:
        np.savez(temporary, name=np.array(name), **dict(zip(_EXPORT_KEYS, splits)))
    return path


def _read_export(function, path):
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{function}(): no exported dataset at {path}; write it with kerasdnn data export NAME {path}"
        )
    try:
        return _load_splits(path)
    except _DAMAGED as error:
        raise ValueError(
            f"{function}(): {path} is damaged ({error}); export it again with kerasdnn data export NAME {path}"
        ) from None


# What NumPy raises on a truncated, overwritten or foreign .npz file.
_DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def _load_splits(path):
    # Opened here, so that the file is closed when NumPy fails to read it.
    with open(path, "rb") as handle, np.load(handle) as saved:
        x_train, y_train, x_test, y_test = (saved[key] for key in _EXPORT_KEYS)
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def _prepared_builder(function, name, data_dir, download):
    """Returns a tfds builder whose data is on disk, downloading it if allowed."""
    quiet.import_tensorflow(
        f"{function}({name!r}) through tensorflow-datasets (or export it where TensorFlow is, "
        f"`kerasdnn data export {name} {name}.npz`, and load it here with {function}('{name}.npz'))"
    )
    import tensorflow_datasets as tfds

    data_dir = _data_folder(data_dir)
    # tfds warns (through absl's logger) about each folder it finds no copy
    # in; the error below says it better.
    absl_logger = logging.getLogger("absl")
    level = absl_logger.level
    absl_logger.setLevel(logging.ERROR)
    try:
        builder = tfds.builder(name, data_dir=data_dir)
        prepared = builder.is_prepared()
    finally:
        absl_logger.setLevel(level)
    if prepared:
        return builder
    reason = "downloading is off (download=False)"
    servers = (TFDS_MIRROR, DATASETS[name]["source"])
    if download and not _reachable(servers, NETWORK_TIMEOUT):
        names = " or ".join(f"{host}:{port}" for host, port in dict.fromkeys(servers))
        reason = f"the network is unreachable (no connection to {names} within {NETWORK_TIMEOUT} s)"
    elif download:
        # Folders tfds creates for the download, deepest first: removed again
        # if it fails, so a failed attempt leaves nothing half-written.
        root = os.path.dirname(os.path.dirname(builder.data_dir))
        created = [
            path
            for path in (
                os.path.join(root, "downloads", name),
                os.path.join(root, "downloads", "extracted"),
                os.path.join(root, "downloads"),
                os.path.join(root, name),
                root,
            )
            if not os.path.exists(path)
        ]
        try:
            builder.download_and_prepare()
            return builder
        except Exception as error:  # tfds raises many kinds on a failed download
            reason = f"downloading it failed ({type(error).__name__}: {error})"
            for path in created:
                shutil.rmtree(path, ignore_errors=True)
    raise DatasetNotFoundError(
        f"{function}(): no prepared copy of {name!r} in {builder.data_dir} and "
        f"{reason}. Point data_dir= (--data-dir in the recipes) or the "
        f"TFDS_DATA_DIR environment variable at a folder that holds a "
        f"prepared tfds copy ({name}/{builder.version}/ inside it)."
    )


def _reachable(servers, timeout):
    """Whether any of `servers` (`(host, port)` pairs) accepts a TCP connection within `timeout` seconds.

    The probes run in threads because name resolution takes no timeout of
    its own and can hang offline.
    """
    answered = threading.Event()

    def probe(server):
        try:
            socket.create_connection(server, timeout=timeout).close()
            answered.set()
        except OSError:
            pass

    threads = [threading.Thread(target=probe, args=(server,), daemon=True) for server in dict.fromkeys(servers)]
    for thread in threads:
        thread.start()
    # Until one answers, all have failed, or the time is up.
    deadline = time.monotonic() + timeout
    while not answered.is_set() and any(thread.is_alive() for thread in threads) and time.monotonic() < deadline:
        answered.wait(0.05)
    return answered.is_set()


def _read_split(builder, split, samples):
    import tensorflow_datasets as tfds  # imported quietly by _prepared_builder, which made `builder`

    split = f"{split}[:{samples}]" if samples else split
    images, labels = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, as_supervised=True))
    return images, labels.astype(np.int64)
