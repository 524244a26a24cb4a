"""keras-tuner's bookkeeping overhead: a small search vs fitting its trials by hand.

Runs a random search over `kerasdnn.tuning.MLPHyperModel` with the trials
of `recipes/tune_mnist.py` (4 epochs on 55,000 MNIST images, scored on the
5,000 held out), then builds and fits every trial's configuration again by
hand with the same data, epochs and callbacks, in the same process. Reports:

- the search's wall time and the hand-fitted trials' wall time, whose ratio
  less one is the overhead (target ≤ 10 %);
- that overhead in seconds per trial: a fixed cost (clean-up between trials,
  the oracle's files, a weights checkpoint per improving epoch), so its share
  shrinks as trials grow;
- the seconds of the search spent outside `fit`, measured by a callback.

    python benchmarks/tuner_overhead.py                                   # about 2 minutes
    python benchmarks/tuner_overhead.py --train-samples 12000 --epochs 2  # short trials
"""

import argparse
import json
import os
import platform
import tempfile
import time

import keras
import keras_tuner

import kerasdnn
from kerasdnn import tuning

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--max-trials", type=kerasdnn.console.positive_int, default=4)
parser.add_argument("--epochs", type=kerasdnn.console.positive_int, default=4)
parser.add_argument(
    "--train-samples",
    type=kerasdnn.console.positive_int,
    default=60_000,
    help="MNIST training images, the last twelfth held out for validation",
)
parser.add_argument("--data-dir", default=None)
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "tuner_overhead.json"))
args = parser.parse_args()

(x_train, y_train), _ = kerasdnn.load_arrays("mnist", data_dir=args.data_dir, train_samples=args.train_samples)
(x_train, y_train), (x_val, y_val) = kerasdnn.split_validation(x_train, y_train)
hypermodel = tuning.MLPHyperModel()


class FitTimer(keras.callbacks.Callback):
    """Adds up the seconds spent inside `fit`, trial after trial."""

    seconds = 0.0

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_end(self, logs=None):
        FitTimer.seconds += time.perf_counter() - self.start


def stopping():
    """The callbacks `tuning.search` gives every trial, for the hand-fitted runs."""
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=2), keras.callbacks.TerminateOnNaN()]


# Warm-up: the first fit in a process pays for TensorFlow's start-up.
warm_up = hypermodel.build(keras_tuner.HyperParameters())
warm_up.fit(x_train[:1024], y_train[:1024], epochs=1, verbose=0)

## The search

with tempfile.TemporaryDirectory() as directory:
    tuner = tuning.make_tuner("random", hypermodel, max_trials=args.max_trials, directory=directory, seed=0)
    start = time.perf_counter()
    tuning.search(tuner, x_train, y_train, validation_data=(x_val, y_val), epochs=args.epochs, callbacks=[FitTimer()])
    search_seconds = time.perf_counter() - start
    trials = sorted(tuner.oracle.trials.values(), key=lambda trial: trial.trial_id)
    search_fit_seconds = FitTimer.seconds

## The same trials by hand

start = time.perf_counter()
for trial in trials:
    model = hypermodel.build(trial.hyperparameters)
    hypermodel.fit(
        trial.hyperparameters,
        model,
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=args.epochs,
        callbacks=stopping(),
        verbose=0,
    )
by_hand_seconds = time.perf_counter() - start

## Report

report = {
    "trials": len(trials),
    "epochs_per_trial": args.epochs,
    "train_samples": len(x_train),
    "validation_samples": len(x_val),
    "search_seconds": search_seconds,
    "by_hand_seconds": by_hand_seconds,
    "overhead": search_seconds / by_hand_seconds - 1,
    "overhead_seconds_per_trial": (search_seconds - by_hand_seconds) / len(trials),
    "search_seconds_outside_fit": search_seconds - search_fit_seconds,
    "target_overhead": 0.10,
    "versions": {
        "keras": keras.__version__,
        "keras_tuner": keras_tuner.__version__,
        "python": platform.python_version(),
    },
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(
    json.dumps(
        {
            key: report[key]
            for key in (
                "search_seconds",
                "by_hand_seconds",
                "overhead",
                "overhead_seconds_per_trial",
                "search_seconds_outside_fit",
            )
        },
        indent=2,
    )
)
