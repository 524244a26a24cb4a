"""Trains a small MLP on JAX with kerasdnn.default_strategy() (test_distribute.py).

    XLA_FLAGS=--xla_force_host_platform_device_count=2 KERAS_BACKEND=jax python jax_data_parallel_fit.py OUTPUT.npz

With two virtual CPU devices, or two processes joined through the
KERAS_DISTRIBUTION_* variables, the default distribution is DataParallel and
each batch is split across them; the test compares the final weights and
losses with a one-device run.
"""

import sys

import keras
import numpy as np

import kerasdnn

distribution = kerasdnn.default_strategy()
if distribution is not None:
    keras.distribution.set_distribution(distribution)
x = np.random.default_rng(0).normal(size=(512, 16)).astype("float32")
y = (x[:, :4].sum(axis=1) > 0).astype(int)
keras.utils.set_random_seed(0)
# No dropout: its masks are drawn per device, so they would differ.
model = kerasdnn.mlp((16,), units=(32, 16), classes=2)
result = kerasdnn.train(model, x, y, epochs=3, batch_size=64, verbose=0)
weights = model.get_weights()
np.savez(
    sys.argv[1],
    devices=len(keras.distribution.list_devices()),
    distribution=type(distribution).__name__ if distribution is not None else "None",
    loss=np.array(result["history"]["loss"]),
    weights=len(weights),
    **{f"w{index}": weight for index, weight in enumerate(weights)},
)
