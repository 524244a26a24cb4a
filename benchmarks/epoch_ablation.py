"""Where the headline's steady epoch goes on JAX: the matmul floor, then each part of the net added in turn.

`time_to_accuracy.py` asks the recipe's steady epoch to come within 1.5× of
the floor, the epoch's matrix multiplies alone as one compiled JAX loop.
This says what the rest of the epoch is made of. In one process, on the
JAX backend, each row fits the headline's 784-512-256-128-10 net with
plain Keras (`steps_per_execution=32`, batch 128) on 55,000 random images
(the time does not depend on the pixels) for 4 epochs, each row adding one
part to the row before:

- `floor`: the matmuls alone (forward, and the weight and input gradients);
- `dense_sgd`: Dense layers with biases, ReLU, softmax cross-entropy, SGD;
- `batch_norm`: batch normalization after each hidden Dense, which loses
  its bias, as in the headline;
- `dropout`: Dropout(0.2) after each block: the headline's net;
- `adamw_cosine`: the headline's AdamW (decay 0.05) with its cosine
  schedule: the headline's net and optimizer, plain `fit`;
- `kerasdnn_train`: the same through `kerasdnn.train`, as the recipe runs it.

For each: the steady epoch (the fastest after the first), and its ratio to
the floor.

    python benchmarks/epoch_ablation.py            # under a minute on 2 cores (results/epoch_ablation.json)
    python benchmarks/epoch_ablation.py --smoke    # seconds: 1,024 images, 2 epochs

Writes benchmarks/results/epoch_ablation.json (smoke runs: --output elsewhere).
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np

import kerasdnn

import headline
from timing import EpochTimer, cpu_description, steady

HERE = os.path.dirname(os.path.abspath(__file__))
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="1,024 random images, 2 epochs")
parser.add_argument("--output", default=os.path.join(HERE, "results", "epoch_ablation.json"))
args = parser.parse_args()

SAMPLES, EPOCHS = (1024, 2) if args.smoke else (55_000, 4)
BATCH_SIZE = 128
generator = np.random.default_rng(0)
x = generator.uniform(size=(SAMPLES, 784)).astype("float32")
y = generator.integers(0, 10, size=SAMPLES)


def net(batch_norm, dropout):
    """The headline's layers, with batch normalization and dropout each on or off."""
    inputs = keras.Input((784,))
    outputs = inputs
    for units in headline.HIDDEN:
        outputs = keras.layers.Dense(units, use_bias=not batch_norm, kernel_initializer="he_normal")(outputs)
        if batch_norm:
            outputs = keras.layers.BatchNormalization()(outputs)
        outputs = keras.layers.ReLU()(outputs)
        if dropout:
            outputs = keras.layers.Dropout(headline.DROPOUT)(outputs)
    return keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(outputs))


def headline_optimizer():
    settings = headline.record_settings()
    rate = keras.optimizers.schedules.CosineDecay(
        settings["learning_rate"], decay_steps=EPOCHS * -(-SAMPLES // BATCH_SIZE)
    )
    return keras.optimizers.AdamW(rate, weight_decay=settings["weight_decay"])


def fit_steady_epoch(batch_norm, dropout, optimizer):
    keras.utils.set_random_seed(0)
    model = net(batch_norm, dropout)
    model.compile(
        optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"], steps_per_execution=32
    )
    timer = EpochTimer()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, callbacks=[timer], verbose=0)
    return steady(timer.seconds)


def train_steady_epoch():
    keras.utils.set_random_seed(0)
    run = kerasdnn.train(
        net(True, True), x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, optimizer=headline_optimizer(), verbose=0
    )
    return steady(run["epoch_seconds"])


started = time.perf_counter()
rows = {"floor": headline.matmul_floor(SAMPLES)}
rows["dense_sgd"] = fit_steady_epoch(False, False, keras.optimizers.SGD(0.01))
rows["batch_norm"] = fit_steady_epoch(True, False, keras.optimizers.SGD(0.01))
rows["dropout"] = fit_steady_epoch(True, True, keras.optimizers.SGD(0.01))
rows["adamw_cosine"] = fit_steady_epoch(True, True, headline_optimizer())
rows["kerasdnn_train"] = train_steady_epoch()
report = {
    "smoke": args.smoke,
    "samples": SAMPLES,
    "epochs": EPOCHS,
    "batch_size": BATCH_SIZE,
    "cpu": cpu_description(),
    "steady_epoch_seconds": rows,
    "over_floor": {name: seconds / rows["floor"] for name, seconds in rows.items()},
    "wall_seconds": time.perf_counter() - started,
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(
    "\n".join(
        f"{name:15s} {seconds:6.3f} s  {report['over_floor'][name]:.2f}× the floor" for name, seconds in rows.items()
    )
)
