"""kerasdnn: the classic techniques for training deep networks, as Keras 3 recipes.

Builders return plain `keras.Model`s; `train` records a run under one folder.

Example:

>>> import kerasdnn
>>> (x_train, y_train), (x_test, y_test) = kerasdnn.load_arrays("mnist")
>>> model = kerasdnn.mlp((28, 28, 1), units=(512, 256, 128), dropout=0.2)
>>> result = kerasdnn.train(model, x_train, y_train, epochs=15,
...                         test_data=(x_test, y_test), output_dir="runs/mnist")

`import kerasdnn` loads nothing heavy (PEP 562): each name below imports its
module, and Keras, on first use, so `kerasdnn --help` answers at once. Keras
still knows kerasdnn's objects (a `.keras` file holding them loads after a
plain `import kerasdnn`): they are registered as soon as Keras is imported,
by whoever imports it.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__version__ = "0.1.0"

# Each public name and the module that defines it.
_ATTRIBUTES = {
    **dict.fromkeys(("Maxout", "activation_layer", "step"), "activations"),
    **dict.fromkeys(("apply_layers", "conv_block", "default_initializer", "dense_block"), "blocks"),
    **dict.fromkeys(
        (
            "DatasetNotFoundError",
            "Normalization",
            "fit_normalization",
            "load_arrays",
            "load_dataset",
            "make_dataset",
            "split_validation",
            "synthetic_arrays",
        ),
        "data",
    ),
    "default_strategy": "distribute",
    **dict.fromkeys(("LSUV", "BigRandomNormal", "SmallRandomNormal", "lsuv_initialize"), "initializers"),
    **dict.fromkeys(("cnn", "lstm", "mlp"), "models"),
    "WeightNormalization": "normalizations",
    "plot_history": "plotting",
    "write_json": "results",
    "train": "training",
}
# The modules that register Keras objects (`register_keras_serializable`).
_REGISTERING = ("activations", "callbacks", "initializers", "normalizations", "optimizers")

__all__ = sorted(_ATTRIBUTES)


def __getattr__(name):
    module = _ATTRIBUTES.get(name, name)
    if name.startswith("__") or (module == name and importlib.util.find_spec(f"{__name__}.{name}") is None):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = importlib.import_module(f"{__name__}.{module}")
    if module != name:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *_ATTRIBUTES})


def _register_with_keras():
    for module in _REGISTERING:
        importlib.import_module(f"{__name__}.{module}")
    if sys.modules.get("tensorflow") is not None:  # imported by Keras itself, before its backend was known
        importlib.import_module(f"{__name__}.quiet").keep_off_accelerators(sys.modules["tensorflow"])


def _start_tensorflow(tf, execute):
    quiet = importlib.import_module(f"{__name__}.quiet")
    with quiet.tensorflow_start_up():
        execute(tf)
        tf.config.list_physical_devices()  # where TensorFlow probes for CUDA (cuInit)
    quiet.keep_off_accelerators(tf)


class _WhenImported(importlib.abc.MetaPathFinder):
    """Runs a function on a module as it is first imported, by whoever imports it.

    Keras must know kerasdnn's objects before it reads a `.keras` file, and
    TensorFlow must start quietly and leave the GPUs alone before its first
    op; either may be imported after kerasdnn, by code that never touches
    kerasdnn again.
    """

    def __init__(self, actions):
        self.actions = dict(actions)

    def find_spec(self, fullname, path=None, target=None):
        action = self.actions.pop(fullname, None)
        if action is None:
            return None
        if not self.actions:
            sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)  # asked without this finder: it has handed that name over
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module
        # On this spec's own loader, which stays the module's __loader__.
        spec.loader.exec_module = lambda module: action(module, execute)  # type: ignore[method-assign]
        return spec


def _watch_imports():
    actions = {}
    if "keras" in sys.modules:
        _register_with_keras()
    else:
        actions["keras"] = lambda keras, execute: (execute(keras), _register_with_keras())
    if "tensorflow" not in sys.modules:  # None there means blocked: as if not installed
        actions["tensorflow"] = _start_tensorflow
    if actions:
        sys.meta_path.insert(0, _WhenImported(actions))


_watch_imports()
