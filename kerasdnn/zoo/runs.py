"""Training registered zoo entries with their recorded settings, one or a ladder of them."""

import copy
import os
from collections.abc import Mapping, Sequence
from typing import Any

import keras

from kerasdnn import data, optimizers, seeds, training
from kerasdnn.hints import OptimizerLike
from kerasdnn.zoo import registry


def train_model(
    name: str,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    learning_rate: float | None = None,
    optimizer: OptimizerLike | None = None,
    data_dir: str | None = None,
    output_dir: str | None = None,
    seed: int = 0,
    smoke: bool = False,
    overwrite: bool = False,
    verbose: int | str = 2,
) -> dict[str, Any]:
    """Trains a zoo model on its dataset with its recorded settings.

    Image datasets keep the last twelfth of the training split for validation
    (5,000 MNIST images, as hunkim's lab-10 does) and evaluate on the test
    split; generated tasks validate on their test split.

    Example:

    >>> run = kerasdnn.zoo.train_model("lab10_relu_xavier", epochs=5)

    Args:
        name: A name from `list_models()`.
        epochs: Defaults to `None`: the entry's.
        batch_size: Defaults to `None`: the entry's.
        learning_rate: Initial learning rate. Defaults to `None`: the entry's.
        optimizer: An optimizer as `kerasdnn.optimizers.get` takes it.
            Defaults to `None`: the entry's.
        data_dir: As in `kerasdnn.load_arrays`. Defaults to `None`.
        output_dir: Folder for the run's files. Defaults to `None`:
            `runs/NAME`.
        seed: Random seed. Defaults to `0`.
        smoke: Train on a few hundred samples for one epoch. Defaults to `False`.
        overwrite: Discard a backup of a different run in `output_dir`, as
            in `kerasdnn.train`. Defaults to `False`.
        verbose: Passed to `fit`. Defaults to `2`.

    Returns:
        The results dict of `kerasdnn.train`, with `output_dir` added.

    Raises:
        ValueError: If `name` is unknown or a value is out of range.
        DatasetNotFoundError: If the dataset cannot be found or downloaded.
    """
    info = registry.model_info(name)
    settings = dict(info.training)
    epochs = 1 if smoke else epochs or settings["epochs"]
    batch_size = batch_size or settings["batch_size"]
    output_dir = output_dir or os.path.join("runs", name)
    keras.utils.set_random_seed(seed)
    if info.dataset in data.SYNTHETIC:
        (x_train, y_train), test = data.synthetic_arrays(
            info.dataset, samples=data.SMOKE_TRAIN_SAMPLES if smoke else 1000, seed=seed
        )
        validation_data = test
    else:
        (x_train, y_train), test = data.load_arrays(
            info.dataset,
            normalization=settings["normalization"],
            data_dir=data_dir,
            train_samples=data.SMOKE_TRAIN_SAMPLES if smoke else None,
            test_samples=data.SMOKE_TEST_SAMPLES if smoke else None,
        )
        (x_train, y_train), validation_data = data.split_validation(x_train, y_train)
    rate = learning_rate or settings["learning_rate"]
    if settings.get("schedule") == "cosine":
        rate = optimizers.cosine_schedule(
            rate,
            epochs=epochs,
            samples=len(x_train),
            batch_size=batch_size,
            drop_remainder=settings["drop_remainder"],
        )
    run = training.train(
        registry.create_model(name),
        x_train,
        y_train,
        validation_data=validation_data,
        test_data=test,
        epochs=epochs,
        batch_size=batch_size,
        drop_remainder=settings["drop_remainder"],
        # A config dict is copied: Keras may consume it while deserializing.
        optimizer=copy.deepcopy(settings["optimizer"]) if optimizer is None else optimizer,
        learning_rate=rate,
        loss=settings["loss"],
        metrics=settings["metrics"],
        output_dir=output_dir,
        seed=seed,
        settings={"zoo_model": name, "dataset": info.dataset, "smoke": smoke, "train_samples": len(x_train)},
        overwrite=overwrite,
        verbose=verbose,
    )
    return {**run, "output_dir": output_dir}


def train_ladder(
    names: Sequence[str], *, output_dir: str, seeds: Sequence[int] = (0,), **train_arguments: Any
) -> list[dict[str, Any]]:
    """Trains zoo models one after the other, over seeds, and compares each with its record.

    Example:

    >>> rows = kerasdnn.zoo.train_ladder(kerasdnn.zoo.list_models("lab10_*"), output_dir="runs/ladder",
    ...                                  seeds=(0, 1, 2))

    Args:
        names: Zoo model names, in ladder order.
        output_dir: Each run goes to `output_dir/NAME/seed_N`.
        seeds: Random seeds, one run of every model each. Defaults to `(0,)`.
        **train_arguments: Passed to `train_model` (`data_dir`, `smoke`,
            `epochs`, ...).

    Returns:
        One dict per model: `model`, the keys of `compare_with_record`
        (`reference`, `values` per seed, `ours` their mean, `std`,
        `reproduced`, ...) and `seeds`.
    """
    rows = []
    for name in names:
        runs = [
            train_model(name, output_dir=os.path.join(output_dir, name, f"seed_{seed}"), seed=seed, **train_arguments)
            for seed in seeds
        ]
        rows.append({"model": name, **compare_with_record(registry.model_info(name), runs), "seeds": list(seeds)})
    return rows


def compare_with_record(info: registry.ModelInfo, runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Compares runs of one network, one per seed, with the value its record's source reports.

    Args:
        info: The record whose `metric` and `reference` the runs are read
            and judged by.
        runs: Results dicts of `kerasdnn.train`, one per seed.

    Returns:
        `metric`, `reference`, `values` (one per run), `ours` (their mean),
        `std`, `difference` (mean − reference), `reproduced` (as
        `seeds.reproduces` judges it, or `None` without a reference or
        band), `epochs` (of the first run), `train_seconds` (all runs) and
        `diverged` (any run).
    """
    values = [measured_value(info, run) for run in runs]
    spread = seeds.seed_statistics(values)
    return {
        "metric": info.metric,
        "reference": info.reference,
        "values": values,
        "ours": spread["mean"],
        "std": spread["std"],
        "difference": None if spread["mean"] is None or info.reference is None else spread["mean"] - info.reference,
        "reproduced": seeds.reproduces(spread, info.reference, seeds.band(info.dataset, info.metric)),
        "epochs": runs[0]["epochs_run"],
        "train_seconds": sum(run["train_seconds"] for run in runs),
        "diverged": any(run["diverged"] for run in runs),
    }


def measured_value(info: registry.ModelInfo, run: Mapping[str, Any]) -> Any:
    """Reads from a run's results the value that `info.reference` and `info.target` predict.

    Args:
        info: A `ModelInfo`.
        run: The results dict of `kerasdnn.train` for that model.

    Returns:
        The measured number, or `None` if the run did not produce it.
    """
    value: Any = run
    for key in registry.METRICS[info.metric]:
        value = (value or {}).get(key)
    return value


def ship_weights(name: str, weights: str, model_file: str) -> str:
    """Writes the weights of a trained `.keras` model as zoo model `name`'s shipped weights `weights`.

    Example (what `recipes/mnist_bn.py --export-weights` does):

    >>> kerasdnn.zoo.ship_weights("mnist_bn", "mnist", "runs/mnist_bn/seed_0/model.keras")
    '.../kerasdnn/zoo/weights/mnist_bn.mnist.weights.h5'

    A fresh copy of the net holds only the layers' weights (the saved model
    carries the optimizer's moments too, three times the size). Put the
    file's SHA-256 in the record's `weights`, which `create_model` checks.

    Args:
        name: A zoo model.
        weights: The shipped weights' name, the dataset they were trained on.
        model_file: A `.keras` file of a trained `name` network.

    Returns:
        The file written, `kerasdnn/zoo/weights/NAME.WEIGHTS.weights.h5`.

    Raises:
        ValueError: If `name` is unknown or the model's weights do not fit its net.
    """
    path = os.path.join(registry.WEIGHTS_DIR, f"{name}.{weights}.weights.h5")
    shipped = registry.create_model(name)
    shipped.set_weights(keras.saving.load_model(model_file).get_weights())
    os.makedirs(registry.WEIGHTS_DIR, exist_ok=True)
    shipped.save_weights(path)
    return path
