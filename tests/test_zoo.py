"""Every registered model is checked against its own record (parametrized over list_models())."""

import dataclasses
import os

import keras
import numpy as np
import pytest

import kerasdnn
from conftest import REPOSITORY
from kerasdnn import zoo

MODELS = zoo.list_models()


def test_registry_holds_every_seed_network():
    for prefix, count in (("hanbat_", 6), ("lab10_", 6), ("tobigs_", 7), ("xor_", 2)):
        assert len(zoo.list_models(f"{prefix}*")) == count, prefix
    assert {"mnist_bn", "fashion_bn", "keras_mnist_mlp", "cifar10_deck002"} <= set(MODELS)


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
        if field.name not in ("expected", "recipe", "weights", "notes"):
            assert getattr(info, field.name) not in (None, "", ()), field.name
    assert info.url.startswith("http") and info.summary and info.dataset in {**kerasdnn.data.DATASETS, **kerasdnn.data.SYNTHETIC}
    assert {"optimizer", "learning_rate", "epochs", "batch_size", "loss", "metrics", "normalization"} <= set(info.training)
    if info.recipe is not None:
        assert (REPOSITORY / info.recipe).is_file()
    for weights in info.weights:
        assert os.path.isfile(zoo.weights_path(name, weights))
    with pytest.raises(TypeError):
        info.training["epochs"] = 1  # records are read-only


def test_overrides_win_and_none_is_dropped():
    model = zoo.create_model("lab10_deep_dropout", dropout=None, units=(64,))
    assert model.count_params() == 784 * 64 + 64 + 64 * 10 + 10
    assert any(isinstance(layer, keras.layers.Dropout) and layer.rate == 0.3 for layer in model.layers)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match=r"^create_model\(\): name must be one of .*; received name='mnist_nb' \(did you mean 'mnist_bn'"):
        zoo.create_model("mnist_nb")


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
    assert accuracy >= info.expected


def test_train_model_smoke_writes_results(tmp_path):
    results = zoo.train_model("xor_sigmoid", output_dir=str(tmp_path), smoke=True, verbose=0)
    assert results["epochs_run"] == 1 and results["settings"]["zoo_model"] == "xor_sigmoid"
    assert (tmp_path / "results.json").is_file()
    assert zoo.measured_value(zoo.model_info("xor_sigmoid"), results) == results["test"]["accuracy"]
