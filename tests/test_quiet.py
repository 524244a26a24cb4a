"""TensorFlow kept off the GPUs exactly when another Keras backend trains, judged from what is imported."""

import sys
import types

import pytest

from kerasdnn import quiet


class _FakeTensorFlow:
    """Records `tf.config.set_visible_devices` calls; raises as TensorFlow does once its devices are fixed."""

    def __init__(self, fixed=False):
        self.calls, self.fixed = [], fixed
        self.config = types.SimpleNamespace(set_visible_devices=self.set_visible_devices)

    def set_visible_devices(self, devices, kind):
        if self.fixed:
            raise RuntimeError("Visible devices cannot be modified after being initialized")
        self.calls.append((devices, kind))


def _keras(backend):
    """A stand-in for the `keras` module: imported with `backend`, or still being imported (`None`)."""
    module = types.ModuleType("keras")
    if backend is not None:
        module.backend = types.SimpleNamespace(backend=lambda: backend)
    return module


@pytest.mark.parametrize(
    "backend, hidden",
    [
        ("jax", True),
        ("torch", True),
        ("tensorflow", False),
        # Keras still importing (it imports TensorFlow itself): its backend is not known yet, and
        # hiding the GPUs then would leave a TensorFlow backend without them.
        (None, False),
    ],
)
def test_the_gpus_are_hidden_from_tensorflow_only_under_another_backend(monkeypatch, backend, hidden):
    monkeypatch.setitem(sys.modules, "keras", _keras(backend))
    tf = _FakeTensorFlow()
    quiet.keep_off_accelerators(tf)
    assert tf.calls == ([([], "GPU")] if hidden else [])


@pytest.mark.parametrize("variable, hidden", [("jax", True), ("tensorflow", False), (None, False)])
def test_before_keras_is_imported_the_backend_variable_decides_and_keras_defaults_to_tensorflow(
    monkeypatch, variable, hidden
):
    monkeypatch.delitem(sys.modules, "keras")
    if variable is None:
        monkeypatch.delenv("KERAS_BACKEND", raising=False)
    else:
        monkeypatch.setenv("KERAS_BACKEND", variable)
    tf = _FakeTensorFlow()
    quiet.keep_off_accelerators(tf)
    assert tf.calls == ([([], "GPU")] if hidden else [])


def test_tensorflow_whose_devices_are_fixed_is_left_as_it_is(monkeypatch):
    monkeypatch.setitem(sys.modules, "keras", _keras("jax"))
    quiet.keep_off_accelerators(_FakeTensorFlow(fixed=True))  # no error: nothing more can be done
