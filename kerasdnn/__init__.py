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

from kerasdnn import quiet  # light: what starts TensorFlow quietly, wherever it is imported from

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
        ),
        "data",
    ),
    "default_strategy": "distribute",
    **dict.fromkeys(("LSUV", "BigRandomNormal", "SmallRandomNormal", "lsuv_initialize"), "initializers"),
    **dict.fromkeys(("cnn", "lstm", "mlp"), "models"),
    "WeightNormalization": "normalizations",
    "synthetic_arrays": "synthetic",
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
    # Keras's seeding and serialization import TensorFlow on every backend;
    # on JAX and PyTorch they wait until something else imports it.
    importlib.import_module(f"{__name__}.keras_internals").keep_tensorflow_unimported()
    if sys.modules.get("tensorflow") is not None:  # imported by Keras itself, before its backend was known
        quiet.keep_off_accelerators(sys.modules["tensorflow"])


class _WhenImported(importlib.abc.MetaPathFinder):
    """Runs a function on a module as it is first imported, by whoever imports it.

    Keras must know kerasdnn's objects before it reads a `.keras` file, and
    TensorFlow must start quietly and leave the GPUs alone before its first
    op; either may be imported after kerasdnn, by code that never touches
    kerasdnn again.
    """

    def __init__(self, actions):
        self.actions = dict(actions)
        self._finding = set()

    def find_spec(self, fullname, path=None, target=None):
        # A find_spec that is only a question (importlib.util.find_spec, as
        # "is TensorFlow installed?" asks) must not use the action up: it is
        # taken when the module is executed.
        if fullname not in self.actions or fullname in self._finding:
            return None
        self._finding.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)  # the finders after this one
        finally:
            self._finding.discard(fullname)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_module(module):
            action = self.actions.pop(fullname, None)
            if not self.actions and self in sys.meta_path:
                sys.meta_path.remove(self)
            if action is None:  # run already, on a module imported twice over
                execute(module)
            else:
                action(module, execute)

        # On this spec's own loader, which stays the module's __loader__.
        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _watch_imports():
    actions = {}
    if "keras" in sys.modules:
        _register_with_keras()
    else:
        actions["keras"] = lambda keras, execute: (execute(keras), _register_with_keras())
    if "tensorflow" not in sys.modules:  # None there means blocked: as if not installed
        actions["tensorflow"] = quiet.start_tensorflow
    if actions:
        sys.meta_path.insert(0, _WhenImported(actions))


_watch_imports()
