"""How the headline recipe's epoch time scales with batch size and with data size.

Trains the headline BN-MLP (784-512-256-128-10, BN, dropout 0.2, Adam 1e-3)
with `kerasdnn.train`'s defaults, all in one process:

- over the 60,000 MNIST training images at batch sizes 32 to 1024: seconds
  per epoch, samples per second, and test accuracy after the same epochs
  (bigger batches are faster per epoch but take fewer steps);
- at batch 128 over 7,500 to 60,000 images (two rounds, the faster kept):
  seconds per epoch, fitted by
  least squares as a fixed cost per epoch plus a cost per sample (linear
  scaling), with the worst point's relative distance from that line.

    python benchmarks/scaling.py            # about 3 minutes
    python benchmarks/scaling.py --smoke    # a few seconds, tiny sizes
"""

import argparse
import json
import os

import keras
import numpy as np

import kerasdnn

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument(
    "--epochs",
    type=kerasdnn.console.positive_int,
    default=3,
    help="epochs per measurement; the first is a warm-up and is not timed",
)
parser.add_argument("--data-dir", default=None)
parser.add_argument("--smoke", action="store_true", help="tiny sizes and two epochs, to check the script runs")
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "scaling.json"))
args = parser.parse_args()
batch_sizes, sample_counts, epochs = (32, 64, 128, 256, 512, 1024), (7_500, 15_000, 30_000, 60_000), args.epochs
if args.smoke:
    batch_sizes, sample_counts, epochs = (32, 128), (256, 512), 2

(x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays(
    "mnist", data_dir=args.data_dir, train_samples=max(sample_counts), test_samples=256 if args.smoke else None
)


def measure(samples, batch_size):
    """Seconds per epoch and test accuracy of one run.

    The time is the fastest epoch after the first (which traces): on a shared
    machine other load only ever adds time, so the minimum is the steadiest
    estimate.
    """
    keras.utils.set_random_seed(0)
    model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), dropout=0.2)
    result = kerasdnn.train(
        model,
        x_train[:samples],
        y_train[:samples],
        test_data=(x_test, y_test),
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=1e-3,
        verbose=0,
    )
    seconds = min(result["epoch_seconds"][1:])
    return {
        "samples": samples,
        "batch_size": batch_size,
        "seconds_per_epoch": seconds,
        "samples_per_second": samples / seconds,
        "test_accuracy": result["test"]["accuracy"],
    }


## Batch size, over all the training images

by_batch_size = [measure(max(sample_counts), batch_size) for batch_size in batch_sizes]

## Data size, at batch 128

# Two rounds over the sizes, keeping each size's faster run, so that a burst
# of load on the machine does not bend the line.
rounds = [[measure(samples, 128) for samples in sample_counts] for _ in range(2)]
by_samples = [min(runs, key=lambda row: row["seconds_per_epoch"]) for runs in zip(*rounds)]
counts = np.array([row["samples"] for row in by_samples], dtype=float)
seconds = np.array([row["seconds_per_epoch"] for row in by_samples])
seconds_per_sample, fixed_seconds = (float(value) for value in np.polyfit(counts, seconds, 1))
worst_residual = float(np.max(np.abs(seconds - (fixed_seconds + seconds_per_sample * counts)) / seconds))

## Report

report = {
    "epochs": epochs,
    "smoke": args.smoke,
    "by_batch_size": by_batch_size,
    "by_samples": by_samples,
    "linear_fit": {
        "fixed_seconds_per_epoch": fixed_seconds,
        "seconds_per_1000_samples": 1000 * seconds_per_sample,
        "worst_relative_residual": worst_residual,
    },
    "versions": {"keras": keras.__version__},
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(
    kerasdnn.console.format_table(
        by_batch_size, ["batch_size", "seconds_per_epoch", "samples_per_second", "test_accuracy"]
    )
)
print(kerasdnn.console.format_table(by_samples, ["samples", "seconds_per_epoch", "samples_per_second"]))
print(json.dumps(report["linear_fit"]))
