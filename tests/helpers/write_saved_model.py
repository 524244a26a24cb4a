"""Writes tests/data/registered_objects.keras: a model holding every object kerasdnn registers, trained one step.

test_saving.py loads the committed file with the code of the day, so that
a move or rename of a registered class (`kerasdnn>Maxout`, ...) that would
break the `.keras` files users already have fails a test. Rerun only when
a registered object is added (then commit the new file):

    KERAS_BACKEND=jax python tests/helpers/write_saved_model.py
"""

import os

import keras
import numpy as np

import kerasdnn
from kerasdnn import callbacks, optimizers

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "..", "data", "registered_objects.keras")
INPUTS = os.path.join(HERE, "..", "data", "registered_objects.npz")


def build():
    """Every registered layer, activation and initializer in one small net."""
    keras.utils.set_random_seed(0)
    inputs = keras.Input((6,), name="inputs")
    x = kerasdnn.WeightNormalization(keras.layers.Dense(8, kernel_initializer="lsuv"), name="weight_normalized")(inputs)
    x = kerasdnn.Maxout(pieces=2, name="maxout")(x)
    x = keras.layers.Dense(4, kernel_initializer=kerasdnn.BigRandomNormal(), name="big")(x)
    x = keras.layers.Activation(kerasdnn.step, name="step")(x)
    outputs = keras.layers.Dense(3, activation="softmax", kernel_initializer=kerasdnn.SmallRandomNormal(), name="out")(
        x
    )
    model = keras.Model(inputs, outputs, name="registered_objects")
    model.compile(
        optimizer=optimizers.COUPLED[keras.optimizers.SGD](learning_rate=0.1, coupled_weight_decay=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy", callbacks.NonFiniteBatch("sparse_categorical_crossentropy")],
        # Saved with the compile settings: jit_compile=True would torch.compile it on PyTorch.
        jit_compile=False,
    )
    return model


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    x = generator.normal(size=(16, 6)).astype("float32")
    model = build()
    model.fit(x, np.arange(16) % 3, epochs=1, batch_size=16, verbose=0)
    model.save(MODEL)
    np.savez(INPUTS, x=x, predictions=model.predict(x, verbose=0))
    print(f"wrote {MODEL} and {INPUTS}")
