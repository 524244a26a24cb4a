"""TensorFlow without the start-up lines that read as failures on a machine without a GPU.

TensorFlow's C++ start-up writes straight to the process's stderr before its
own log level applies (`TF_CPP_MIN_LOG_LEVEL=2` does not silence these): that
no CUDA driver was found, that `cuInit` failed, which CPU instructions the
build leaves unused. `import_tensorflow` imports TensorFlow and initializes
its devices with exactly those lines taken out of stderr; every other line
passes, so on a machine with a GPU, where they do not occur, whatever
TensorFlow says about its devices is shown. On a machine without a GPU it
also hides TensorFlow's INFO lines (`TF_CPP_MIN_LOG_LEVEL=1`) unless you set
the variable yourself; `TF_CPP_MIN_LOG_LEVEL=0` (you asked for every line)
turns the filter off too.

kerasdnn imports TensorFlow only through here (for tensorflow-datasets,
`tf.data`, `tf.distribute`, TensorBoard's HParams logs and the TensorFlow
backend). On JAX and PyTorch TensorFlow is optional: where it is not
installed, `import kerasdnn`, the builders, the zoo, `train` on arrays and
the searches work, and what needs it says so.
"""

import contextlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import Any

# Substrings of the lines taken out; each means "no GPU here", or nothing.
NOISE = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "Could not find cuda drivers on your machine, GPU will not be used",
    "failed call to cuInit",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions:",
    "oneDNN custom operations are on",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "TF-TRT Warning: Could not find TensorRT",
)


def tensorflow_installed() -> bool:
    """Whether TensorFlow can be imported here (on JAX and PyTorch kerasdnn runs without it)."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"] is not None
    return importlib.util.find_spec("tensorflow") is not None


class TensorFlowMissingError(ImportError):
    """A feature that needs TensorFlow was used where it is not installed; the message names both."""


def import_tensorflow(feature: str = "this") -> Any:
    """Imports TensorFlow and lists its devices with the no-GPU start-up lines filtered from stderr.

    Args:
        feature: What needs TensorFlow, for the error where it is not
            installed (`"load_arrays('mnist') through tensorflow-datasets"`).
            Defaults to `"this"`.

    Returns:
        The `tensorflow` module.

    Raises:
        TensorFlowMissingError: An `ImportError`, if TensorFlow is not
            installed; the message names `feature` and the install command.
    """
    if not tensorflow_installed():
        raise TensorFlowMissingError(
            f"{feature} needs TensorFlow, which is not installed here; install it with `pip install tensorflow`"
        )
    # Imported for the first time, TensorFlow is started by kerasdnn's import
    # watcher (kerasdnn/__init__.py calls start_tensorflow); imported before
    # kerasdnn was, it is hidden from the GPUs here.
    import tensorflow as tf

    keep_off_accelerators(tf)
    return tf


def start_tensorflow(tf: Any, execute: Callable[[Any], None]) -> None:
    """Runs TensorFlow's import, `execute(tf)`, with the no-GPU start-up lines filtered, then keeps it off the GPUs.

    Also lists its devices inside the filter, where TensorFlow probes for
    CUDA (`cuInit`), and on JAX and PyTorch seeds `tf.random` with the seed
    `keras.utils.set_random_seed` was given before (which kerasdnn keeps
    from importing TensorFlow itself). kerasdnn's import watcher calls this
    as TensorFlow is first imported, by whoever imports it.

    Args:
        tf: The `tensorflow` module, not yet executed.
        execute: Its loader's `exec_module`.
    """
    if not _has_gpu_devices():
        # TensorFlow's INFO lines on a CPU say nothing a user needs; where a
        # GPU is, they say which device is used and stay. A value you set wins.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    with filtered_stderr():
        execute(tf)
        tf.config.list_physical_devices()
    keep_off_accelerators(tf)
    if _backend() not in ("tensorflow", None):
        # keras.utils.set_random_seed left TensorFlow unimported on this
        # backend (kerasdnn.keras_internals); the seed it was given applies.
        from kerasdnn import keras_internals

        keras_internals.seed_tensorflow(tf)


def keep_off_accelerators(tf: Any) -> None:
    """Hides the GPUs from TensorFlow unless Keras runs on TensorFlow.

    On the JAX or PyTorch backend TensorFlow serves only `tf.data` and
    tensorflow-datasets, yet it takes most of every GPU's memory at its first
    op; the JAX and Keras guides say to hide the GPUs from it. This must run
    before TensorFlow's first op, which fixes its devices. While Keras is
    still being imported (it imports TensorFlow itself) its backend is not
    known yet: `import kerasdnn` calls this again once Keras is imported.

    Args:
        tf: The `tensorflow` module.
    """
    if _backend() in ("tensorflow", None):
        return
    try:
        tf.config.set_visible_devices([], "GPU")
    except RuntimeError:  # TensorFlow ran an op already: its devices are fixed
        pass


def _backend():
    # The backend Keras uses, or will, without importing Keras, which would
    # fix it before the caller has chosen; None while Keras is being imported.
    if "keras" in sys.modules:
        backend = getattr(sys.modules["keras"], "backend", None)
        return backend.backend() if backend is not None else None
    return os.environ.get("KERAS_BACKEND", "tensorflow")


def _has_gpu_devices():
    # NVIDIA's and AMD's device files: present wherever a GPU driver is loaded.
    return any(os.path.exists(path) for path in ("/dev/nvidiactl", "/dev/nvidia0", "/dev/kfd"))


@contextlib.contextmanager
def filtered_stderr(noise: Sequence[str] = NOISE) -> Iterator[None]:
    """Passes what is written to file descriptor 2 inside the block on, less the lines containing any of `noise`.

    Lines are passed on when the block ends (or raises), in their order.
    """
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") == "0":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            sys.stderr.write("".join(line for line in lines if not any(text in line for text in noise)))
            sys.stderr.flush()
