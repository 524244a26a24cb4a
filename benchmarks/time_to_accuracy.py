"""Time to accuracy of the headline recipe against plain Keras `fit`, PyTorch eager and the matmul floor.

How long does `python recipes/mnist_bn.py` take to reach its accuracy,
beside the same work done other ways? In one run, each contender in its own
process, one after the other, with the headline record's settings (AdamW
2e-3 with decoupled decay 0.05, cosine decay per step, batch 128, 15 epochs,
the 55,000/5,000 split, seed 0):

- `recipe`: `python recipes/mnist_bn.py --seeds 0` (kerasdnn on JAX), with
  an empty compilation cache (MNIST, for every contender, read from the
  decoded copy that a first load left in this run's own user cache:
  `kerasdnn.load_arrays`);
- `recipe_cached`: the same command again, its compiled steps reused from
  the cache the first run wrote (`kerasdnn.compilation`);
- `keras_fit` and `keras_fit_spe32`: the zoo's net compiled and fitted with
  plain Keras on JAX, by default and with `steps_per_execution=32` (every
  batch: `fit` on arrays has no `drop_remainder`, so it compiles its step
  for the last, smaller batch too);
- `pytorch_eager`: the same net and recipe in PyTorch (`headline.py`), the
  last, smaller batch left out as the record says (`drop_last`);
- `torch_compile` with `--torch-compile`: the same, `torch.compile`d.

For each: test accuracy, seconds of training (validation included), wall
seconds (the process from start to exit: imports and compilation), the
first and the steady epoch, and the first epoch whose validation accuracy
reaches 98.5 %. The floor: the epoch's matmuls alone (forward, and the
weight and input gradients) as one compiled JAX loop at batch 128.

    python benchmarks/time_to_accuracy.py            # 121 s on 2 cores (results/time_to_accuracy.json)
    python benchmarks/time_to_accuracy.py --smoke    # seconds: 512 images, 1 epoch

Writes benchmarks/results/time_to_accuracy.json (smoke runs: --output elsewhere).
"""

import argparse
import json
import os
import sys
import tempfile
import time

import headline
from timing import EpochTimer, run_child, steady

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET_VALIDATION_ACCURACY = 0.985

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--smoke", action="store_true", help="512 training images, 1 epoch")
parser.add_argument("--torch-compile", action="store_true", help="also time the PyTorch net under torch.compile")
parser.add_argument("--data-dir", default=None)
parser.add_argument("--output", default=os.path.join(HERE, "results", "time_to_accuracy.json"))
parser.add_argument("--contender", help=argparse.SUPPRESS)  # internal: one child process's part
args = parser.parse_args()


def epochs_to_target(validation_accuracy):
    """The first epoch (counted from 1) whose validation accuracy reaches the target, or None."""
    return next(
        (epoch for epoch, value in enumerate(validation_accuracy, 1) if value >= TARGET_VALIDATION_ACCURACY), None
    )


def row(test_accuracy, epoch_seconds, validation_accuracy):
    return {
        "test_accuracy": test_accuracy,
        "train_seconds": sum(epoch_seconds),
        "first_epoch_seconds": epoch_seconds[0],
        "steady_epoch_seconds": steady(epoch_seconds),
        "epochs_to_target": epochs_to_target(validation_accuracy),
    }


## The contenders that run in this script's child processes


def keras_fit(steps_per_execution):
    import keras

    import kerasdnn

    settings = headline.record_settings()
    epochs = 1 if args.smoke else settings["epochs"]
    train, validation, test = headline.headline_arrays(args.data_dir, smoke=args.smoke)
    keras.utils.set_random_seed(0)
    model = kerasdnn.zoo.create_model("mnist_bn")
    rate = keras.optimizers.schedules.CosineDecay(
        settings["learning_rate"], decay_steps=epochs * -(-len(train[0]) // settings["batch_size"])
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(rate, weight_decay=settings["weight_decay"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    timer = EpochTimer()
    history = model.fit(
        *train,
        validation_data=validation,
        batch_size=settings["batch_size"],
        epochs=epochs,
        callbacks=[timer],
        verbose=0,
    )
    return row(
        model.evaluate(*test, verbose=0, return_dict=True)["accuracy"], timer.seconds, history.history["val_accuracy"]
    )


def pytorch(compile):
    settings = headline.record_settings()
    if args.smoke:
        settings["epochs"] = 1
    run = headline.train_pytorch_eager(
        *headline.headline_arrays(args.data_dir, smoke=args.smoke), compile=compile, **settings
    )
    return row(run["test_accuracy"], run["epoch_seconds"], run["val_accuracy"])


def fill_data_cache():
    """Reads MNIST whole (also for --smoke: only a full read is cached), so that every contender reads it decoded."""
    headline.headline_arrays(args.data_dir)
    return {}


CHILDREN = {
    "keras_fit": lambda: keras_fit(1),
    "keras_fit_spe32": lambda: keras_fit(32),
    "pytorch_eager": lambda: pytorch(False),
    "torch_compile": lambda: pytorch(True),
    "floor": lambda: {"seconds_per_epoch": headline.matmul_floor(512 if args.smoke else 55_000)},
    "data": lambda: fill_data_cache(),
}

if args.contender:
    print("RESULT " + json.dumps(CHILDREN[args.contender]()))
    sys.exit(0)


def child(name, environment):
    command = [
        sys.executable,
        __file__,
        "--contender",
        name,
        *(["--smoke"] if args.smoke else []),
        *(["--data-dir", args.data_dir] if args.data_dir else []),
    ]
    result, wall = run_child(command, environment)
    return {**result, "wall_seconds": wall}


def recipe(environment, cache, folder):
    """`python recipes/mnist_bn.py --seeds 0` with its compilation cache in `cache`; its row from the run's files."""
    output = os.path.join(folder, "run")
    command = [
        sys.executable,
        os.path.join(HERE, "..", "recipes", "mnist_bn.py"),
        "--seeds",
        "0",
        "--output-dir",
        output,
        "--results-dir",
        os.path.join(folder, "results"),
        *(["--smoke"] if args.smoke else []),
        *(["--data-dir", args.data_dir] if args.data_dir else []),
    ]
    _, wall = run_child(command, {**environment, "JAX_COMPILATION_CACHE_DIR": cache})
    with open(os.path.join(output, "seed_0", "results.json")) as file:
        run = json.load(file)
    return {**row(run["test"]["accuracy"], run["epoch_seconds"], run["history"]["val_accuracy"]), "wall_seconds": wall}


started = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    # A user cache of this run's own: a first load decodes MNIST through
    # tensorflow-datasets into it, and every contender then reads the same
    # decoded copy (kerasdnn.load_arrays), none importing TensorFlow for it.
    environment = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "XDG_CACHE_HOME": os.path.join(folder, "user_cache"),
    }
    child("data", environment)
    cache = os.path.join(folder, "jax_cache")
    rows = {
        "recipe": recipe(environment, cache, os.path.join(folder, "first")),
        "recipe_cached": recipe(environment, cache, os.path.join(folder, "second")),
    }
    names = ["keras_fit", "keras_fit_spe32", "pytorch_eager", *(["torch_compile"] if args.torch_compile else [])]
    rows.update({name: child(name, environment) for name in names})
    floor = child("floor", environment)
ours, eager, fit32 = rows["recipe"], rows["pytorch_eager"], rows["keras_fit_spe32"]
report = {
    "smoke": args.smoke,
    "settings": {**headline.record_settings(), **({"epochs": 1} if args.smoke else {})},
    "target_validation_accuracy": TARGET_VALIDATION_ACCURACY,
    "data": "MNIST read by every contender from the decoded copy a first, untimed load cached",
    "rows": rows,
    "floor_seconds_per_epoch": floor["seconds_per_epoch"],
    "ratios": {
        "recipe_train_over_pytorch_eager": ours["train_seconds"] / eager["train_seconds"],
        "recipe_wall_over_pytorch_eager": ours["wall_seconds"] / eager["wall_seconds"],
        "recipe_cached_train_over_pytorch_eager": rows["recipe_cached"]["train_seconds"] / eager["train_seconds"],
        "recipe_cached_wall_over_pytorch_eager": rows["recipe_cached"]["wall_seconds"] / eager["wall_seconds"],
        "recipe_steady_epoch_over_floor": ours["steady_epoch_seconds"] / floor["seconds_per_epoch"],
        "recipe_train_over_keras_fit_spe32": ours["train_seconds"] / fit32["train_seconds"],
        "accuracy_points_over_pytorch_eager": 100 * (ours["test_accuracy"] - eager["test_accuracy"]),
    },
    "targets": {
        "recipe_train_over_pytorch_eager": 0.35,
        "recipe_wall_over_pytorch_eager": 0.5,
        "recipe_steady_epoch_over_floor": 1.5,
        "recipe_train_over_keras_fit_spe32": 1.0,
        "accuracy_points_over_pytorch_eager": -0.1,
    },
    "wall_seconds": time.perf_counter() - started,
}
report["met"] = {
    name: (report["ratios"][name] >= target if name.startswith("accuracy") else report["ratios"][name] <= target)
    for name, target in report["targets"].items()
}
import kerasdnn  # noqa: E402  (after the timings: only to write the file)

os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
kerasdnn.write_json(args.output, report)
print(json.dumps(report, indent=2))
