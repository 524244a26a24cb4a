"""One run on a GPU: the headline recipe on two backends and PyTorch eager, deck 002's epoch per device, a shared search.

What does kerasdnn get from an accelerator? In one run, on the device at
hand (one process per contender, one after the other):

1. the headline `mnist_bn`, its record's settings, seed 0, trained by
   `kerasdnn.zoo.train_model` on Keras-JAX and on Keras-PyTorch, and the
   same recipe in PyTorch eager (`headline.py`) on the same device: test
   accuracy, seconds of training, the steady seconds per epoch;
2. deck 002's 164,682-parameter CIFAR-10 net (`cifar10_deck002`), Adam
   0.01, batch 32, over 40,000 generated images of CIFAR-10's shape (no
   offline CIFAR-10; an epoch's time does not depend on the pixels), on the
   accelerator and on this machine's CPU (JAX, `JAX_PLATFORMS=cpu`): the
   first epoch (compilation included, as a user waits for it) and the
   second, against the deck's 47 s CPU and 10 s GPU;
3. `kerasdnn tune` over the headline's search space, 8 trials × 3 epochs,
   with `--workers 2` sharing device 0 and with one worker: trials per
   minute both ways (the chief, which trains nothing, stays off the device).

The MNIST arrays travel as `.npz` (the accelerator machine needs no
TensorFlow): `kerasdnn data export mnist DIR/mnist.npz` once, where
tensorflow-datasets is, then `--data-dir DIR` (load_arrays reads
`DIR/mnist.npz` first).

    python benchmarks/accelerator.py --data-dir DIR   # sized for about 6 minutes of one GPU (not yet run on one)
    python benchmarks/accelerator.py --smoke          # on a CPU, a few hundred images (101 s on 2 cores)

Writes benchmarks/results/accelerator.json (smoke runs: --output elsewhere);
`python benchmarks/report.py` tabulates it in benchmarks/README.md.
"""

import argparse
import json
import os
import sys
import tempfile
import time

import headline
from timing import run_child, steady

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="a few hundred images, 1 epoch, a 2-trial search")
parser.add_argument("--data-dir", default=None, help="folder with mnist.npz (or a prepared tfds copy)")
parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "results", "accelerator.json"))
parser.add_argument("--contender", help=argparse.SUPPRESS)  # internal: one child process's part
args = parser.parse_args()

CIFAR_SAMPLES = 256 if args.smoke else 40_000
SEARCH = {"max_trials": 2 if args.smoke else 8, "epochs": 1 if args.smoke else 3}


def device_name():
    """The device this child's backend trains on, in words (`"NVIDIA H200"`, `"cpu"`)."""
    import keras

    if keras.backend.backend() == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    import jax

    device = jax.devices()[0]
    return device.device_kind if device.platform != "cpu" else "cpu"


## The contenders (each a child process: Keras fixes its backend at import)


def keras_headline():
    import kerasdnn

    with tempfile.TemporaryDirectory() as folder:
        run = kerasdnn.zoo.train_model(
            "mnist_bn", data_dir=args.data_dir, output_dir=folder, seed=0, smoke=args.smoke, verbose=0
        )
    return {
        "device": device_name(),
        "test_accuracy": run["test"]["accuracy"],
        "train_seconds": run["train_seconds"],
        "epoch_seconds": run["epoch_seconds"],
        "steady_epoch_seconds": steady(run["epoch_seconds"]),
    }


def pytorch_eager_headline():
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    settings = headline.record_settings()
    if args.smoke:
        settings["epochs"] = 1
    run = headline.train_pytorch_eager(
        *headline.headline_arrays(args.data_dir, smoke=args.smoke), device=device, **settings
    )
    return {
        **run,
        "device": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "steady_epoch_seconds": steady(run["epoch_seconds"]),
    }


def cifar_epochs():
    import numpy as np

    import kerasdnn

    generator = np.random.default_rng(0)
    x = generator.uniform(size=(CIFAR_SAMPLES, 32, 32, 3)).astype(np.float32)
    y = generator.integers(0, 10, size=CIFAR_SAMPLES)
    with tempfile.TemporaryDirectory() as folder:
        run = kerasdnn.train(
            kerasdnn.zoo.create_model("cifar10_deck002"),
            x,
            y,
            epochs=2,
            batch_size=32,
            optimizer="adam",
            learning_rate=0.01,
            seed=0,
            verbose=0,
            output_dir=folder,
        )
    first, second = run["epoch_seconds"]
    return {
        "device": device_name(),
        "first_epoch_seconds": first,
        "second_epoch_seconds": second,
        "parameters": run["parameters"],
    }


CONTENDERS = {
    "keras_jax": keras_headline,
    "keras_torch": keras_headline,
    "pytorch_eager": pytorch_eager_headline,
    "cifar_accelerator": cifar_epochs,
    "cifar_cpu": cifar_epochs,
}

if args.contender:
    print("RESULT " + json.dumps(CONTENDERS[args.contender]()))
    sys.exit(0)


def environment_of(name):
    """The child's environment: its Keras backend, and the CPU only where the row says so."""
    environment = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "KERAS_BACKEND": "torch" if name == "keras_torch" else "jax",
    }
    if name == "cifar_cpu":
        environment["JAX_PLATFORMS"] = "cpu"
    return environment


def run_contender(name):
    """Runs one contender in its own process; returns its row, or None where PyTorch is not installed."""
    command = [
        sys.executable,
        __file__,
        "--contender",
        name,
        *(["--smoke"] if args.smoke else []),
        *(["--data-dir", args.data_dir] if args.data_dir else []),
    ]
    return run_child(command, environment_of(name), torch_optional=True)[0]


def timed_search(workers, folder):
    """Seconds of `kerasdnn tune` with `workers` workers on device 0, from start to report."""
    command = [
        sys.executable,
        "-m",
        "kerasdnn.cli",
        "tune",
        "--max-trials",
        str(SEARCH["max_trials"]),
        "--epochs",
        str(SEARCH["epochs"]),
        "--workers",
        str(workers),
        "--devices",
        "0",
        "--directory",
        folder,
        "--project-name",
        f"workers_{workers}",
        "--overwrite",
        *(["--smoke"] if args.smoke else []),
        *(["--data-dir", args.data_dir] if args.data_dir else []),
    ]
    _, seconds = run_child(command, environment_of("search"))
    completed = sum(
        1 for trial in os.scandir(os.path.join(folder, f"workers_{workers}")) if trial.name.startswith("trial_")
    )
    return {"workers": workers, "trials": completed, "seconds": seconds, "trials_per_minute": 60 * completed / seconds}


started = time.perf_counter()
rows = {name: run_contender(name) for name in CONTENDERS if name != "cifar_cpu"}
accelerator = rows["cifar_accelerator"]["device"]
# Without an accelerator the CPU row would time the same device again.
rows["cifar_cpu"] = run_contender("cifar_cpu") if accelerator != "cpu" else None
with tempfile.TemporaryDirectory() as folder:
    search = [timed_search(workers, folder) for workers in (2, 1)]
report = {
    "smoke": args.smoke,
    "device": accelerator,
    "headline": {name: rows[name] for name in ("keras_jax", "keras_torch", "pytorch_eager") if rows[name]},
    "cifar10_deck002": {
        "samples": CIFAR_SAMPLES,
        "batch_size": 32,
        "data": "generated",
        "rows": {"accelerator": rows["cifar_accelerator"], "cpu": rows["cifar_cpu"]},
        "deck": {"cpu_seconds": 47.0, "gpu_seconds": 10.0},
    },
    "search": {**SEARCH, "rows": search},
    "wall_seconds": time.perf_counter() - started,
}
# Only now, with every child done: kerasdnn imports the backend, which on a
# GPU would hold device memory the children need.
import kerasdnn  # noqa: E402

os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(json.dumps(report, indent=2))
