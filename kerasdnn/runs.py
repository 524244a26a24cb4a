"""Training registered zoo entries with their recorded settings, one or a ladder of them."""

import copy
import os

import keras

from kerasdnn import data, optimizers, registry, training


def train_model(name, *, epochs=None, batch_size=None, learning_rate=None, data_dir=None,
                output_dir=None, seed=0, smoke=False, verbose=2):
    """Trains a zoo model on its dataset with its recorded settings.

    Image datasets keep the last twelfth of the training split for validation
    (5,000 MNIST images, as hunkim's lab-10 does) and evaluate on the test
    split; generated tasks validate on their test split.

    Example:

    >>> results = kerasdnn.zoo.train_model("lab10_relu_xavier", epochs=5)

    Args:
        name: A name from `list_models()`.
        epochs: Defaults to `None`: the entry's.
        batch_size: Defaults to `None`: the entry's.
        learning_rate: Initial learning rate. Defaults to `None`: the entry's.
        data_dir: As in `kerasdnn.load_arrays`. Defaults to `None`.
        output_dir: Folder for the run's files. Defaults to `None`:
            `runs/NAME`.
        seed: Random seed. Defaults to `0`.
        smoke: Train on a few hundred samples for one epoch. Defaults to `False`.
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
        rate = optimizers.cosine_schedule(rate, epochs=epochs, samples=len(x_train), batch_size=batch_size)
    results = training.train(
        registry.create_model(name),
        x_train,
        y_train,
        validation_data=validation_data,
        test_data=test,
        epochs=epochs,
        batch_size=batch_size,
        # A config dict is copied: Keras may consume it while deserializing.
        optimizer=copy.deepcopy(settings["optimizer"]),
        learning_rate=rate,
        loss=settings["loss"],
        metrics=settings["metrics"],
        output_dir=output_dir,
        seed=seed,
        settings={"zoo_model": name, "dataset": info.dataset, "smoke": smoke, "train_samples": len(x_train)},
        verbose=verbose,
    )
    return {**results, "output_dir": output_dir}


def train_ladder(names, *, output_dir, **train_arguments):
    """Trains zoo models one after the other and compares each with its record.

    Example:

    >>> rows = kerasdnn.zoo.train_ladder(kerasdnn.zoo.list_models("lab10_*"), output_dir="runs/ladder")

    Args:
        names: Zoo model names, in ladder order.
        output_dir: Each model's run goes to `output_dir/NAME`.
        **train_arguments: Passed to `train_model` (`data_dir`, `seed`,
            `smoke`, `epochs`, ...).

    Returns:
        One dict per model: `model`, `metric`, `reference` (the record's
        expected value), `ours`, `difference` (ours − reference), `epochs`,
        `train_seconds` and `diverged`.
    """
    rows = []
    for name in names:
        info = registry.model_info(name)
        results = train_model(name, output_dir=os.path.join(output_dir, name), **train_arguments)
        ours = measured_value(info, results)
        rows.append({
            "model": name,
            "metric": info.metric,
            "reference": info.expected,
            "ours": ours,
            "difference": None if ours is None or info.expected is None else ours - info.expected,
            "epochs": results["epochs_run"],
            "train_seconds": results["train_seconds"],
            "diverged": results["diverged"],
        })
    return rows


def measured_value(info, results):
    """Reads from a run's results the value that `info.expected` predicts.

    Args:
        info: A `ModelInfo`.
        results: The results dict of `kerasdnn.train` for that model.

    Returns:
        The measured number, or `None` if the run did not produce it.
    """
    test = results.get("test") or {}
    readers = {
        "test accuracy": lambda: test.get("accuracy"),
        "accuracy": lambda: test.get("accuracy"),
        "test mse": lambda: test.get("loss"),
        "validation accuracy": lambda: results["final"].get("val_accuracy"),
        "seconds per epoch (CPU)": lambda: results.get("seconds_per_epoch"),
    }
    return readers[info.metric]()
