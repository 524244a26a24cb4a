"""The model zoo: every network the source decks train, with its record, builder and training.

One namespace over three modules: the registry (`kerasdnn.registry`:
records, `register_model`, `create_model`), the entries (`kerasdnn.entries`,
one module per source) and their training and shipped weights (`kerasdnn.runs`).

Example:

>>> kerasdnn.zoo.list_models("lab10_*")
['lab10_bn', 'lab10_deep_dropout', 'lab10_deep_xavier', 'lab10_relu_normal', ...]
>>> model = kerasdnn.zoo.create_model("mnist_bn", weights="mnist")  # trained, ready
>>> results = kerasdnn.zoo.train_model("lab10_relu_xavier", epochs=5)
"""

from kerasdnn.entries.sources import TORCH_LINEAR_INIT
from kerasdnn.registry import (
    BACKENDS,
    WEIGHTS_DIR,
    ModelInfo,
    create_model,
    list_models,
    model_info,
    register_model,
    weights_path,
)
from kerasdnn.runs import compare_with_record, measured_value, ship_weights, train_ladder, train_model

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
