"""TensorFlow kept off the GPUs exactly when another Keras backend trains, judged from what is imported."""

import os
import sys
import types

import pytest

from kerasdnn import quiet


class _FakeTensorFlow:
    """Records `tf.config.set_visible_devices` and `tf.random.set_seed` calls; raises as TensorFlow does once its devices are fixed."""

    def __init__(self, fixed=False):
        self.calls, self.fixed, self.seeds = [], fixed, []
        self.config = types.SimpleNamespace(set_visible_devices=self.set_visible_devices)
        self.random = types.SimpleNamespace(set_seed=self.seeds.append)

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


def _write_to_file_descriptor_2(*lines):
    for line in lines:
        os.write(2, f"{line}\n".encode())


def test_filtered_stderr_drops_the_start_up_noise_and_passes_every_other_line_in_order(monkeypatch, capfd):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    with quiet.filtered_stderr():
        _write_to_file_descriptor_2(
            "W0000 failed call to cuInit: UNKNOWN ERROR (303)",
            "a warning of the user's own",
            "This TensorFlow binary is optimized to use available CPU instructions in performance-critical operations.",
            "I0000 Could not find cuda drivers on your machine, GPU will not be used.",
            "the last line",
        )
    assert capfd.readouterr().err == "a warning of the user's own\nthe last line\n"


def test_filtered_stderr_passes_everything_when_every_line_is_asked_for(monkeypatch, capfd):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with quiet.filtered_stderr():
        _write_to_file_descriptor_2("failed call to cuInit", "mine")
    assert capfd.readouterr().err == "failed call to cuInit\nmine\n"


def test_tensorflow_blocked_from_import_counts_as_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # what `import tensorflow` failing looks like
    assert quiet.tensorflow_installed() is False
    with pytest.raises(quiet.TensorFlowMissingError) as error:
        quiet.import_tensorflow("load_arrays('mnist') through tensorflow-datasets")
    assert str(error.value) == (
        "load_arrays('mnist') through tensorflow-datasets needs TensorFlow, which is not installed here; "
        "install it with `pip install tensorflow`"
    )


@pytest.mark.parametrize("level, expected", [(None, "1"), ("2", "2"), ("0", "0")])
def test_starting_tensorflow_filters_its_import_hides_the_gpus_and_seeds_it(monkeypatch, capfd, level, expected):
    from keras.src.utils import rng_utils

    monkeypatch.setattr(rng_utils, "get_random_seed", lambda: 5)  # keras.utils.set_random_seed(5) before
    monkeypatch.setitem(sys.modules, "keras", _keras("jax"))
    monkeypatch.setattr(quiet, "_has_gpu_devices", lambda: False)
    if level is None:
        monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", level)
    tf = _FakeTensorFlow()
    tf.config.list_physical_devices = lambda: _write_to_file_descriptor_2("failed call to cuInit", "devices listed")

    quiet.start_tensorflow(tf, lambda module: _write_to_file_descriptor_2("Unable to register cuDNN factory"))

    # INFO lines hidden on a machine without a GPU, unless the user chose a level.
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == expected
    noise = "" if expected != "0" else "Unable to register cuDNN factory\nfailed call to cuInit\n"
    assert capfd.readouterr().err == noise + "devices listed\n"
    assert tf.calls == [([], "GPU")] and tf.seeds == [5]


@pytest.mark.parametrize("backend, seeds", [("tensorflow", []), ("torch", [5]), (None, [])])
def test_tensorflow_started_is_seeded_where_keras_seeding_left_it_unimported(monkeypatch, backend, seeds):
    # On the TensorFlow backend Keras seeds it itself; while Keras is still
    # importing no seed can have been given.
    from keras.src.utils import rng_utils

    monkeypatch.setattr(rng_utils, "get_random_seed", lambda: 5)
    monkeypatch.setitem(sys.modules, "keras", _keras(backend))
    tf = _FakeTensorFlow()
    tf.config.list_physical_devices = lambda: None
    quiet.start_tensorflow(tf, lambda module: None)
    assert tf.seeds == seeds
