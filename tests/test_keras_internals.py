"""Keras's private API as kerasdnn uses it: TensorFlow left unimported on JAX and PyTorch, and seeded as Keras would."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from kerasdnn import keras_internals

pytestmark = pytest.mark.core

# Seeds, builds, trains, saves and reloads a model, then imports TensorFlow
# and draws from tf.random: with kerasdnn imported first, or with plain Keras.
PROGRAM = r"""
import json, os, sys, tempfile
if sys.argv[1] == "kerasdnn":
    import kerasdnn
import keras, numpy as np
keras.utils.set_random_seed(3)
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
model.compile("sgd", "mse")
model.fit(np.ones((8, 4)), np.zeros((8, 2)), verbose=0)
path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
keras.saving.load_model(path)
before = "tensorflow" in sys.modules
import tensorflow as tf
print("RESULT " + json.dumps({"imported_before": before, "draws": tf.random.uniform([3]).numpy().tolist()}))
"""


def _run(mode, backend):
    environment = {**os.environ, "KERAS_BACKEND": backend}
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, env=environment, timeout=300
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    (line,) = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(line[len("RESULT ") :])


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_seeding_training_and_saving_leave_tensorflow_unimported_and_it_draws_as_keras_seeded_it(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    ours, keras_own = _run("kerasdnn", backend), _run("keras", backend)
    assert ours["imported_before"] is False
    assert keras_own["imported_before"] is True  # what Keras alone does: seeding imports TensorFlow
    assert ours["draws"] == keras_own["draws"]


def test_tensorflow_objects_still_serialize_once_tensorflow_is_imported():
    import tensorflow as tf

    assert keras.saving.serialize_keras_object(tf.TensorShape([2, 3])) == [2, 3]
    assert keras.saving.serialize_keras_object(tf.float16) == "float16"


def test_keras_own_lazy_module_stays_on_tensorflow_and_is_replaced_once_on_other_backends():
    from keras.src.saving import serialization_lib
    from keras.src.utils import rng_utils

    replaced = keras.backend.backend() != "tensorflow"
    for module in (rng_utils, serialization_lib):
        assert isinstance(module.tf, keras_internals._TensorFlowOnceImported) is replaced
    wrapped = rng_utils.tf
    keras_internals.keep_tensorflow_unimported()
    assert rng_utils.tf is wrapped  # not wrapped twice


def test_a_seed_given_before_tensorflow_is_imported_applies_to_tf_random():
    import tensorflow as tf

    keras.utils.set_random_seed(11)
    tf.random.set_seed(0)
    keras_internals.seed_tensorflow(tf)
    draws = tf.random.uniform([2]).numpy()
    tf.random.set_seed(11)
    np.testing.assert_array_equal(draws, tf.random.uniform([2]).numpy())
