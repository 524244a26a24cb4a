"""One epoch of deck 002's CIFAR-10 net, timed on every device TensorFlow sees.

Reproduces: SPEC.md deck 002 (CS231n lecture 6, "CPU vs GPU vs TPU"): the
Conv2D(64, 2×2, same) → MaxPooling2D → Flatten → Dense(10) net, exactly
164,682 parameters, Adam(0.01), batch 32, one epoch over 40,000 CIFAR-10
images: 47 s on the deck's CPU, 10 s on its GPU. Each device is timed twice:
with plain Keras's one batch per step, as the deck ran it, and with
kerasdnn's default of 32 batches per compiled call.

CIFAR-10 comes from tfds when a prepared copy is there (or --data-source tfds
downloads it); otherwise 40,000 generated images of the same shape stand in,
since the time of an epoch does not depend on the pixel values. The results
say which was used.

    python recipes/cpu_vs_gpu.py           # full run, a minute or two per device
    python recipes/cpu_vs_gpu.py --smoke   # seconds: 512 images

Expected: the CPU epoch in the tens of seconds (the deck: 47 s), a GPU several
times faster when present. Measured: see "Result" at the end.
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

from kerasdnn.data import SMOKE_TRAIN_SAMPLES
from kerasdnn.reporting import format_table, recipe_parser
from kerasdnn.results import record_result

## Setup

parser = recipe_parser(__doc__, epochs=1, batch_size=32, learning_rate=0.01, output_dir="runs/cpu_vs_gpu")
parser.add_argument("--data-source", choices=("auto", "tfds", "generated"), default="auto",
                    help="auto: tfds's CIFAR-10 if a prepared copy is found, else generated arrays (default: %(default)s)")
args = parser.parse_args()
samples = SMOKE_TRAIN_SAMPLES if args.smoke else 40_000

## Prepare the data

source = "generated"
if args.data_source != "generated":
    try:
        (x_train, y_train), _ = kerasdnn.load_arrays(
            "cifar10", data_dir=args.data_dir, train_samples=samples, test_samples=1,
            download=args.data_source == "tfds",
        )
        source = "tfds cifar10"
    except kerasdnn.DatasetNotFoundError as error:
        if args.data_source == "tfds":
            raise
        print(f"no CIFAR-10 copy, timing on generated arrays instead ({error})")
if source == "generated":
    generator = np.random.default_rng(args.seed)
    x_train = generator.uniform(size=(samples, 32, 32, 3)).astype(np.float32)
    y_train = generator.integers(0, 10, size=samples)

## Time one epoch per device and per steps_per_execution

devices = [d for d in tf.config.list_logical_devices() if d.device_type in ("CPU", "GPU", "TPU")]
rows = []
for device in devices:
    for steps_per_execution in sorted({1, kerasdnn.training.default_steps_per_execution()}):
        keras.utils.set_random_seed(args.seed)
        with tf.device(device.name):
            model = kerasdnn.zoo.create_model("cifar10_deck002")
            result = kerasdnn.train(
                model, x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, optimizer="adam",
                learning_rate=args.learning_rate, steps_per_execution=steps_per_execution, seed=args.seed, verbose=0,
                output_dir=os.path.join(args.output_dir, f"{device.device_type.lower()}_spe{steps_per_execution}"),
            )
        rows.append({
            "device": device.name, "steps_per_execution": steps_per_execution,
            "seconds_per_epoch": result["seconds_per_epoch"],
            "parameters": result["parameters"],
        })

## Evaluate

deck = [{"device": "deck 002 CPU", "seconds_per_epoch": 47.0}, {"device": "deck 002 GPU", "seconds_per_epoch": 10.0}]
print(f"data: {source}, {samples:,} images, batch {args.batch_size}")
print(format_table(deck + rows, ["device", "steps_per_execution", "seconds_per_epoch", "parameters"]))
timings = "; ".join(f"{row['device']} ×{row['steps_per_execution']}: {row['seconds_per_epoch']:.1f} s" for row in rows)
summary = {
    "recipe": "cpu_vs_gpu",
    "reproduces": "deck 002 CPU vs GPU: 164,682-parameter CIFAR-10 net, 1 epoch of 40,000",
    "metric": "seconds per epoch per device (×batches per call)",
    "reference": "47 s CPU, 10 s GPU",
    "ours": f"{timings} ({source} data)",
    "epochs": args.epochs,
    "train_seconds": sum(row["seconds_per_epoch"] for row in rows),
}
payload = {"summary": summary, "data_source": source, "samples": samples, "rows": rows, "deck": deck, "settings": vars(args)}
kerasdnn.write_json(os.path.join(args.output_dir, "cpu_vs_gpu.json"), payload)
record_result(os.path.join(os.path.dirname(__file__), "results", "cpu_vs_gpu.json"), payload, smoke=args.smoke, results_dir=args.results_dir)

## Result
# Generated by recipes/reproduction_table.py from the results files; do not edit.
# recipes/results/cpu_vs_gpu.json (seed 0, tensorflow backend, 2-core CPU):
#   seconds per epoch per device (×batches per call): /device:CPU:0 ×1: 41.7 s;
#   /device:CPU:0 ×32: 37.9 s (generated data); reference 47 s CPU, 10 s GPU; 1
#   epochs, 80 s of training.

## Discussion
# Written for the run at commit e690dae (TensorFlow backend, before backends
# were recorded); the numbers of the current run are in the Result above.
# 2-core CPU, no GPU on this machine, generated arrays (no offline CIFAR-10)
# (recipes/results/cpu_vs_gpu.json): one epoch of 40,000 images took 14.6 s
# with one batch per step and 12.3 s with 32, against the deck's 47 s CPU and
# 10 s GPU. On a GPU machine the same command adds a row per GPU.
