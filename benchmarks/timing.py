"""What the benchmark scripts share: an epoch timer, the steady-state epoch time, and a contender's own process."""

import json
import os
import subprocess
import sys
import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Records the wall-clock seconds of every epoch in `seconds`."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def steady(seconds):
    """Fastest epoch after the first, which pays for tracing.

    The fastest, not the median: on shared machines other load only ever adds
    time, and the same epoch varied by a third between identical runs.
    """
    return min(seconds[1:] if len(seconds) > 1 else seconds)


def cpu_description():
    """The CPU a benchmark ran on: its model name, cores, and whether it has AVX-512 VNNI.

    TensorFlow turns oneDNN on by itself only on CPUs with AVX-512 VNNI, which
    changes its convolutions' speed several-fold: ratios measured on one kind
    of CPU say little of the other.
    """
    try:
        with open("/proc/cpuinfo") as handle:
            lines = handle.read().splitlines()
    except OSError:  # not Linux
        return {"model": None, "cores": os.cpu_count(), "avx512_vnni": None}
    fields = {name.strip(): value.strip() for name, value in (line.split(":", 1) for line in lines if ":" in line)}
    flags = fields.get("flags", "").split()
    return {"model": fields.get("model name"), "cores": os.cpu_count(), "avx512_vnni": "avx512_vnni" in flags}


def run_child(command, environment, *, torch_optional=False):
    """Runs one contender in its own process (Keras fixes its backend at import).

    The child prints its measurements as one `RESULT {json}` line.

    Returns:
        `(result, wall_seconds)`: the JSON of the child's last `RESULT` line
        (or `None` if it printed none), and the seconds from its start to
        its exit, imports and compilation included. `(None, seconds)` also
        where the child needs PyTorch, which is not installed, and
        `torch_optional` is set (`pip install -e ".[bench]"`).

    Exits with the ends of the child's output if it fails otherwise.
    """
    start = time.perf_counter()
    finished = subprocess.run(command, env=environment, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if finished.returncode != 0:
        if torch_optional and "No module named 'torch'" in finished.stderr:
            return None, seconds
        sys.exit(f"{' '.join(command)} failed:\n{finished.stdout[-3000:]}{finished.stderr[-3000:]}")
    results = [line for line in finished.stdout.splitlines() if line.startswith("RESULT ")]
    return (json.loads(results[-1][len("RESULT ") :]) if results else None), seconds
