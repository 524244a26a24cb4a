"""Seconds from a fresh Python to `import kerasdnn`, to its first model (JAX, with and without TensorFlow) and to `kerasdnn --help`.

How long does a user wait before any work? Each row is a new process, run
once to warm the file cache and then `--repeats` times; the row reports the
median and the fastest of those. The rows, on the JAX backend:

- `import keras`: the floor kerasdnn builds on;
- `import kerasdnn` where TensorFlow is not installed (`import tensorflow`
  made to fail, as on a JAX GPU machine): loads no module of its own until
  a name is used;
- `import kerasdnn` and its first model, `kerasdnn.mlp((784,))`, which loads
  Keras: where TensorFlow is not installed, and where it is (Keras's JAX
  backend imports it then, and kerasdnn starts it quietly);
- `kerasdnn --help`, the command, which loads no Keras.

The targets: `import kerasdnn` without TensorFlow within 3 s, `kerasdnn
--help` within 1 s.

    python benchmarks/import_time.py            # 5 repeats of each row
    python benchmarks/import_time.py --smoke    # one run of each row but the TensorFlow one

Writes benchmarks/results/import_time.json (smoke runs: --output elsewhere).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument(
    "--repeats", type=int, default=5, help="timed runs per row, after one warm-up (default: %(default)s)"
)
parser.add_argument("--smoke", action="store_true", help="one run per row, no warm-up, no TensorFlow row")
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "import_time.json"))
args = parser.parse_args()

WITHOUT_TENSORFLOW = "import sys; sys.modules['tensorflow'] = None; import kerasdnn"
FIRST_MODEL = "; kerasdnn.mlp((784,))"
ROWS = {
    "import keras": [sys.executable, "-c", "import keras"],
    "import kerasdnn without TensorFlow": [sys.executable, "-c", WITHOUT_TENSORFLOW],
    "import kerasdnn and its first model, without TensorFlow": [sys.executable, "-c", WITHOUT_TENSORFLOW + FIRST_MODEL],
    "import kerasdnn and its first model, with TensorFlow": [sys.executable, "-c", "import kerasdnn" + FIRST_MODEL],
    "kerasdnn --help": [shutil.which("kerasdnn") or "kerasdnn", "--help"],
}
TARGETS = {"import kerasdnn without TensorFlow": 3.0, "kerasdnn --help": 1.0}
if args.smoke:
    del ROWS["import kerasdnn and its first model, with TensorFlow"]


def seconds_of(command):
    """Wall seconds of one run of `command` in a new process, on the JAX backend."""
    start = time.perf_counter()
    subprocess.run(command, env={**os.environ, "KERAS_BACKEND": "jax"}, check=True, capture_output=True)
    return time.perf_counter() - start


repeats = 1 if args.smoke else args.repeats
rows = []
for name, command in ROWS.items():
    if not args.smoke:
        seconds_of(command)  # warm the file cache
    seconds = [seconds_of(command) for _ in range(repeats)]
    row = {
        "row": name,
        "median_seconds": statistics.median(seconds),
        "fastest_seconds": min(seconds),
        "seconds": seconds,
    }
    if name in TARGETS:
        row["target_seconds"] = TARGETS[name]
        row["met"] = row["median_seconds"] <= TARGETS[name]
    rows.append(row)
report = {"smoke": args.smoke, "repeats": repeats, "cpu_cores": os.cpu_count(), "rows": rows}
import kerasdnn  # noqa: E402  (after the timings: only to write the file)

os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(json.dumps(report, indent=2))
