"""A registry of every network the source decks train.

Each entry is a few lines calling a builder, registered with its metadata:
where it comes from, its dataset, its parameter count, how it is trained and
the accuracy it should reach.

Example:

>>> kerasdnn.zoo.list_models("lab10_*")
['lab10_bn', 'lab10_deep_dropout', 'lab10_deep_xavier', 'lab10_relu_normal', ...]
>>> model = kerasdnn.zoo.create_model("mnist_bn", weights="mnist")  # trained, ready
>>> kerasdnn.zoo.model_info("mnist_bn").expected
0.985
"""

import copy
import dataclasses
import fnmatch
import os
import types

import keras

from kerasdnn import data, models, reporting, training, validation

WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")

HANBAT = ("Hanbat National University, Application & Tips (1), deck 004", "https://github.com/hunkim/DeepLearningZeroToAll")
HUNKIM = ("hunkim/DeepLearningZeroToAll lab-10", "https://github.com/hunkim/DeepLearningZeroToAll")
TOBIGS = ("ToBig's, Neural Network 심화, deck 003", "https://www.kaggle.com/datasets/zalando-research/fashionmnist")
DNN_DECK = ("심층 신경망 (DNN), deck 000 and deck 003", "https://github.com/hunkim/DeepLearningZeroToAll")
CS231N = ("Lecture 6, Training Neural Networks I, deck 002", "http://cs231n.stanford.edu/")
KERAS = ("Keras example mnist_mlp", "https://github.com/keras-team/keras/blob/2.x/examples/mnist_mlp.py")

# PyTorch's nn.Linear default: U(±1/sqrt(fan_in)), i.e. variance 1/(3·fan_in).
# ToBig's ladder starts from it, so its first rungs are built with it too.
TORCH_LINEAR_INIT = {"class_name": "VarianceScaling", "config": {"scale": 1 / 3, "mode": "fan_in", "distribution": "uniform"}}


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What the zoo knows about one network.

    Attributes:
        name: Registry name.
        summary: One line: what the network is.
        source: The deck or reference it comes from.
        url: Where the reference lives.
        dataset: `"mnist"`, `"fashion_mnist"`, `"cifar10"` or a synthetic
            task of `kerasdnn.data.SYNTHETIC`.
        input_shape: Shape of one sample.
        classes: Units of the output layer.
        parameters: Parameter count of the built model.
        metric: What `expected` measures, such as `"test accuracy"`.
        expected: The value the source reports, or `None` when it reports none.
        recipe: The recipe that trains it (path from the repository root), or
            `None` where only `kerasdnn train NAME` does.
        training: How it is trained: `optimizer`, `learning_rate`, `epochs`,
            `batch_size`, `loss`, `metrics`, `normalization` (read-only mapping).
        weights: Names of the trained weights shipped with the package.
        notes: Anything a user should know (adaptations, caveats).
        backend: The Keras backend that trains this network fastest on a
            CPU, used when the user has not chosen one (see `BACKENDS`).
    """

    name: str
    summary: str
    source: str
    url: str
    dataset: str
    input_shape: tuple
    classes: int
    parameters: int
    metric: str
    expected: object
    recipe: object
    training: types.MappingProxyType
    weights: tuple = ()
    notes: str = ""
    backend: str = "jax"

    def to_json(self):
        """Returns the record as a JSON-ready dict."""
        record = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        record["training"] = dict(self.training)
        record["input_shape"] = list(self.input_shape)
        record["weights"] = list(self.weights)
        return record


_REGISTRY = {}

# kerasdnn.train's seconds per epoch at batch 128 on a 2-core CPU, one run
# (benchmarks/results/backends.json): BN-MLP on 60,000 MNIST images JAX 2.63,
# TensorFlow 4.81; LSTM on 20,000 sequences JAX 0.60, TensorFlow 1.97;
# hanbat_bn_cnn on 5,000 images TensorFlow 4.68, JAX 19.65 (XLA's CPU
# convolutions are slow). So dense and recurrent nets default to JAX,
# convolutional ones to TensorFlow.
BACKENDS = ("jax", "tensorflow", "torch")


def register_model(*, reference, dataset, input_shape, classes, parameters, metric="test accuracy",
                   expected=None, recipe=None, training=None, weights=(), notes="", backend="jax"):
    """Registers a builder function as a zoo entry under its own name.

    The function's docstring's first line becomes the entry's summary.

    Args:
        reference: A pair `(source, url)`.
        dataset, input_shape, classes, parameters, metric, expected, recipe,
        weights, notes, backend: The `ModelInfo` fields; `backend` defaults
            to `"jax"`.
        training: A dict of training settings, merged over
            `{"optimizer": "adam", "learning_rate": None, "epochs": 15,
            "batch_size": 128, "loss": "sparse_categorical_crossentropy",
            "metrics": ("accuracy",), "normalization": "scale"}`.

    Returns:
        A decorator returning the function unchanged.

    Raises:
        ValueError: If the name is registered already or `backend` is unknown.
    """
    validation.check_choice("register_model", "backend", backend, BACKENDS)
    settings = {
        "optimizer": "adam", "learning_rate": None, "epochs": 15, "batch_size": 128,
        "loss": "sparse_categorical_crossentropy", "metrics": ("accuracy",), "normalization": "scale",
        **(training or {}),
    }

    def decorator(function):
        name = function.__name__
        if name in _REGISTRY:
            raise ValueError(f"register_model(): a model named {name!r} is registered already")
        source, url = reference
        info = ModelInfo(
            name=name, summary=function.__doc__.strip().splitlines()[0], source=source, url=url,
            dataset=dataset, input_shape=tuple(input_shape), classes=classes, parameters=parameters,
            metric=metric, expected=expected, recipe=recipe, training=types.MappingProxyType(settings),
            weights=tuple(weights), notes=notes, backend=backend,
        )
        _REGISTRY[name] = (function, info)
        return function

    return decorator


def list_models(pattern=None):
    """Returns the sorted names of the registered models, optionally filtered.

    Args:
        pattern: A shell-style pattern such as `"tobigs_*"`. Defaults to
            `None` (all models).

    Returns:
        A sorted list of names.
    """
    return sorted(name for name in _REGISTRY if pattern is None or fnmatch.fnmatch(name, pattern))


def model_info(name):
    """Returns the `ModelInfo` record of a registered model.

    Raises:
        ValueError: If `name` is not registered; the message lists close matches.
    """
    return _entry("model_info", name)[1]


def create_model(name, *, weights=None, **overrides):
    """Builds a registered model; keyword arguments override the entry's.

    Overrides given as `None` are dropped, so command-line options left unset
    keep the entry's values.

    Example:

    >>> model = kerasdnn.zoo.create_model("lab10_deep_dropout", dropout=0.5)
    >>> model = kerasdnn.zoo.create_model("mnist_bn", weights="mnist")

    Args:
        name: A name from `list_models()`.
        weights: The name of shipped trained weights (see the entry's
            `weights`), a path to a `.weights.h5` file, or `None` for a fresh
            initialization. Defaults to `None`.
        **overrides: Builder arguments, such as `dropout=0.5`.

    Returns:
        A new, uncompiled `keras.Model`.

    Raises:
        ValueError: If `name` or `weights` is unknown, or weights are asked
            for together with architecture overrides.
    """
    function, info = _entry("create_model", name)
    overrides = {key: value for key, value in overrides.items() if value is not None}
    model = function(**overrides)
    if weights is not None:
        if overrides:
            raise ValueError(
                f"create_model(): trained weights fit only the registered architecture; "
                f"received weights={weights!r} with overrides {sorted(overrides)}"
            )
        model.load_weights(weights_path(name, weights))
    return model


def weights_path(name, weights):
    """Returns the file of shipped weights `weights` of model `name`, or `weights` if it is a file.

    Raises:
        ValueError: If `weights` is neither a shipped name nor an existing file.
    """
    info = _entry("weights_path", name)[1]
    if weights in info.weights:
        return os.path.join(WEIGHTS_DIR, f"{name}.{weights}.weights.h5")
    if isinstance(weights, str) and os.path.isfile(weights):
        return weights
    shipped = ", ".join(info.weights) or "none"
    raise ValueError(
        f"create_model(): weights must be a shipped name of {name!r} ({shipped}) or a "
        f".weights.h5 file; received weights={weights!r}"
    )


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
    info = model_info(name)
    settings = dict(info.training)
    epochs = 1 if smoke else epochs or settings["epochs"]
    batch_size = batch_size or settings["batch_size"]
    output_dir = output_dir or os.path.join("runs", name)
    keras.utils.set_random_seed(seed)
    if info.dataset in data.SYNTHETIC:
        (x_train, y_train), test = data.synthetic_arrays(
            info.dataset, samples=reporting.SMOKE_TRAIN_SAMPLES if smoke else 1000, seed=seed
        )
        validation_data = test
    else:
        (x_train, y_train), test = data.load_arrays(
            info.dataset,
            normalization=settings["normalization"],
            data_dir=data_dir,
            train_samples=reporting.SMOKE_TRAIN_SAMPLES if smoke else None,
            test_samples=reporting.SMOKE_TEST_SAMPLES if smoke else None,
        )
        (x_train, y_train), validation_data = data.split_validation(x_train, y_train)
    rate = learning_rate or settings["learning_rate"]
    if settings.get("schedule") == "cosine":
        steps = epochs * -(-len(x_train) // batch_size)
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=steps)
    results = training.train(
        create_model(name),
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
        info = model_info(name)
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


def _entry(function, name):
    if name not in _REGISTRY:
        raise validation.unknown_name_error(function, "name", name, list_models())
    return _REGISTRY[name]


# ---------------------------------------------------------------------------
# Hanbat deck (004)

@register_model(reference=HANBAT, dataset="linear_regression", input_shape=(3,), classes=1, parameters=4,
                metric="test mse", recipe="recipes/lr_sweep.py",
                training={"optimizer": "sgd", "learning_rate": 0.01, "epochs": 20, "batch_size": 32,
                          "loss": "mse", "metrics": (), "normalization": "none"},
                notes="learning_rate=10 diverges, 0.001 crawls: the deck's learning-rate lesson")
def hanbat_lr_linear(**overrides):
    """Dense(1, input_dim=3): the learning-rate exercise's linear model."""
    return models.mlp((3,), **{"units": (), "classes": 1, "classifier_activation": None,
                               "name": "hanbat_lr_linear", **overrides})


@register_model(reference=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=466_698, recipe="recipes/optimizers.py",
                training={"optimizer": "adam", "learning_rate": 1e-3},
                notes="five Dense(256, relu, glorot_uniform) each followed by Dropout(0.2)")
def hanbat_optimizer_net(**overrides):
    """The "use optimizer" net: 5 × (Dense 256 ReLU Glorot → Dropout 0.2) → softmax."""
    return models.mlp((28, 28, 1), **{"units": (256,) * 5, "kernel_initializer": "glorot_uniform",
                                      "batch_norm": False, "dropout": 0.2,
                                      "name": "hanbat_optimizer_net", **overrides})


@register_model(reference=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=203_530, recipe="recipes/regularization.py",
                notes="activity_regularizer=l1_l2(0.01, 0.01) on the hidden Dense output, then Dropout(0.2)")
def hanbat_regularized_net(**overrides):
    """Dense(256, ReLU, activity l1_l2(0.01, 0.01)) → Dropout(0.2) → softmax."""
    return models.mlp((28, 28, 1), **{"units": (256,), "activity_regularizer": (0.01, 0.01),
                                      "batch_norm": False, "dropout": 0.2,
                                      "name": "hanbat_regularized_net", **overrides})


@register_model(reference=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=25_578, recipe="recipes/batch_norm.py",
                notes="the deck's fragment Dense(32, relu) → BatchNormalization → Dense, given a softmax head for MNIST")
def hanbat_bn_mlp(**overrides):
    """Dense(32, ReLU) → BatchNorm → softmax: the deck's BN placement in an MLP."""
    return models.mlp((28, 28, 1), **{"units": (32,), "order": "dense_activation_bn_dropout",
                                      "name": "hanbat_bn_mlp", **overrides})


@register_model(reference=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=55_786, recipe="recipes/batch_norm.py", backend="tensorflow",
                notes="the deck's fragment Conv2D(32, 3×3, relu) ×2 → BatchNormalization → MaxPooling2D, with a softmax head")
def hanbat_bn_cnn(**overrides):
    """Conv2D 32 ×2 → BatchNorm → MaxPool → softmax: the deck's BN placement in a CNN."""
    return models.cnn((28, 28, 1), **{"filters": (32,), "convs": 2, "padding": "valid", "units": (),
                                      "name": "hanbat_bn_cnn", **overrides})


@register_model(reference=HANBAT, dataset="sequence_sum", input_shape=(20, 1), classes=1, parameters=4_513, recipe="recipes/batch_norm.py",
                metric="test mse", training={"loss": "mse", "metrics": (), "normalization": "none", "epochs": 20, "batch_size": 32},
                notes="the deck's LSTM(32) → BatchNormalization → Dense(1), on a generated sequence-sum task")
def hanbat_bn_lstm(**overrides):
    """LSTM(32) → BatchNorm → Dense(1): the deck's BN placement in a recurrent net."""
    return models.lstm((20, 1), **{"units": 32, "name": "hanbat_bn_lstm", **overrides})


@register_model(reference=HANBAT, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=570_122,
                expected=0.985, recipe="recipes/mnist_bn.py", weights=("mnist",),
                training={"learning_rate": 2e-3, "schedule": "cosine"},
                notes="kerasdnn's headline: target at least 0.985 (references 0.9826 lab-10-6, 0.9840 Keras mnist_mlp)")
def mnist_bn(**overrides):
    """784-512-256-128-10, Dense → BN → ReLU → Dropout(0.2) blocks: the headline MNIST net."""
    return models.mlp((28, 28, 1), **{"units": (512, 256, 128), "dropout": 0.2, "name": "mnist_bn", **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=1_338_378,
                expected=0.905, recipe="recipes/mnist_bn.py", weights=("fashion_mnist",),
                training={"learning_rate": 2e-3, "schedule": "cosine", "epochs": 30},
                notes="recipes/mnist_bn.py --dataset fashion_mnist; target at least 0.905, past ToBig's "
                      "best 0.9013 (validation) and the Kaggle baseline 0.90257")
def fashion_bn(**overrides):
    """784-1024-512-10 BN-MLP with Dropout(0.4): the zoo's best Fashion-MNIST MLP."""
    return models.mlp((28, 28, 1), **{"units": (1024, 512), "dropout": 0.4, "name": "fashion_bn", **overrides})


# ---------------------------------------------------------------------------
# hunkim lab-10 MNIST ladder: 55,000 images, batch 100, Adam 1e-3, 15 epochs.

_LAB10 = {"batch_size": 100, "learning_rate": 1e-3}


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=7_850,
                expected=0.9194, recipe="recipes/mnist_ladder.py", training={**_LAB10, "epochs": 50}, notes="lab-10-1: 50 epochs")
def lab10_softmax(**overrides):
    """Softmax regression on 784 pixels (lab-10-1)."""
    return models.mlp((28, 28, 1), **{"units": (), "kernel_initializer": "random_normal",
                                      "name": "lab10_softmax", **overrides})


def _lab10_mlp(**settings):
    return models.mlp((28, 28, 1), **{"batch_norm": False, **settings})


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=269_322,
                expected=0.9455, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-2: weights drawn from N(0, 1)")
def lab10_relu_normal(**overrides):
    """784-256-256-10 ReLU with N(0, 1) weights (lab-10-2)."""
    return _lab10_mlp(**{"name": "lab10_relu_normal", "units": (256, 256), "kernel_initializer": "big_random_normal", **overrides})


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=269_322,
                expected=0.9783, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-3: Xavier (Glorot uniform) init")
def lab10_relu_xavier(**overrides):
    """784-256-256-10 ReLU with Xavier weights (lab-10-3)."""
    return _lab10_mlp(**{"name": "lab10_relu_xavier", "units": (256, 256), "kernel_initializer": "glorot_uniform", **overrides})


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_195_018,
                expected=0.9742, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-4: deeper and wider, no better without dropout")
def lab10_deep_xavier(**overrides):
    """784-512-512-512-512-10 ReLU with Xavier weights (lab-10-4)."""
    return _lab10_mlp(**{"name": "lab10_deep_xavier", "units": (512,) * 4, "kernel_initializer": "glorot_uniform", **overrides})


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_195_018,
                expected=0.9804, recipe="recipes/mnist_ladder.py", training=_LAB10, notes="lab-10-5: dropout keep_prob 0.7, i.e. rate 0.3")
def lab10_deep_dropout(**overrides):
    """784-512×4-10 ReLU, Xavier, Dropout(0.3) after each block (lab-10-5)."""
    return _lab10_mlp(**{"name": "lab10_deep_dropout", "units": (512,) * 4, "kernel_initializer": "glorot_uniform", "dropout": 0.3, **overrides})


@register_model(reference=HUNKIM, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=1_201_162,
                expected=0.9826, recipe="recipes/mnist_ladder.py", training={**_LAB10, "learning_rate": 0.01},
                notes="lab-10-6: Dense (no bias) → BN → ReLU → Dropout(0.3), Xavier, Adam 0.01")
def lab10_bn(**overrides):
    """4 × 512 Dense → BN → ReLU → Dropout blocks, Xavier, no bias (lab-10-6)."""
    return models.mlp((28, 28, 1), **{"units": (512,) * 4, "kernel_initializer": "glorot_uniform",
                                      "dropout": 0.3, "name": "lab10_bn", **overrides})


@register_model(reference=KERAS, dataset="mnist", input_shape=(28, 28, 1), classes=10, parameters=669_706,
                expected=0.9840, training={"optimizer": "rmsprop", "learning_rate": 1e-3, "epochs": 20},
                notes="outside reference: RMSprop, batch 128, 20 epochs")
def keras_mnist_mlp(**overrides):
    """784-512-512-10 ReLU with Dropout(0.2): Keras's mnist_mlp example."""
    return _lab10_mlp(**{"name": "keras_mnist_mlp", "units": (512, 512), "dropout": 0.2, "kernel_initializer": "glorot_uniform", **overrides})


# ---------------------------------------------------------------------------
# ToBig's Fashion-MNIST ladder: 784-512-256-128-10, SGD(0.01, momentum 0.5),
# 15 epochs, validation accuracy at epoch 15.

# The deck does not state its batch size: 64 here.
_TOBIGS_SGD = {"optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.01, "momentum": 0.5}},
               "epochs": 15, "batch_size": 64}
_TOBIGS_ADAM = {"optimizer": "adam", "learning_rate": 0.01, "epochs": 15, "batch_size": 64}


def _tobigs_mlp(**settings):
    return models.mlp((28, 28, 1), **{"units": (512, 256, 128), "batch_norm": False,
                                      "kernel_initializer": TORCH_LINEAR_INIT, **settings})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", expected=0.8466, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD,
                notes="linear layers only: a linear model however deep")
def tobigs_linear(**overrides):
    """784-512-256-128-10 without activations (ToBig's rung 1)."""
    return _tobigs_mlp(**{"name": "tobigs_linear", "activation": None, **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", expected=0.8559, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD)
def tobigs_relu(**overrides):
    """784-512-256-128-10 with ReLU, PyTorch's default init (ToBig's rung 2)."""
    return _tobigs_mlp(**{"name": "tobigs_relu", **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=567_434,
                metric="validation accuracy", expected=0.8723, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD, notes="kaiming (He) uniform init")
def tobigs_he(**overrides):
    """784-512-256-128-10 ReLU with He uniform init (ToBig's rung 3)."""
    return _tobigs_mlp(**{"name": "tobigs_he", "kernel_initializer": "he_uniform", **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", expected=0.8876, recipe="recipes/fashion_ladder.py", training=_TOBIGS_SGD,
                notes="BatchNorm between Linear and activation; the Linear layers keep their bias as in PyTorch")
def tobigs_bn(**overrides):
    """784-512-256-128-10, Linear → BN → ReLU, He init (ToBig's rung 4)."""
    return _tobigs_mlp(**{"name": "tobigs_bn", "kernel_initializer": "he_uniform", "batch_norm": True, "use_bias": True, **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", expected=0.8948, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="rung 4's network trained with Adam(0.01) instead of SGD")
def tobigs_adam(**overrides):
    """ToBig's rung 5: the BN net trained with Adam(0.01)."""
    return _tobigs_mlp(**{"name": "tobigs_adam", "kernel_initializer": "he_uniform", "batch_norm": True, "use_bias": True, **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", expected=0.8894, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="best 0.9013 at epoch 13")
def tobigs_dropout(**overrides):
    """ToBig's rung 6: + Dropout(0.2) after each block, Adam(0.01)."""
    return _tobigs_mlp(**{"name": "tobigs_dropout", "kernel_initializer": "he_uniform", "batch_norm": True, "use_bias": True,
                                            "dropout": 0.2, **overrides})


@register_model(reference=TOBIGS, dataset="fashion_mnist", input_shape=(28, 28, 1), classes=10, parameters=571_018,
                metric="validation accuracy", expected=0.8271, recipe="recipes/fashion_ladder.py", training=_TOBIGS_ADAM,
                notes="PyTorch Adam weight_decay=0.001 adds 0.001·w to each gradient: the same as a Keras L2 penalty of 0.0005")
def tobigs_l2(**overrides):
    """ToBig's rung 7: + L2 weight decay 0.001, too strong a regularization."""
    return _tobigs_mlp(**{"name": "tobigs_l2", "kernel_initializer": "he_uniform", "batch_norm": True, "use_bias": True,
                                       "dropout": 0.2, "kernel_regularizer": 5e-4, **overrides})


# ---------------------------------------------------------------------------
# XOR (decks 000 and 003) and deck 002's CIFAR-10 timing net

_XOR = {"optimizer": "sgd", "learning_rate": 1.0, "epochs": 2000, "batch_size": 4,
        "loss": "binary_crossentropy", "metrics": ("accuracy",), "normalization": "none"}


@register_model(reference=DNN_DECK, dataset="xor", input_shape=(2,), classes=1, parameters=41,
                metric="accuracy", expected=0.5, training=_XOR,
                notes="no hidden nonlinearity: the loss sticks at ln 2 = 0.6931")
def xor_linear(**overrides):
    """2-10-1 net without a hidden activation: cannot learn XOR."""
    return models.mlp((2,), **{"units": (10,), "activation": None, "batch_norm": False, "classes": 1,
                               "classifier_activation": "sigmoid", "name": "xor_linear", **overrides})


@register_model(reference=DNN_DECK, dataset="xor", input_shape=(2,), classes=1, parameters=41,
                metric="accuracy", expected=1.0, training=_XOR, notes="deck 003 reaches loss 0.0136")
def xor_sigmoid(**overrides):
    """2-10-1 net with a sigmoid hidden layer: learns XOR."""
    return models.mlp((2,), **{"units": (10,), "activation": "sigmoid", "batch_norm": False, "classes": 1,
                               "classifier_activation": "sigmoid", "name": "xor_sigmoid", **overrides})


@register_model(reference=CS231N, dataset="cifar10", input_shape=(32, 32, 3), classes=10, parameters=164_682,
                metric="seconds per epoch (CPU)", expected=47, backend="tensorflow",
                training={"optimizer": "adam", "learning_rate": 0.01, "epochs": 1, "batch_size": 32},
                notes="deck 002 times one epoch over 40,000 images: 47 s on CPU, 10 s on GPU")
def cifar10_deck002(**overrides):
    """Conv2D(64, 2×2, same) → MaxPool → Flatten → Dense(10): deck 002's timing net."""
    return models.cnn((32, 32, 3), **{"filters": (64,), "kernel_size": 2, "convs": 1, "batch_norm": False,
                                      "units": (), "name": "cifar10_deck002", **overrides})
