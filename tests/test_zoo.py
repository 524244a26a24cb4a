"""Every registered model is checked against its own record (parametrized over list_models())."""

import dataclasses
import hashlib
import json
import os

import keras
import numpy as np
import pytest

import kerasdnn
from conftest import REPOSITORY
from kerasdnn import zoo

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("zoo")


MODELS = zoo.list_models()


def test_registry_holds_every_seed_network():
    for prefix, count in (("hanbat_", 6), ("lab10_", 8), ("tobigs_", 7), ("xor_", 2)):
        assert len(zoo.list_models(f"{prefix}*")) == count, prefix
    assert {"mnist_bn", "fashion_bn", "keras_mnist_mlp", "cifar10_deck002"} <= set(MODELS)


@pytest.mark.core
@pytest.mark.parametrize("name", MODELS)
def test_entry_matches_its_record(name, tmp_path):
    info = zoo.model_info(name)
    model = zoo.create_model(name)
    assert model.count_params() == info.parameters
    assert model.name == name
    sample = np.random.default_rng(0).uniform(size=(2, *info.input_shape)).astype("float32")
    outputs = model.predict(sample, verbose=0)
    assert outputs.shape == (2, info.classes)
    model.save(tmp_path / f"{name}.keras")
    restored = keras.saving.load_model(tmp_path / f"{name}.keras")
    np.testing.assert_allclose(restored.predict(sample, verbose=0), outputs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_record_is_complete(name):
    info = zoo.model_info(name)
    for field in dataclasses.fields(info):
        if field.name not in ("reference", "target", "recipe", "weights", "weights_sha256", "notes"):
            assert getattr(info, field.name) not in (None, "", ()), field.name
    assert info.url.startswith("http") and info.summary and info.dataset in {**kerasdnn.data.DATASETS, **kerasdnn.data.SYNTHETIC}
    assert {"optimizer", "learning_rate", "epochs", "batch_size", "loss", "metrics", "normalization"} <= set(info.training)
    if info.recipe is not None:
        assert (REPOSITORY / info.recipe).is_file()
    # Every shipped file carries its checksum in the record, and matches it.
    assert set(info.weights_sha256) == set(info.weights)
    for weights in info.weights:
        path = zoo.weights_path(name, weights)
        assert hashlib.sha256(open(path, "rb").read()).hexdigest() == info.weights_sha256[weights]
    with pytest.raises(TypeError):
        info.training["epochs"] = 1  # records are read-only


def test_overrides_win_and_none_is_dropped():
    model = zoo.create_model("lab10_deep_dropout", dropout=None, units=(64,))
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10
    assert any(isinstance(layer, keras.layers.Dropout) and layer.rate == 0.3 for layer in model.layers)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"^create_model\(\): name must be one of .*; received name='mnist_nb' \(did you mean 'mnist_bn'"):
        zoo.create_model("mnist_nb")


def test_damaged_weights_are_refused_naming_the_file_and_the_remedy(tmp_path, monkeypatch):
    shipped = zoo.weights_path("mnist_bn", "mnist")
    damaged = tmp_path / os.path.basename(shipped)
    content = bytearray(open(shipped, "rb").read())
    middle = len(content) // 2
    content[middle:middle + 65536] = bytes(65536)  # 64 KiB overwritten mid-file
    damaged.write_bytes(bytes(content))
    monkeypatch.setattr(kerasdnn.registry, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(ValueError, match=rf"^create_model\(\): {damaged} is damaged \(its SHA-256 differs from the "
                                         rf"record's 152e4153bfcd…\); reinstall kerasdnn .* recipes/mnist_bn.py$"):
        zoo.create_model("mnist_bn", weights="mnist")
    monkeypatch.undo()
    # A user's file has no record: a file that is not weights names itself.
    truncated = tmp_path / "mine.weights.h5"
    truncated.write_bytes(open(shipped, "rb").read()[:4096])
    with pytest.raises(ValueError, match=rf"^create_model\(\): {truncated} does not load into 'mnist_bn' \(.*\); "
                                         r"export the weights again from a trained 'mnist_bn' model"):
        zoo.create_model("mnist_bn", weights=str(truncated))


def test_weights_with_overrides_or_unknown_names_are_refused():
    with pytest.raises(ValueError, match=r"^create_model\(\): trained weights fit only the registered architecture; received weights='mnist' with overrides \['dropout'\]$"):
        zoo.create_model("mnist_bn", weights="mnist", dropout=0.5)
    with pytest.raises(ValueError, match=r"^create_model\(\): weights must be a shipped name of 'lab10_bn' \(none\) or a .weights.h5 file; received weights='mnist'$"):
        zoo.create_model("lab10_bn", weights="mnist")


@pytest.mark.integration
@pytest.mark.parametrize("name, dataset", [("mnist_bn", "mnist"), ("fashion_bn", "fashion_mnist")])
def test_shipped_weights_reach_their_recorded_accuracy(name, dataset):
    info = zoo.model_info(name)
    model = zoo.create_model(name, weights=dataset)
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, (x_test, y_test) = kerasdnn.load_arrays(dataset, train_samples=1)
    accuracy = model.evaluate(x_test, y_test, batch_size=1000, verbose=0, return_dict=True)["accuracy"]
    # The seed the full run shipped, as its results file recorded it; past the source.
    shipped = json.loads((REPOSITORY / "recipes" / "results" / f"{name}.json").read_text())["shipped"]
    assert accuracy == pytest.approx(shipped["test_accuracy"], abs=2e-4) and accuracy > info.reference


def test_train_model_smoke_writes_results(tmp_path):
    results = zoo.train_model("xor_sigmoid", output_dir=str(tmp_path), smoke=True, verbose=0)
    assert results["epochs_run"] == 1 and results["settings"]["zoo_model"] == "xor_sigmoid"
    assert (tmp_path / "results.json").is_file()
    assert zoo.measured_value(zoo.model_info("xor_sigmoid"), results) == results["test"]["accuracy"]


# What each record and docstring promise about the hidden layers, written
# out here independently of the entries' code: the layer sequence (one
# block, repeated), the kernel initializer of every weighted layer, whether
# the hidden layers have a bias, and the regularizers. Parameter counts
# alone cannot tell a changed dropout rate or initializer.
HE, GLOROT, TORCH = "HeNormal", "GlorotUniform", "VarianceScaling(0.3333, fan_in, uniform)"
PROMISED = {
    # name: (block, repeats, initializers, hidden bias, kernel regularizer, activity regularizer)
    "cifar10_deck002": ("conv relu pool", 1, {HE, GLOROT}, True, None, None),
    "fashion_bn": ("dense bn relu dropout0.4", 2, {HE, GLOROT}, False, None, None),
    "hanbat_bn_cnn": ("conv relu conv relu bn pool", 1, {HE, GLOROT}, True, None, None),
    "hanbat_bn_lstm": ("lstm bn", 1, {GLOROT}, True, None, None),
    "hanbat_bn_mlp": ("dense relu bn", 1, {HE, GLOROT}, True, None, None),
    "hanbat_lr_linear": ("", 0, {GLOROT}, None, None, None),
    "hanbat_optimizer_net": ("dense relu dropout0.2", 5, {GLOROT}, True, None, None),
    "hanbat_regularized_net": ("dense relu dropout0.2", 1, {HE, GLOROT}, True, None, {"l1": 0.01, "l2": 0.01}),
    "keras_mnist_mlp": ("dense relu dropout0.2", 2, {GLOROT}, True, None, None),
    "lab10_6_bn": ("dense bn relu", 2, {GLOROT}, True, None, None),
    "lab10_6_plain": ("dense relu", 2, {GLOROT}, True, None, None),
    "lab10_bn": ("dense bn relu dropout0.3", 4, {GLOROT}, False, None, None),
    "lab10_deep_dropout": ("dense relu dropout0.3", 4, {GLOROT}, True, None, None),
    "lab10_deep_xavier": ("dense relu", 4, {GLOROT}, True, None, None),
    "lab10_relu_normal": ("dense relu", 2, {"BigRandomNormal"}, True, None, None),
    "lab10_relu_xavier": ("dense relu", 2, {GLOROT}, True, None, None),
    "lab10_softmax": ("", 0, {"RandomNormal"}, None, None, None),
    "mnist_bn": ("dense bn relu dropout0.2", 3, {HE, GLOROT}, False, None, None),
    "tobigs_adam": ("dense bn relu", 3, {"HeUniform"}, True, None, None),
    "tobigs_bn": ("dense bn relu", 3, {"HeUniform"}, True, None, None),
    "tobigs_dropout": ("dense bn relu dropout0.2", 3, {"HeUniform"}, True, None, None),
    "tobigs_he": ("dense relu", 3, {"HeUniform"}, True, None, None),
    "tobigs_l2": ("dense bn relu dropout0.2", 3, {"HeUniform"}, True, {"l2": 0.0005}, None),
    "tobigs_linear": ("dense", 3, {TORCH}, True, None, None),
    "tobigs_relu": ("dense relu", 3, {TORCH}, True, None, None),
    "xor_linear": ("dense", 1, {GLOROT}, True, None, None),
    "xor_sigmoid": ("dense sigmoid", 1, {GLOROT}, True, None, None),
}

_KINDS = {"Dense": "dense", "Conv2D": "conv", "LSTM": "lstm", "BatchNormalization": "bn", "MaxPooling2D": "pool"}


def _kind(layer):
    name = type(layer).__name__
    if name == "Activation":
        return keras.activations.serialize(layer.activation)
    if name == "Dropout":
        return f"dropout{layer.rate}"
    return _KINDS.get(name, name.lower())


def _initializer(initializer):
    name = type(initializer).__name__
    if name == "VarianceScaling":
        config = initializer.get_config()
        return f"VarianceScaling({config['scale']:.4g}, {config['mode']}, {config['distribution']})"
    return name


def _regularizer(regularizer):
    if regularizer is None:
        return None
    return {key: round(float(value), 6) for key, value in regularizer.get_config().items() if float(value)}


def test_every_entry_has_its_promise_written_out():
    assert sorted(PROMISED) == MODELS


@pytest.mark.parametrize("name", MODELS)
def test_entry_layers_carry_the_promised_settings(name):
    block, repeats, initializers, bias, kernel_regularizer, activity_regularizer = PROMISED[name]
    model = zoo.create_model(name)
    hidden = [layer for layer in model.layers
              if layer.name != "predictions" and type(layer).__name__ not in ("InputLayer", "Flatten")]
    assert " ".join(_kind(layer) for layer in hidden) == " ".join([block] * repeats)
    weighted = [layer for layer in model.layers if hasattr(layer, "kernel_initializer") or type(layer).__name__ == "LSTM"]
    found = {_initializer(getattr(layer, "kernel_initializer", None) or layer.cell.kernel_initializer) for layer in weighted}
    assert found == initializers
    weighted_hidden = [layer for layer in weighted if layer.name != "predictions"]
    assert {layer.use_bias for layer in weighted_hidden} == ({bias} if bias is not None else set())
    for layer in weighted_hidden:
        assert _regularizer(getattr(layer, "kernel_regularizer", None)) == kernel_regularizer
        assert _regularizer(layer.activity_regularizer) == activity_regularizer


@pytest.mark.parametrize("name", MODELS)
def test_train_model_uses_the_records_settings(name, monkeypatch, tmp_path):
    info = zoo.model_info(name)
    task = info.dataset if info.dataset in kerasdnn.data.SYNTHETIC else "xor"
    tiny = kerasdnn.synthetic_arrays(task, samples=24)
    if info.dataset not in kerasdnn.data.SYNTHETIC:
        rng = np.random.default_rng(0)
        tiny = tuple((rng.uniform(size=(24, *info.input_shape)).astype("float32"), rng.integers(0, info.classes, 24))
                     for _ in range(2))
    calls = []
    monkeypatch.setattr(kerasdnn.data, "load_arrays", lambda *args, **kwargs: tiny)
    monkeypatch.setattr(kerasdnn.data, "synthetic_arrays", lambda *args, **kwargs: tiny)
    monkeypatch.setattr(kerasdnn.training, "train", lambda model, *args, **kwargs: calls.append((model, kwargs)) or
                        {"epochs_run": 0, "test": None, "final": {}})
    zoo.train_model(name, output_dir=str(tmp_path))
    model, arguments = calls[0]
    training = info.training
    assert model.name == name and model.count_params() == info.parameters
    assert arguments["epochs"] == training["epochs"] and arguments["batch_size"] == training["batch_size"]
    assert arguments["loss"] == training["loss"] and tuple(arguments["metrics"]) == tuple(training["metrics"])
    assert arguments["optimizer"] == training["optimizer"]
    (x_train, _), (x_test, _) = tiny
    np.testing.assert_array_equal(arguments["test_data"][0], x_test)
    if info.dataset in kerasdnn.data.SYNTHETIC:  # generated tasks validate on their test split
        np.testing.assert_array_equal(arguments["validation_data"][0], x_test)
    else:  # images: the last twelfth of the training split, never the test split
        np.testing.assert_array_equal(arguments["validation_data"][0], x_train[-2:])
    rate = arguments["learning_rate"]
    if training.get("schedule") == "cosine":
        steps = training["epochs"] * -(-len(tiny[0][0][:-2]) // training["batch_size"])
        assert isinstance(rate, keras.optimizers.schedules.CosineDecay)
        assert float(rate.initial_learning_rate) == training["learning_rate"] and rate.decay_steps == steps
    else:
        assert rate == training["learning_rate"]


def test_a_metric_the_results_cannot_answer_is_refused_at_registration():
    with pytest.raises(ValueError, match=r"^register_model\(\): metric must be one of .*; received metric='top-5 accuracy'"):
        kerasdnn.registry.register_model(source=("deck", "https://example.org"), dataset="mnist", input_shape=(784,),
                                         classes=10, parameters=0, metric="top-5 accuracy")


def test_compare_with_record_judges_the_mean_over_seeds_against_the_reference():
    def run(accuracy, seconds):
        return {"test": {"accuracy": accuracy}, "epochs_run": 50, "train_seconds": seconds, "diverged": False}

    compared = zoo.compare_with_record(zoo.model_info("lab10_softmax"), [run(0.9270, 10.0), run(0.9290, 12.0)])
    assert compared["values"] == [0.9270, 0.9290] and compared["ours"] == pytest.approx(0.928)
    assert compared["difference"] == pytest.approx(0.928 - 0.9194) and compared["reproduced"] is False
    assert compared["train_seconds"] == 22.0 and compared["epochs"] == 50 and not compared["diverged"]


def test_measured_value_reads_the_metric_the_record_names():
    results = {"test": {"accuracy": 0.11, "loss": 0.22}, "final": {"val_accuracy": 0.33}, "seconds_per_epoch": 44.0}
    expected = {"test accuracy": 0.11, "accuracy": 0.11, "test mse": 0.22, "validation accuracy": 0.33,
                "seconds per epoch (CPU)": 44.0}
    for name in MODELS:
        info = zoo.model_info(name)
        assert zoo.measured_value(info, results) == expected[info.metric], name
