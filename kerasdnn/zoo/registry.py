"""The zoo's registry: records of the registered networks, and building them by name.

The entries themselves live in `kerasdnn.zoo.entries` (one module per source),
training them in `kerasdnn.zoo.runs`; `kerasdnn.zoo` gathers all three. Reading
records imports neither Keras nor TensorFlow, so `kerasdnn zoo list` answers
at once; building a model imports Keras.

Example:

>>> kerasdnn.zoo.list_models("lab10_*")
['lab10_bn', 'lab10_deep_dropout', 'lab10_deep_xavier', 'lab10_relu_normal', ...]
>>> model = kerasdnn.zoo.create_model("mnist_bn", weights="mnist")  # trained, ready
>>> kerasdnn.zoo.model_info("lab10_bn").reference  # what hunkim's lab-10-7 reports
0.9826
"""

import dataclasses
import fnmatch
import importlib
import os
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kerasdnn import validation

WEIGHTS_DIR = os.path.join(os.path.dirname(__file__), "weights")


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What the zoo knows about one network.

    Attributes:
        name: Registry name.
        summary: One line: what the network is.
        source: The deck or reference it comes from.
        url: Where the reference lives.
        dataset: `"mnist"`, `"fashion_mnist"`, `"cifar10"` or a synthetic
            task of `kerasdnn.synthetic.SYNTHETIC`.
        input_shape: Shape of one sample.
        classes: Units of the output layer.
        parameters: Parameter count of the built model.
        metric: What `reference` and `target` measure, a key of `METRICS`
            such as `"test accuracy"`.
        reference: The value the source reports, or `None` when it reports
            none.
        target: The value kerasdnn promises at least (mean over seeds), or
            `None` where the entry only reproduces its source.
        recipe: The recipe that trains it (path from the repository root), or
            `None` where only `kerasdnn train NAME` does.
        training: How it is trained: `optimizer`, `learning_rate`, `epochs`,
            `batch_size`, `drop_remainder`, `loss`, `metrics`, `normalization`
            (read-only mapping).
        weights: Names of the trained weights shipped with the package.
        weights_sha256: The SHA-256 of each shipped weights file, checked
            every time it is loaded (read-only mapping).
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
    reference: float | None
    target: float | None
    recipe: str | None
    training: types.MappingProxyType
    weights: tuple = ()
    notes: str = ""
    backend: str = "jax"
    weights_sha256: types.MappingProxyType = dataclasses.field(default_factory=lambda: types.MappingProxyType({}))

    def to_json(self) -> dict[str, Any]:
        """Returns the record as a JSON-ready dict."""
        record = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        # Tuples (the metrics) as lists: what reading the JSON back gives.
        record["training"] = {
            key: list(value) if isinstance(value, tuple) else value for key, value in self.training.items()
        }
        record["input_shape"] = list(self.input_shape)
        record["weights"] = list(self.weights)
        record["weights_sha256"] = dict(self.weights_sha256)
        return record


_REGISTRY: dict[str, tuple[Callable[..., Any], "ModelInfo"]] = {}

# Where each metric a record can name is read from in `kerasdnn.train`'s
# results: the keys that lead to the number.
METRICS = {
    "test accuracy": ("test", "accuracy"),
    "accuracy": ("test", "accuracy"),
    "test mse": ("test", "loss"),
    "validation accuracy": ("final", "val_accuracy"),
    "seconds per epoch (CPU)": ("seconds_per_epoch",),
}

# kerasdnn.train's seconds per epoch at batch 128 on a 2-core CPU, one run
# (benchmarks/results/backends.json): BN-MLP on 60,000 MNIST images JAX 1.73,
# TensorFlow 3.28; LSTM on 20,000 sequences JAX 0.46, TensorFlow 0.61;
# hanbat_bn_cnn on 5,000 images TensorFlow 4.47, JAX 13.04 (XLA's CPU
# convolutions are slow). So dense and recurrent nets default to JAX,
# convolutional ones to TensorFlow, the fastest of the backends kerasdnn
# installs (Keras on PyTorch, an optional install, ran the CNN in 3.65 s).
BACKENDS = ("jax", "tensorflow", "torch")


def register_model(
    *,
    source: tuple[str, str],
    dataset: str,
    input_shape: Sequence[int],
    classes: int,
    parameters: int,
    metric: str = "test accuracy",
    reference: float | None = None,
    target: float | None = None,
    recipe: str | None = None,
    training: Mapping[str, Any] | None = None,
    weights: Mapping[str, str] | Sequence[str] = (),
    notes: str = "",
    backend: str = "jax",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Registers a builder function as a zoo entry under its own name.

    The function's docstring's first line becomes the entry's summary.

    Args:
        source: A pair `(source, url)`: the deck or reference and its address.
        dataset, input_shape, classes, parameters, metric, reference, target,
        recipe, notes, backend: The `ModelInfo` fields; `backend`
            defaults to `"jax"`.
        weights: The shipped weights: `{name: SHA-256 of the file}`.
        training: A dict of training settings, merged over
            `{"optimizer": "adam", "learning_rate": None, "epochs": 15,
            "batch_size": 128, "drop_remainder": False,
            "loss": "sparse_categorical_crossentropy", "metrics": ("accuracy",),
            "normalization": "scale"}`.

    Returns:
        A decorator returning the function unchanged.

    Raises:
        ValueError: If the name is registered already, or `backend` or
            `metric` is unknown.
    """
    validation.check_choice("register_model", "backend", backend, BACKENDS)
    validation.check_choice("register_model", "metric", metric, tuple(METRICS))
    settings = {
        "optimizer": "adam",
        "learning_rate": None,
        "epochs": 15,
        "batch_size": 128,
        "drop_remainder": False,
        "loss": "sparse_categorical_crossentropy",
        "metrics": ("accuracy",),
        "normalization": "scale",
        **(training or {}),
    }

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        name = function.__name__
        if name in _REGISTRY:
            raise ValueError(f"register_model(): a model named {name!r} is registered already")
        source_name, url = source
        info = ModelInfo(
            name=name,
            summary=(function.__doc__ or "").strip().splitlines()[0],
            source=source_name,
            url=url,
            dataset=dataset,
            input_shape=tuple(input_shape),
            classes=classes,
            parameters=parameters,
            metric=metric,
            reference=reference,
            target=target,
            recipe=recipe,
            training=types.MappingProxyType(settings),
            weights=tuple(weights),
            notes=notes,
            backend=backend,
            weights_sha256=types.MappingProxyType(dict(weights) if isinstance(weights, Mapping) else {}),
        )
        _REGISTRY[name] = (function, info)
        return function

    return decorator


def list_models(pattern: str | None = None) -> list[str]:
    """Returns the sorted names of the registered models, optionally filtered.

    Args:
        pattern: A shell-style pattern such as `"tobigs_*"`. Defaults to
            `None` (all models).

    Returns:
        A sorted list of names.
    """
    _load_entries()
    return sorted(name for name in _REGISTRY if pattern is None or fnmatch.fnmatch(name, pattern))


def model_info(name: str) -> ModelInfo:
    """Returns the `ModelInfo` record of a registered model.

    Raises:
        ValueError: If `name` is not registered; the message lists close matches.
    """
    return _entry("model_info", name)[1]


def create_model(name: str, *, weights: str | None = None, **overrides: Any) -> Any:
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
        ValueError: If `name` or `weights` is unknown, weights are asked
            for together with architecture overrides, a shipped file's
            checksum differs from its record's, or a weights file does not
            load into the model (the message names the file and the remedy).
    """
    function, info = _entry("create_model", name)
    overrides = {key: value for key, value in overrides.items() if value is not None}
    if "batch_norm" in overrides and "normalization" not in overrides:
        # The shorthand replaces the record's normalization, whichever it is
        # (batch_norm=False is the way to none: a None override is dropped).
        batch_norm = validation.check_type(
            "create_model", "batch_norm", overrides.pop("batch_norm"), (bool,), "True or False"
        )
        overrides["normalization"] = "batch" if batch_norm else None
    model = function(**overrides)
    if weights is not None:
        if overrides:
            raise ValueError(
                f"create_model(): trained weights fit only the registered architecture; "
                f"received weights={weights!r} with overrides {sorted(overrides)}"
            )
        path = weights_path(name, weights)
        expected = info.weights_sha256.get(weights)
        if expected is not None:
            from kerasdnn.run_state import file_sha256

            if file_sha256(path) != expected:
                raise ValueError(
                    f"create_model(): {path} is damaged (its SHA-256 differs from the record's {expected[:12]}…); "
                    f"reinstall kerasdnn (pip install --force-reinstall kerasdnn), or train and export them "
                    f"again with {info.recipe}"
                )
        try:
            model.load_weights(path)
        except Exception as error:  # h5py and Keras raise many kinds for a bad file
            raise ValueError(
                f"create_model(): {path} does not load into {name!r} ({str(error).splitlines()[0]}); export the "
                f"weights again from a trained {name!r} model with model.save_weights(...)"
            ) from None
    return model


def weights_path(name: str, weights: str) -> str:
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


def _load_entries():
    # Imported on first use: the entry modules register themselves here.
    importlib.import_module("kerasdnn.zoo.entries")


def _entry(function, name):
    _load_entries()
    if name not in _REGISTRY:
        raise validation.unknown_name_error(function, "name", name, list_models())
    return _REGISTRY[name]
