"""Shared fixtures: the offline dataset copy, seeds and small MNIST arrays."""

import os
import pathlib
import socket

# Tests (never the package) point tfds at the prepared copy beside the
# repository when nothing else is configured; CI sets TFDS_DATA_DIR itself.
_SHARED_DATA = pathlib.Path(__file__).resolve().parents[2] / "shared" / "tensorflow_datasets"
if _SHARED_DATA.is_dir():
    os.environ.setdefault("TFDS_DATA_DIR", str(_SHARED_DATA))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The suite runs on the library's default backend, JAX, unless the caller
# chose another: .ci/run runs the `core` tests again on TensorFlow.
os.environ.setdefault("KERAS_BACKEND", "jax")
# JAX keeps its compiled programs on disk, shared by the test processes and
# the recipes they start: the same networks recur across tests, and a second
# run of the suite compiles almost nothing (a recipe's smoke run: 70 s cold,
# 30 s warm, measured on the 2-core CPU).
REPOSITORY = pathlib.Path(__file__).resolve().parents[1]
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(REPOSITORY / ".jax_cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")
# The decoded datasets that load_arrays keeps go to the suite's own folder, not
# the user's; tests of the cache itself point it at a folder of their own.
os.environ["XDG_CACHE_HOME"] = str(REPOSITORY / ".cache")
# Compiling, not running, is most of a small test's time. XLA's CPU backend
# without its costly optimizations compiles a step in about 70 % of the time
# (the mnist_bn smoke run: 19.2 s cold, 13.8 s with these flags, the same
# accuracy to the last digit) and the few steps a test trains do not feel
# the slower code.
# The subprocesses the tests start inherit it; recipes and users never see it.
_FAST_COMPILE = "--xla_backend_optimization_level=0 --xla_llvm_disable_expensive_passes=true"
if "xla_backend_optimization_level" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FAST_COMPILE}".strip()

# kerasdnn before Keras: it imports TensorFlow without the start-up lines that
# read as failures on a CPU-only machine (kerasdnn.quiet).
import kerasdnn  # noqa: E402  isort: skip  (after the environment is set)

import keras  # noqa: E402
import pytest  # noqa: E402

# Keras picks its backend once, at its first import: a process that imported
# it before this file (mutmut's fork server preloads it) must have chosen the
# same backend, or every test would run on another one without a word.
if keras.backend.backend() != os.environ["KERAS_BACKEND"]:
    raise pytest.UsageError(
        f"Keras was imported with the {keras.backend.backend()} backend before tests/conftest.py chose "
        f"{os.environ['KERAS_BACKEND']}; set KERAS_BACKEND={os.environ['KERAS_BACKEND']} before starting the run"
    )


def pytest_collection_modifyitems(items):
    """Runs the integration tests (subprocesses, minutes each) first, so that the workers finish together.

    And refuses a test that this run skips for its backend but that is not
    in the `core` subset: .ci/run runs the whole suite on JAX and only
    `core` on TensorFlow and PyTorch, so such a test would run nowhere.
    """
    items.sort(key=lambda item: item.get_closest_marker("integration") is None)
    if keras.backend.backend() != "jax":
        return
    nowhere = [
        item.nodeid
        for item in items
        if not item.get_closest_marker("core")
        and any(mark.args and mark.args[0] is True for mark in item.iter_markers("skipif"))
    ]
    if nowhere:
        raise pytest.UsageError(
            f"skipped on JAX but not marked core, so .ci/run runs them on no backend: {', '.join(nowhere)}; "
            f"mark them @pytest.mark.core"
        )


def tensorflow_backend_environment():
    """The environment of a subprocess that must run on TensorFlow (tf.distribute tests)."""
    return {**os.environ, "KERAS_BACKEND": "tensorflow"}


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def seed():
    """Seeds Python, NumPy and the backend; returns the seed."""
    keras.utils.set_random_seed(1234)
    return 1234


@pytest.fixture(scope="session")
def mnist_small():
    """3,000 training and 1,000 test MNIST images scaled to [0, 1]."""
    return kerasdnn.load_arrays("mnist", train_samples=3000, test_samples=1000)


@pytest.fixture(scope="session")
def smoke_data_dir(tmp_path_factory):
    """A `--data-dir` of small MNIST and Fashion-MNIST exports: the first 1,024 training and 512 test images.

    Commands started as subprocesses read them with NumPy alone, so each
    skips TensorFlow's import (seconds per process); a smoke run reads the
    same first images from these as from tfds's copy.
    """
    folder = tmp_path_factory.mktemp("smoke_data")
    for name in ("mnist", "fashion_mnist"):
        kerasdnn.data.export_arrays(name, str(folder / f"{name}.npz"), train_samples=1024, test_samples=512)
    return str(folder)
