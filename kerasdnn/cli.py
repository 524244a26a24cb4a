"""The `kerasdnn` command: browse the zoo, train an entry, recognize digits.

kerasdnn zoo list [PATTERN]
kerasdnn zoo show NAME
kerasdnn train NAME [--epochs N] [--batch-size N] [--learning-rate LR]
                    [--data-dir DIR] [--output-dir DIR] [--seed N] [--smoke] [--overwrite]
kerasdnn predict IMAGE [IMAGE ...] [--model NAME] [--weights NAME]
kerasdnn data export NAME PATH.npz [--data-dir DIR] [--train-samples N] [--test-samples N]
kerasdnn tune [--dataset D] [--tuner KIND] [--max-trials N] [--epochs N]
              [--directory DIR] [--project-name NAME] [--overwrite]
              [--chief | --worker N] [--oracle-ip IP] [--oracle-port PORT]
              [--workers N [--devices 0,1,...]]
"""

import argparse
import os
import sys
from collections.abc import Sequence

# Only what reading the zoo's records needs: a subcommand imports Keras (and
# the backend) itself, so --help and `zoo list` answer at once.
from kerasdnn import choices, console, quiet
from kerasdnn.zoo import registry


def _zoo_list(args):
    rows = [
        {
            "name": info.name,
            "dataset": info.dataset,
            "parameters": f"{info.parameters:,}",
            "metric": info.metric,
            "reference": info.reference,
            "target": info.target,
            "backend": info.backend,
            "weights": ", ".join(info.weights) or "-",
        }
        for info in map(registry.model_info, registry.list_models(args.pattern))
    ]
    if not rows:
        print(f"no model matches {args.pattern!r}", file=sys.stderr)
        return 1
    print(
        console.format_table(
            rows, ["name", "dataset", "parameters", "metric", "reference", "target", "backend", "weights"]
        )
    )
    return 0


def _zoo_show(args):
    info = registry.model_info(args.name)
    for key, value in info.to_json().items():
        print(f"{key:>12}: {value}")
    print()
    _use_the_models_backend(args.name, args.argv)
    registry.create_model(args.name).summary()
    return 0


def _train(args):
    _use_the_models_backend(args.name, args.argv)
    _use_compilation_cache(args)
    from kerasdnn.zoo import runs

    results = runs.train_model(**_keywords(runs.train_model, args))
    info = registry.model_info(args.name)
    measured = runs.measured_value(info, results)
    print(
        console.format_table(
            [
                {
                    "model": args.name,
                    "backend": results["backend"],
                    "metric": info.metric,
                    "reference": info.reference,
                    "target": info.target,
                    "measured": measured,
                    "epochs": results["epochs_run"],
                    "diverged": results["diverged"],
                }
            ],
            ["model", "backend", "metric", "reference", "target", "measured", "epochs", "diverged"],
        )
    )
    print(f"results in {results['output_dir']}")
    return 0


def _keywords(function, args, **chosen):
    """The options in `args` that `function` takes by the same name, with `chosen` over them.

    Each subcommand names its options as the function it calls names its
    arguments, so an option added to the parser cannot stop on the way.
    """
    import inspect

    named = {
        name
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.kind != parameter.VAR_KEYWORD
    }
    return {**{name: value for name, value in vars(args).items() if name in named}, **chosen}


def _use_compilation_cache(args):
    """JAX's compiled steps kept in the user's cache folder, unless `--no-compile-cache`."""
    if not args.no_compile_cache:
        from kerasdnn import compilation

        compilation.use_compilation_cache()


def _use_the_models_backend(name, argv):
    """Runs the rest of this command on the backend the model's record names, unless the user chose one.

    A `KERAS_BACKEND` the user set always wins. Keras fixes its backend when
    it is first imported: the `kerasdnn` command has not imported it yet and
    sets the variable; where Keras is loaded already on another backend
    (`python -m kerasdnn.cli`), the command is run anew (same arguments,
    same process id) with the variable set. A record on TensorFlow runs on
    JAX where TensorFlow is not installed, and the command says so.
    """
    backend = registry.model_info(name).backend
    if backend == "tensorflow" and not quiet.tensorflow_installed() and "KERAS_BACKEND" not in os.environ:
        print(
            f"{name} trains fastest on TensorFlow, which is not installed here: running on JAX instead "
            f"(pip install tensorflow for its backend)",
            file=sys.stderr,
        )
        backend = "jax"
    if "KERAS_BACKEND" not in os.environ:
        if "keras" not in sys.modules:
            os.environ["KERAS_BACKEND"] = backend
        else:
            import keras

            if keras.backend.backend() != backend:
                sys.stdout.flush()
                sys.stderr.flush()
                os.execvpe(
                    sys.executable,
                    [sys.executable, "-m", "kerasdnn.cli", *argv],
                    {**os.environ, "KERAS_BACKEND": backend},
                )


def _predict(args):
    import numpy as np

    from kerasdnn import data, images

    info = registry.model_info(args.model)
    if info.input_shape != (28, 28, 1) or info.dataset not in choices.IMAGE_DATASETS:
        raise ValueError(f"predict: --model must be a 28×28 MNIST-style classifier; received --model={args.model}")
    method = info.training["normalization"]
    if method not in ("none", "scale"):
        # Other normalizations take their statistics from the training split,
        # which one image does not stand for.
        raise ValueError(
            "predict: --model must be trained on pixels normalized with 'none' or 'scale'; "
            f"received --model={args.model}, normalized with {method!r}"
        )
    _use_the_models_backend(args.model, args.argv)
    model = registry.create_model(args.model, weights=args.weights)
    status = 0
    for path in args.images:
        try:
            pixels = images.load_digit(path)
        except images.ImageError as error:
            print(f"kerasdnn predict: {error}", file=sys.stderr)
            status = 1
            continue
        # The record's normalization, as in training: "scale" (to [0, 1]) or "none" use no statistics.
        normalization = data.fit_normalization(pixels[None], method)
        probabilities = model.predict(normalization(pixels[None]), verbose=0)[0]
        digit = int(np.argmax(probabilities))
        print(f"{path}: {digit} (probability {probabilities[digit]:.3f})")
    return status


def _data_export(args):
    quiet.import_tensorflow("kerasdnn data export (tensorflow-datasets)")
    from kerasdnn import data

    path = data.export_arrays(**_keywords(data.export_arrays, args))
    print(f"{args.name} written to {path}: load it anywhere with kerasdnn.load_arrays({path!r})")
    return 0


def _tune(args):
    if args.workers:
        if args.chief or args.worker is not None:
            raise ValueError(
                "--workers starts its own chief and workers; received it with "
                f"{'--chief' if args.chief else '--worker'}"
            )
        from kerasdnn.local_search import tune_locally

        return tune_locally(args)
    if args.oracle_port is None:
        args.oracle_port = 8000
    # The search's networks are MLPs, which train fastest on JAX (zoo.BACKENDS).
    os.environ.setdefault("KERAS_BACKEND", registry.model_info("mnist_bn").backend)
    _use_compilation_cache(args)
    from kerasdnn import data, tuning

    if args.chief or args.worker is not None:
        # keras-tuner's own distributed mode: one chief serves the oracle over
        # gRPC, workers ask it for trials. All share these three variables.
        os.environ["KERASTUNER_TUNER_ID"] = "chief" if args.chief else f"tuner{args.worker}"
        os.environ["KERASTUNER_ORACLE_IP"] = args.oracle_ip
        os.environ["KERASTUNER_ORACLE_PORT"] = str(args.oracle_port)
    tuner, best = tuning.run_search(
        **_keywords(
            tuning.run_search,
            args,
            kind=args.tuner,
            train_samples=data.SMOKE_TRAIN_SAMPLES if args.smoke else args.train_samples,
        )
    )
    report = os.path.join(tuner.project_dir, "report")
    if best is None:
        print(f"worker {args.worker}: no trials left; the chief writes the report in {report}")
        return 0
    print(
        console.format_table(
            tuning.trial_rows(tuner)[:10],
            [
                "trial",
                "status",
                "score",
                "depth",
                "units_1",
                "activation",
                "dropout",
                "optimizer",
                "learning_rate",
                "batch_size",
            ],
        )
    )
    print(f"best hyperparameters: {best.values}")
    print(f"report in {report}")
    if args.tensorboard:
        print(f"TensorBoard logs in {args.tensorboard}: tensorboard --logdir {args.tensorboard} (HParams tab)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Returns the `argparse` parser of the `kerasdnn` command."""
    parser = argparse.ArgumentParser(
        prog="kerasdnn", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    zoo_parser = commands.add_parser("zoo", help="list the registered models or show one")
    zoo_commands = zoo_parser.add_subparsers(dest="zoo_command", required=True, metavar="ZOO_COMMAND")
    listing = zoo_commands.add_parser("list", help="list models, optionally matching a pattern such as 'lab10_*'")
    listing.add_argument("pattern", nargs="?", default=None)
    listing.set_defaults(handler=_zoo_list)
    show = zoo_commands.add_parser("show", help="show a model's record and layers")
    show.add_argument("name")
    show.set_defaults(handler=_zoo_show)

    train = commands.add_parser("train", help="train a zoo model with its recorded settings")
    train.add_argument("name")
    train.add_argument("--epochs", type=console.positive_int, help="default: the entry's")
    train.add_argument("--batch-size", type=console.positive_int, help="default: the entry's")
    train.add_argument("--learning-rate", type=console.positive_float, help="default: the entry's")
    train.add_argument(
        "--data-dir", help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own)"
    )
    train.add_argument("--output-dir", help="default: runs/NAME")
    train.add_argument("--seed", type=console.non_negative_int, default=0, help="default: %(default)s")
    train.add_argument("--smoke", action="store_true", help="quick check: a few hundred samples, 1 epoch")
    console.add_compile_cache_option(train)
    train.add_argument(
        "--overwrite",
        action="store_true",
        help="discard an unfinished run of other settings in the output folder instead of refusing",
    )
    train.set_defaults(handler=_train)

    data_parser = commands.add_parser("data", help="export a dataset to a .npz file that loads without TensorFlow")
    data_commands = data_parser.add_subparsers(dest="data_command", required=True, metavar="DATA_COMMAND")
    export = data_commands.add_parser("export", help="write a tfds dataset's raw splits to one .npz file")
    export.add_argument("name", choices=choices.IMAGE_DATASETS + ("cifar10",))
    export.add_argument("path", help="the .npz file to write")
    export.add_argument(
        "--data-dir", help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own)"
    )
    for split in ("train", "test"):
        export.add_argument(
            f"--{split}-samples",
            type=console.positive_int,
            help=f"write only the first N {split} images, a small file for --smoke runs (default: all)",
        )
    export.set_defaults(handler=_data_export)

    predict = commands.add_parser("predict", help="recognize handwritten digits in image files")
    predict.add_argument(
        "images", nargs="+", metavar="IMAGE", help="PNG/JPEG files, any size, light or dark background"
    )
    predict.add_argument("--model", default="mnist_bn", help="zoo model (default: %(default)s)")
    predict.add_argument(
        "--weights", default="mnist", help="shipped weights name or .weights.h5 file (default: %(default)s)"
    )
    predict.set_defaults(handler=_predict)

    tune = commands.add_parser("tune", help="search the MLP space with keras-tuner (resumes by default)")
    tune.add_argument("--dataset", choices=choices.IMAGE_DATASETS, default="mnist", help="default: %(default)s")
    tune.add_argument("--tuner", choices=choices.TUNERS, default="random", help="default: %(default)s")
    tune.add_argument("--max-trials", type=console.positive_int, default=10, help="default: %(default)s")
    tune.add_argument("--epochs", type=console.positive_int, default=3, help="epochs per trial (default: %(default)s)")
    tune.add_argument(
        "--train-samples", type=console.positive_int, default=20_000, help="images per trial (default: %(default)s)"
    )
    tune.add_argument("--directory", default=choices.DEFAULT_DIRECTORY, help="default: %(default)s")
    tune.add_argument("--project-name", help="default: DATASET_TUNER")
    tune.add_argument("--overwrite", action="store_true", help="start afresh instead of resuming an earlier search")
    tune.add_argument("--data-dir", help="folder with prepared tfds datasets")
    tune.add_argument("--seed", type=console.non_negative_int, default=0, help="default: %(default)s")
    tune.add_argument("--smoke", action="store_true", help="quick check: a few hundred images per trial")
    role = tune.add_mutually_exclusive_group()
    console.add_compile_cache_option(tune)
    tune.add_argument(
        "--tensorboard", metavar="DIR", help="write each trial's curves and hyperparameters for TensorBoard"
    )
    role.add_argument(
        "--chief", action="store_true", help="serve the search's oracle to workers; exits once every trial has ended"
    )
    role.add_argument(
        "--worker",
        type=console.non_negative_int,
        metavar="N",
        help="run trials for the chief as worker N (0, 1, ...)",
    )
    tune.add_argument("--oracle-ip", default="127.0.0.1", help="the chief's address (default: %(default)s)")
    tune.add_argument(
        "--oracle-port",
        type=console.port,
        default=None,
        help="the chief's port (default: 8000; with --workers a free one)",
    )
    tune.add_argument(
        "--workers",
        type=console.positive_int,
        metavar="N",
        help="start a chief and N workers on this machine and run the search with them",
    )
    tune.add_argument(
        "--devices",
        metavar="0,1,...",
        help="with --workers: the accelerators, one per worker in turn (CUDA_VISIBLE_DEVICES); "
        "workers sharing one split its memory",
    )
    tune.add_argument(
        "--chief-timeout",
        type=console.positive_float,
        default=choices.CHIEF_TIMEOUT,
        help="seconds a worker waits for its chief (default: %(default)s)",
    )
    tune.set_defaults(handler=_tune)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the `kerasdnn` command; returns its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return args.handler(args)
    except (ValueError, TypeError, FileNotFoundError, ConnectionError, quiet.TensorFlowMissingError) as error:
        # Our errors already say what was wrong and what is allowed (the
        # missing TensorFlow: the feature that needs it and the install command).
        print(f"kerasdnn {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"kerasdnn {args.command}: {_interrupted(args)}", file=sys.stderr)
        return 130  # 128 + SIGINT, as a shell reports a job stopped by Ctrl-C


def _interrupted(args):
    """The one line Ctrl-C prints: where the run stands."""
    if args.command != "train":
        return "interrupted; run the same command again to resume"
    from kerasdnn.run_state import RunState

    backup = os.path.join(args.output_dir or os.path.join("runs", args.name), "backup")
    return f"interrupted after epoch {RunState(backup, '').committed_epoch()}; run again to resume"


if __name__ == "__main__":
    sys.exit(main())
