"""The model zoo: every network the source decks train, with its record, builder and training.

One folder, like `timm/models/`: the registry (`kerasdnn.zoo.registry`:
records, `register_model`, `create_model`), the entries
(`kerasdnn.zoo.entries`, one module per source), their training and shipped
weights (`kerasdnn.zoo.runs`) and the weights themselves (`weights/`).
Reading records imports no Keras (`kerasdnn zoo list` answers at once): the
training functions import `kerasdnn.zoo.runs`, and Keras, on first use.

Example:

>>> kerasdnn.zoo.list_models("lab10_*")
['lab10_bn', 'lab10_deep_dropout', 'lab10_deep_xavier', 'lab10_relu_normal', ...]
>>> model = kerasdnn.zoo.create_model("mnist_bn", weights="mnist")  # trained, ready
>>> results = kerasdnn.zoo.train_model("lab10_relu_xavier", epochs=5)
"""

from kerasdnn.zoo.entries.sources import TORCH_LINEAR_INIT
from kerasdnn.zoo.registry import (
    BACKENDS,
    WEIGHTS_DIR,
    ModelInfo,
    create_model,
    list_models,
    model_info,
    register_model,
    weights_path,
)

# Lazy (PEP 562): training imports Keras, and reading records must not.
_RUNS = ("compare_with_record", "measured_value", "ship_weights", "train_ladder", "train_model")

__all__ = [
    "BACKENDS",
    "TORCH_LINEAR_INIT",
    "WEIGHTS_DIR",
    "ModelInfo",
    "compare_with_record",
    "create_model",
    "list_models",
    "measured_value",
    "model_info",
    "register_model",
    "ship_weights",
    "train_ladder",
    "train_model",
    "weights_path",
]


def __getattr__(name):
    if name not in _RUNS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from kerasdnn.zoo import runs

    return getattr(runs, name)


def __dir__():
    return sorted({*globals(), *_RUNS})
