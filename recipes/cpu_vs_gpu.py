"""One epoch of deck 002's CIFAR-10 net, timed on every device TensorFlow sees.

Reproduces: deck 002 (CS231n lecture 6, "CPU vs GPU vs TPU"): the
Conv2D(64, 2×2, same) → MaxPooling2D → Flatten → Dense(10) net, exactly
164,682 parameters, Adam(0.01), batch 32, one epoch over 40,000 CIFAR-10
images: 47 s on the deck's CPU, 10 s on its GPU, and about 0.42 test
accuracy after that one epoch on the CPU. Each device is timed twice:
with plain Keras's one batch per step, as the deck ran it, and with
kerasdnn's default of 32 batches per compiled call.

CIFAR-10 comes from tfds when a prepared copy is there (or --data-source tfds
downloads it); otherwise 40,000 generated images of the same shape stand in,
since the time of an epoch does not depend on the pixel values; their
one-epoch accuracy is chance (about 0.1), and every row says which data it
used.

    python recipes/cpu_vs_gpu.py           # full run: 16 s of training here, 80 s on an AVX2 CPU (results files)
    python recipes/cpu_vs_gpu.py --smoke   # seconds: 512 images

Expected: the CPU epoch in the tens of seconds (the deck: 47 s), a GPU several
times faster when present; accuracy near 0.42 on CIFAR-10, near 0.1 on
generated data. Measured: see "Result" at the end.
"""

import os

# TensorFlow trains convolutions fastest on a CPU (hanbat_bn_cnn: 4.47 s an
# epoch against JAX's 13.04 s, benchmarks/results/backends.json); a
# KERAS_BACKEND you set wins.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# kerasdnn before Keras: it imports TensorFlow without the start-up lines that
# read as failures on a CPU-only machine (kerasdnn.quiet).
import kerasdnn  # isort: skip

import keras
import numpy as np
import tensorflow as tf

from kerasdnn.experiments import finish_recipe, format_table, recipe_parser

## Setup

parser = recipe_parser(
    __doc__,
    epochs=1,
    batch_size=32,
    learning_rate=0.01,
    output_dir="runs/cpu_vs_gpu",
    train_samples=40_000,
    test_samples=10_000,
)
parser.add_argument(
    "--data-source",
    choices=("auto", "tfds", "generated"),
    default="auto",
    help="auto: tfds's CIFAR-10 if a prepared copy is found, else generated arrays (default: %(default)s)",
)
args = parser.parse_args()

## Prepare the data

source = "generated"
if args.data_source != "generated":
    try:
        (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
            "cifar10",
            data_dir=args.data_dir,
            train_samples=args.train_samples,
            test_samples=args.test_samples,
            download=args.data_source == "tfds",
        )
        source = "tfds cifar10"
    except kerasdnn.DatasetNotFoundError as error:
        if args.data_source == "tfds":
            raise
        print(f"no CIFAR-10 copy, timing on generated arrays instead ({error})")
if source == "generated":
    generator = np.random.default_rng(args.seed)
    # Random images and labels: the timing is the lesson; their accuracy is
    # chance (about 0.1), and the row says the data were generated.
    x_train = generator.uniform(size=(args.train_samples, 32, 32, 3)).astype(np.float32)
    y_train = generator.integers(0, 10, size=args.train_samples)
    x_test = generator.uniform(size=(args.test_samples, 32, 32, 3)).astype(np.float32)
    y_test = generator.integers(0, 10, size=args.test_samples)

## The network: deck 002's timing net
# Conv2D(64, 2×2, same padding, ReLU) → MaxPooling2D → Flatten → Dense(10, softmax).


def deck002_net():
    return kerasdnn.cnn(
        (32, 32, 3), filters=(64,), kernel_size=2, convs=1, normalization=None, units=(), name="cifar10_deck002"
    )


# The zoo's record of the same net (tests/test_recipes.py keeps them equal).
NETWORKS = {"cifar10_deck002": deck002_net}

## Time one epoch per device and per steps_per_execution

devices = [d for d in tf.config.list_logical_devices() if d.device_type in ("CPU", "GPU", "TPU")]
rows = []
for device in devices:
    for steps_per_execution in sorted({1, kerasdnn.training.default_steps_per_execution()}):
        keras.utils.set_random_seed(args.seed)
        with tf.device(device.name):
            model = deck002_net()
            result = kerasdnn.train(
                model,
                x_train,
                y_train,
                test_data=(x_test, y_test),
                epochs=args.epochs,
                batch_size=args.batch_size,
                optimizer="adam",
                learning_rate=args.learning_rate,
                steps_per_execution=steps_per_execution,
                seed=args.seed,
                verbose=0,
                output_dir=os.path.join(args.output_dir, f"{device.device_type.lower()}_spe{steps_per_execution}"),
            )
        rows.append(
            {
                "device": device.name,
                "steps_per_execution": steps_per_execution,
                "seconds_per_epoch": result["seconds_per_epoch"],
                # Deck 002 shows about 0.42 after its one CPU epoch on CIFAR-10.
                "test_accuracy": result["test"]["accuracy"],
                "data": source,
                "parameters": result["parameters"],
            }
        )

## Evaluate

deck = [
    {"device": "deck 002 CPU", "seconds_per_epoch": 47.0, "test_accuracy": 0.42},
    {"device": "deck 002 GPU", "seconds_per_epoch": 10.0},
]
print(f"data: {source}, {args.train_samples:,} images, batch {args.batch_size}")
print(
    format_table(
        deck + rows, ["device", "steps_per_execution", "seconds_per_epoch", "test_accuracy", "data", "parameters"]
    )
)
timings = "; ".join(
    f"{row['device']} ×{row['steps_per_execution']}: {row['seconds_per_epoch']:.1f} s, "
    f"accuracy {row['test_accuracy']:.3f}"
    for row in rows
)
summary = {
    "recipe": "cpu_vs_gpu",
    "reproduces": "deck 002 CPU vs GPU: 164,682-parameter CIFAR-10 net, 1 epoch of 40,000",
    "metric": "seconds per epoch per device (×batches per call), one-epoch test accuracy",
    "reference": "47 s CPU (accuracy about 0.42), 10 s GPU",
    "ours": f"{timings} ({source} data)",
    "epochs": args.epochs,
    "train_seconds": sum(row["seconds_per_epoch"] for row in rows),
}
payload = {
    "summary": summary,
    "data_source": source,
    "samples": args.train_samples,
    "rows": rows,
    "deck": deck,
    "settings": vars(args),
}
finish_recipe(__file__, payload, args)

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/cpu_vs_gpu.json (seed 0, tensorflow backend, 2-core CPU):
#   seconds per epoch per device (×batches per call), one-epoch test accuracy:
#   /device:CPU:0 ×1: 8.8 s, accuracy 0.097; /device:CPU:0 ×32: 7.5 s, accuracy
#   0.097 (generated data); reference 47 s CPU (accuracy about 0.42), 10 s GPU;
#   1 epochs, 16 s of training.

## Discussion
# This round's run (recipes/results/cpu_vs_gpu.json), 2-core CPU with
# AVX-512 VNNI, where TensorFlow turns oneDNN on by itself, no GPU, generated
# arrays (no offline CIFAR-10): one epoch of 40,000 images took 8.8 s with
# one batch per step and 7.5 s with 32, against the deck's 47 s CPU and
# 10 s GPU; earlier runs on an AVX2 machine took 14.6 s and, later, 41.7 s
# for the same epoch, so compare devices only within one run. The test
# accuracy, 0.097 both ways, is chance on random labels, as it must be; the
# deck's 0.42 needs CIFAR-10 itself (--data-source tfds where it can be
# downloaded). On a GPU machine the same command adds a row per GPU.
