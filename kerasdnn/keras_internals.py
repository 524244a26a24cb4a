"""Keras's private API, in one place: each use below says why no public one does the job.

Imported only once Keras is (from kerasdnn's import watcher and the code
that needs it), and checked against the Keras releases `setup.cfg` admits.
"""

import sys
from typing import Any


def tensorflow_trainer() -> Any:
    """Keras's TensorFlow trainer module, whose `reduce_per_replica` multi-worker training replaces (`distribute`)."""
    from keras.src.backend.tensorflow import trainer

    return trainer


class _TensorFlowOnceImported:
    """Keras's lazy `tensorflow` module, available only once someone has imported TensorFlow.

    Two Keras modules ask whether TensorFlow is available, which imports it
    wherever it is installed, on every backend: `set_random_seed` (to seed
    `tf.random` for `tf.data` shuffles) and the serialization of every
    layer's config (is this a `tf.TensorShape`, a `tf.DType`?). On JAX and
    PyTorch that was seconds of every run's start for a module the run
    never used (the headline recipe reads its arrays with NumPy). No
    TensorFlow object exists before TensorFlow is imported, so the
    serialization's checks answer as before, and TensorFlow imported later
    is seeded as it is imported (`seed_tensorflow`), before any of its ops
    exist: its random ops draw what they would have.
    """

    def __init__(self, lazy):
        self._lazy = lazy

    @property
    def available(self):
        return sys.modules.get("tensorflow") is not None and self._lazy.available

    def __getattr__(self, name):
        return getattr(self._lazy, name)


def keep_tensorflow_unimported() -> None:
    """Keeps Keras's seeding and serialization from importing TensorFlow on the JAX and PyTorch backends.

    Keras offers no public way: each of those modules reads the lazy module
    it bound at import. On the TensorFlow backend nothing changes; Keras's
    other uses of TensorFlow (its preprocessing layers, `tf.data` inputs)
    still import it.
    """
    import keras

    if keras.backend.backend() == "tensorflow":
        return
    from keras.src.saving import serialization_lib
    from keras.src.utils import rng_utils

    for module in (rng_utils, serialization_lib):
        if not isinstance(module.tf, _TensorFlowOnceImported):
            module.tf = _TensorFlowOnceImported(module.tf)


def seed_tensorflow(tf: Any) -> None:
    """Seeds `tf.random` with the seed `keras.utils.set_random_seed` was last given, if any (none is public to read)."""
    from keras.src.utils import rng_utils

    seed = rng_utils.get_random_seed()
    if seed is not None:
        tf.random.set_seed(seed)
