"""On JAX and PyTorch kerasdnn runs where TensorFlow is not installed, and what needs TensorFlow says so."""

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.xdist_group("without_tensorflow")

# Run in a fresh Python where `import tensorflow` fails, as where it is not
# installed: a None entry in sys.modules makes every import of it raise.
SCRIPT = r"""
import json, os, sys, tempfile
sys.modules["tensorflow"] = None
import numpy as np
import keras, keras_tuner
import kerasdnn
from kerasdnn import tuning

out = {"backend": keras.backend.backend()}
rng = np.random.default_rng(0)
x = rng.normal(size=(96, 8)).astype("float32")
y = (x[:, 0] > 0).astype(int)
folder = tempfile.mkdtemp()

# The builders, train on arrays, saving and loading, a zoo model.
model = kerasdnn.mlp((8,), units=(16,), classes=2, normalization="weight")
result = kerasdnn.train(model, x, y, validation_data=(x[:32], y[:32]), epochs=2, batch_size=16, verbose=0,
                        output_dir=os.path.join(folder, "run"))
out["epochs_run"] = result["epochs_run"]
loaded = keras.saving.load_model(os.path.join(folder, "run", "model.keras"))
out["same_predictions"] = bool(np.allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6))
out["zoo_parameters"] = kerasdnn.zoo.create_model("mnist_bn").count_params()

# A search over the builders' space, on arrays.
tuner = tuning.make_tuner("random", tuning.MLPHyperModel((8,), classes=2), max_trials=2,
                                   directory=os.path.join(folder, "search"), seed=0)
tuning.search(tuner, x[32:], y[32:], validation_data=(x[:32], y[:32]), epochs=1)
out["trials"] = len(tuner.oracle.trials)

# A dataset by name comes through keras.datasets (here a stand-in for its
# download: 3 training images of 4 levels, 2 test images), with a warning.
import warnings
pixels = np.arange(3 * 28 * 28).reshape(3, 28, 28) % 4
keras.datasets.mnist.load_data = lambda: ((pixels.astype("uint8"), np.array([5, 0, 4], "uint8")),
                                          (pixels[:2].astype("uint8"), np.array([7, 2], "uint8")))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist", normalization="min_max", train_samples=2)
out["fallback"] = {"shapes": [list(x_train.shape), list(x_test.shape)], "labels": y_train.tolist() + y_test.tolist(),
                   "dtypes": [str(x_train.dtype), str(y_train.dtype)], "range": [float(x_train.min()), float(x_train.max())],
                   "warnings": [(type(w.message).__name__, str(w.message), os.path.basename(w.filename)) for w in caught]}

def unreachable():
    raise OSError("no route to host")
keras.datasets.mnist.load_data = unreachable
try:
    kerasdnn.load_arrays("mnist")
except kerasdnn.DatasetNotFoundError as error:
    out["unreachable"] = str(error)

# What needs TensorFlow names itself and the install command.
for name, call in (("load_arrays", lambda: kerasdnn.load_arrays("mnist", download=False)),
                   ("make_dataset", lambda: kerasdnn.make_dataset(x, y))):
    try:
        call()
        out[name] = "no error"
    except ImportError as error:
        out[name] = str(error)
out["tensorflow_imported"] = sys.modules["tensorflow"] is not None
print("RESULT " + json.dumps(out))
"""


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_kerasdnn_works_without_tensorflow(backend, tmp_path):
    if backend == "torch":
        pytest.importorskip("torch")
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        # An empty user cache: a decoded tfds copy there would be read instead of keras.datasets.
        env={**os.environ, "KERAS_BACKEND": backend, "XDG_CACHE_HOME": str(tmp_path)},
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    (line,) = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    out = json.loads(line[len("RESULT ") :])
    assert out["backend"] == backend and out["epochs_run"] == 2 and out["same_predictions"]
    assert out["zoo_parameters"] == 570_122 and out["trials"] == 2 and not out["tensorflow_imported"]
    fallback = out["fallback"]
    assert fallback["shapes"] == [[2, 28, 28, 1], [2, 28, 28, 1]] and fallback["labels"] == [5, 0, 7, 2]
    assert fallback["dtypes"] == ["float32", "int64"] and fallback["range"] == [0.0, 1.0]  # min-max of levels 0..3
    ((kind, message, filename),) = fallback["warnings"]
    assert kind == "KerasDatasetsWarning" and filename == "<string>"  # points at the caller's line
    assert message.startswith(
        "load_arrays('mnist'): TensorFlow is not installed, so tensorflow-datasets cannot load "
        "it; loading it through keras.datasets instead"
    )
    assert "in another order than tensorflow-datasets', so split_validation holds out other images" in message
    assert out["unreachable"] == (
        "load_arrays(): 'mnist' could not be downloaded through keras.datasets (OSError: no route to host), and "
        "tensorflow-datasets needs TensorFlow, which is not installed. Export it where TensorFlow is (`kerasdnn data "
        "export mnist mnist.npz`) and load that file, or install TensorFlow (`pip install tensorflow`) and point "
        "data_dir= at a prepared copy."
    )
    assert out["load_arrays"] == (
        "load_arrays('mnist') through tensorflow-datasets (or export it where TensorFlow is, `kerasdnn data export "
        "mnist mnist.npz`, and load it here with load_arrays('mnist.npz')) needs TensorFlow, which is not installed "
        "here; install it with `pip install tensorflow`"
    )
    assert out["make_dataset"] == (
        "make_dataset() (a tf.data pipeline) needs TensorFlow, which is not installed here; install it with "
        "`pip install tensorflow`"
    )
