"""One worker of the 2-worker MultiWorkerMirroredStrategy test (test_distribute.py).

    TF_CONFIG='{"cluster": {"worker": [...]}, "task": {...}}' python multi_worker_fit.py OUTPUT.npz

Trains a small BN-MLP with kerasdnn.train under kerasdnn.default_strategy()
on 512 MNIST images and saves the final trainable weights, whether the
strategy is multi-worker and the results for the test to compare across workers.
"""

import json
import os
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"  # MultiWorkerMirroredStrategy is TensorFlow's

import keras
import numpy as np
import tensorflow as tf

import kerasdnn

# The multi-worker strategy has to exist before TensorFlow runs anything.
strategy = kerasdnn.default_strategy()
(x, y), (x_test, y_test) = kerasdnn.load_arrays("mnist", train_samples=512, test_samples=256)
with strategy.scope():
    model = kerasdnn.mlp((28, 28, 1), units=(64,), dropout=0.0)
    result = kerasdnn.train(
        model, x, y, test_data=(x_test, y_test), epochs=5, batch_size=64, learning_rate=0.005, seed=0, verbose=0
    )
    try:
        kerasdnn.train(model, x, y, epochs=1, steps_per_execution=4, verbose=0)
        refusal = None
    except ValueError as error:
        refusal = str(error)
np.savez(
    sys.argv[1],
    *[keras.ops.convert_to_numpy(weight) for weight in model.trainable_weights],
    summary=json.dumps(
        {
            "multi_worker": isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy),
            "replicas": strategy.num_replicas_in_sync,
            "loss": result["history"]["loss"],
            "test_accuracy": result["test"]["accuracy"],
            "steps_per_execution_4": refusal,
        }
    ),
)
sys.stdout.flush()
os._exit(0)  # the collective ops' threads can keep a clean exit waiting
