"""Where an epoch of the headline BN-MLP spends its time, by the TensorFlow profiler.

Trains the headline BN-MLP (`mnist_bn`) with `kerasdnn.train`'s defaults for one
warm-up epoch, records the next with `tf.profiler`, and sums each op's own
time by what it does (forward and backward matrix multiplies, the optimizer,
dropout's random numbers, batch normalization, the input pipeline, the rest).
Op times add up to more than the epoch when ops run side by side on the two
cores; the JSON keeps both. Needs the `bench` extra (xprof reads the trace).

    python benchmarks/profile_epoch.py
"""

import argparse
import collections
import glob
import json
import os
import tempfile
import time

import keras
import tensorflow as tf
from xprof.convert import raw_to_tool_data

import kerasdnn

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data-dir", default=None)
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "profile_epoch.json"))
args = parser.parse_args()

(x_train, y_train), _ = kerasdnn.load_arrays("mnist", data_dir=args.data_dir)
keras.utils.set_random_seed(0)
model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), dropout=0.2)
kerasdnn.train(model, x_train, y_train, epochs=1, batch_size=128, learning_rate=1e-3, verbose=0)

## One profiled epoch (the model is compiled and traced by now)

dataset = kerasdnn.make_dataset(x_train, y_train, batch_size=128, seed=0)
with tempfile.TemporaryDirectory() as trace_dir:
    tf.profiler.experimental.start(trace_dir)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, shuffle=False, verbose=0)
    epoch_seconds = time.perf_counter() - start
    tf.profiler.experimental.stop()
    traces = glob.glob(os.path.join(trace_dir, "plugins", "profile", "*", "*.xplane.pb"))
    stats, _ = raw_to_tool_data.xspace_to_tool_data(traces, "framework_op_stats", {})

## Sum each op's own time by what it does

table = json.loads(stats)[0]
columns = [column["label"] for column in table["cols"]]
TYPE, NAME, SELF = (
    columns.index("Operation Type"),
    columns.index("Operation Name"),
    columns.index("Total self-time (us)"),
)


def category(op_type, name):
    if op_type == "IDLE":
        return None
    if op_type == "Dataset" or name.startswith("Iterator"):
        return "input pipeline (tf.data)"
    if "MatMul" in op_type:
        return "matmul, backward" if "gradient_tape" in name else "matmul, forward"
    if "/adam/" in name:
        return "optimizer (Adam)"
    if "dropout" in name:
        return "dropout"
    if "_bn" in name:
        return "batch normalization"
    return "everything else"


seconds = collections.Counter()
for row in table["rows"]:
    cells = [cell["v"] if cell else None for cell in row["c"]]
    name = category(cells[TYPE], cells[NAME])
    if name:
        seconds[name] += cells[SELF] / 1e6
total = sum(seconds.values())
report = {
    "epoch_seconds": epoch_seconds,
    "op_seconds": total,
    "by_category": [
        {"category": name, "seconds": value, "share": value / total} for name, value in seconds.most_common()
    ],
    "versions": {"keras": keras.__version__, "tensorflow": tf.__version__},
}
os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(kerasdnn.console.format_table(report["by_category"], ["category", "seconds", "share"]))
print(f"epoch {epoch_seconds:.2f} s wall, {total:.2f} s of op time")
