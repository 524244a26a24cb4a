"""A tiny search run as its own process by test_tuning.py (distributed and kill tests).

    python tune_worker.py DIRECTORY MAX_TRIALS [--logical-cpus 2] [--slow]

Role and oracle address come from the KERASTUNER_* environment variables
when the distributed test sets them.
"""

import argparse
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument("directory")
parser.add_argument("max_trials", type=int)
parser.add_argument("--logical-cpus", type=int, default=0)
parser.add_argument("--slow", action="store_true", help="sleep in every epoch so a test can kill mid-trial")
args = parser.parse_args()
if args.logical_cpus:
    os.environ["KERAS_BACKEND"] = "tensorflow"  # MirroredStrategy is TensorFlow's

import tensorflow as tf  # noqa: E402

if args.logical_cpus:
    # Must happen before anything touches the devices.
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * args.logical_cpus)

import keras  # noqa: E402

import kerasdnn  # noqa: E402
from kerasdnn import tuning  # noqa: E402

(x, y), (x_val, y_val) = kerasdnn.load_arrays("mnist", train_samples=256, test_samples=128)
strategy = None
if args.logical_cpus:
    strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
tuner = tuning.make_tuner(
    "random",
    tuning.MLPHyperModel(depth=1, units_1=32, batch_size=64),
    max_trials=args.max_trials,
    directory=args.directory,
    project_name="search",
    distribution_strategy=strategy,
)
trained = []  # one entry per trial this process actually trains
callbacks = [keras.callbacks.LambdaCallback(on_train_begin=lambda logs: trained.append(1))]
if args.slow:
    callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda *_: time.sleep(1.5)))
tuning.search(tuner, x, y, validation_data=(x_val, y_val), epochs=2, callbacks=callbacks)
print(f"trained={len(trained)}")
if strategy is not None:
    print(f"replicas={strategy.num_replicas_in_sync}")
if "KERASTUNER_TUNER_ID" not in os.environ:  # a worker's oracle is a remote client
    print(f"trials={len(tuner.oracle.trials)}")
sys.stdout.flush()
os._exit(0)
