"""Every registered model is checked against its own record (parametrized over list_models())."""

import dataclasses
import hashlib
import json
import os

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import zoo

from conftest import REPOSITORY

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("zoo")


MODELS = zoo.list_models()


@pytest.mark.parametrize(
    "pattern, chosen",
    [
        ("*_bn", lambda name: name.endswith("_bn")),
        ("lab10_*_xavier", lambda name: name.startswith("lab10_") and name.endswith("_xavier")),
        ("tobigs_??", lambda name: name.startswith("tobigs_") and len(name) == len("tobigs_") + 2),
        ("mnist_bn", lambda name: name == "mnist_bn"),
        ("[xh]*", lambda name: name[0] in "xh"),
    ],
)
def test_list_models_filters_by_a_shell_pattern(pattern, chosen):
    expected = sorted(name for name in MODELS if chosen(name))
    assert expected and zoo.list_models(pattern) == expected


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
    assert (
        info.url.startswith("http")
        and info.summary
        and info.dataset in {**kerasdnn.data.DATASETS, **kerasdnn.data.SYNTHETIC}
    )
    assert {"optimizer", "learning_rate", "epochs", "batch_size", "loss", "metrics", "normalization"} <= set(
        info.training
    )
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


def _normalizations(model):
    return sorted(type(layer).__name__ for layer in model.layers if "Normalization" in type(layer).__name__)


def test_the_batch_norm_shorthand_replaces_the_records_normalization_either_way():
    assert _normalizations(zoo.create_model("mnist_bn")) == ["BatchNormalization"] * 3
    plain = zoo.create_model("mnist_bn", batch_norm=False)
    # No normalization at all, and the Dense layers get their biases back.
    assert _normalizations(plain) == []
    assert plain.count_params() == 784 * 512 + 512 + 512 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert _normalizations(zoo.create_model("lab10_deep_dropout")) == []
    assert set(_normalizations(zoo.create_model("lab10_deep_dropout", batch_norm=True))) == {"BatchNormalization"}
    with pytest.raises(TypeError) as error:
        zoo.create_model("mnist_bn", batch_norm="no")
    assert str(error.value) == "create_model(): batch_norm must be True or False; received batch_norm='no' of type str"


def test_unknown_name_suggests_close_matches():
    with pytest.raises(
        ValueError,
        match=r"^create_model\(\): name must be one of .*; received name='mnist_nb' \(did you mean 'mnist_bn'",
    ):
        zoo.create_model("mnist_nb")


def test_damaged_weights_are_refused_naming_the_file_and_the_remedy(tmp_path, monkeypatch):
    shipped = zoo.weights_path("mnist_bn", "mnist")
    damaged = tmp_path / os.path.basename(shipped)
    content = bytearray(open(shipped, "rb").read())
    middle = len(content) // 2
    content[middle : middle + 65536] = bytes(65536)  # 64 KiB overwritten mid-file
    damaged.write_bytes(bytes(content))
    monkeypatch.setattr(kerasdnn.zoo.registry, "WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(
        ValueError,
        match=rf"^create_model\(\): {damaged} is damaged \(its SHA-256 differs from the "
        rf"record's 2976061a747e…\); reinstall kerasdnn .* recipes/mnist_bn.py$",
    ):
        zoo.create_model("mnist_bn", weights="mnist")
    monkeypatch.undo()
    # A user's file has no record: a file that is not weights names itself.
    truncated = tmp_path / "mine.weights.h5"
    truncated.write_bytes(open(shipped, "rb").read()[:4096])
    with pytest.raises(
        ValueError,
        match=rf"^create_model\(\): {truncated} does not load into 'mnist_bn' \(.*\); "
        r"export the weights again from a trained 'mnist_bn' model",
    ):
        zoo.create_model("mnist_bn", weights=str(truncated))


def test_weights_with_overrides_or_unknown_names_are_refused():
    with pytest.raises(
        ValueError,
        match=r"^create_model\(\): trained weights fit only the registered architecture; received weights='mnist' with overrides \['dropout'\]$",
    ):
        zoo.create_model("mnist_bn", weights="mnist", dropout=0.5)
    with pytest.raises(
        ValueError,
        match=r"^create_model\(\): weights must be a shipped name of 'lab10_bn' \(none\) or a .weights.h5 file; received weights='mnist'$",
    ):
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
    hidden = [
        layer
        for layer in model.layers
        if layer.name != "predictions" and type(layer).__name__ not in ("InputLayer", "Flatten")
    ]
    assert " ".join(_kind(layer) for layer in hidden) == " ".join([block] * repeats)
    weighted = [
        layer for layer in model.layers if hasattr(layer, "kernel_initializer") or type(layer).__name__ == "LSTM"
    ]
    found = {
        _initializer(getattr(layer, "kernel_initializer", None) or layer.cell.kernel_initializer) for layer in weighted
    }
    assert found == initializers
    weighted_hidden = [layer for layer in weighted if layer.name != "predictions"]
    assert {layer.use_bias for layer in weighted_hidden} == ({bias} if bias is not None else set())
    for layer in weighted_hidden:
        assert _regularizer(getattr(layer, "kernel_regularizer", None)) == kernel_regularizer
        assert _regularizer(layer.activity_regularizer) == activity_regularizer


def _train_model_call(name, monkeypatch, tmp_path, **options):
    """Runs `zoo.train_model` with tiny data and `training.train` recorded; returns (model, arguments, data)."""
    info = zoo.model_info(name)
    task = info.dataset if info.dataset in kerasdnn.data.SYNTHETIC else "xor"
    tiny = kerasdnn.synthetic_arrays(task, samples=24)
    if info.dataset not in kerasdnn.data.SYNTHETIC:
        # 156 images: 143 to train on after the validation twelfth, a whole
        # batch of 128 for the records that train on whole batches only.
        rng = np.random.default_rng(0)
        tiny = tuple(
            (rng.uniform(size=(156, *info.input_shape)).astype("float32"), rng.integers(0, info.classes, 156))
            for _ in range(2)
        )
    calls = []
    monkeypatch.setattr(
        kerasdnn.data, "load_arrays", lambda *args, **kwargs: calls.append(("load_arrays", args, kwargs)) or tiny
    )
    monkeypatch.setattr(
        kerasdnn.data,
        "synthetic_arrays",
        lambda *args, **kwargs: calls.append(("synthetic_arrays", args, kwargs)) or tiny,
    )
    monkeypatch.setattr(
        kerasdnn.training,
        "train",
        lambda model, x, y, **kwargs: (
            calls.append((model, {"x": x, "y": y, **kwargs})) or {"epochs_run": 0, "test": None, "final": {}}
        ),
    )
    zoo.train_model(name, **{"output_dir": str(tmp_path), **options})
    loaded, trained = calls
    return (*trained, tiny, loaded)


@pytest.mark.parametrize("name", MODELS)
def test_train_model_routes_the_data_and_builds_the_records_model(name, monkeypatch, tmp_path):
    info = zoo.model_info(name)
    model, arguments, tiny, loaded = _train_model_call(name, monkeypatch, tmp_path)
    assert model.name == name and model.count_params() == info.parameters
    # The record's dataset, loaded whole with the record's normalization (generated: 1,000 samples, the run's seed).
    if info.dataset in kerasdnn.data.SYNTHETIC:
        assert loaded == ("synthetic_arrays", (info.dataset,), {"samples": 1000, "seed": 0})
    else:
        assert loaded == (
            "load_arrays",
            (info.dataset,),
            {
                "normalization": info.training["normalization"],
                "data_dir": None,
                "train_samples": None,
                "test_samples": None,
            },
        )
    assert (arguments["overwrite"], arguments["verbose"]) == (False, 2)
    (x_train, _), (x_test, _) = tiny
    np.testing.assert_array_equal(arguments["test_data"][0], x_test)
    if info.dataset in kerasdnn.data.SYNTHETIC:  # generated tasks validate on their test split
        np.testing.assert_array_equal(arguments["validation_data"][0], x_test)
        np.testing.assert_array_equal(arguments["x"], x_train)
    else:  # images: the last twelfth of the training split, never the test split
        np.testing.assert_array_equal(arguments["validation_data"][0], x_train[-13:])
        np.testing.assert_array_equal(arguments["x"], x_train[:-13])
    assert arguments["output_dir"] == str(tmp_path) and arguments["seed"] == 0


# Each record's training settings as its source states them, written out
# here: optimizer class, its rate (a number, or a schedule and its settings),
# the other optimizer settings that differ from Keras's defaults, epochs,
# batch size and loss. Sources: hunkim's lab-10 (55,000 images, batch 100,
# Adam 1e-3, 15 epochs; lab-10-1 50 epochs; lab-10-7 Adam 0.01; lab-10-6
# Adam 0.01, batch 32, 10 epochs), Keras's mnist_mlp (RMSprop, batch 128, 20
# epochs), ToBig's deck 003 (SGD 0.01 momentum 0.5, or Adam 0.01, 15
# epochs), the Hanbat deck 004 (§1 SGD on a Dense(1); §4 Adam(lr=0.01,
# decay=1e-6); the fragments of §3 and §5 with Keras's Adam), deck 002's
# CIFAR-10 epoch (Adam 0.01, batch 32) and kerasdnn's own headline (AdamW,
# weight decay 0.05, 2e-3 cosine-decayed).
CE, BCE = "sparse_categorical_crossentropy", "binary_crossentropy"
ADAM_DECAY = ("InverseTimeDecay", {"initial_learning_rate": 0.01, "decay_steps": 1, "decay_rate": 1e-6})
HEADLINE = ("AdamW", ("CosineDecay", {"initial_learning_rate": 0.002, "alpha": 0.0}), {"weight_decay": 0.05})
TRAINED = {
    # name: (optimizer, rate, other optimizer settings, epochs, batch size, loss)
    "cifar10_deck002": ("Adam", 0.01, {}, 1, 32, CE),
    "fashion_bn": (*HEADLINE, 40, 128, CE),
    "hanbat_bn_cnn": ("Adam", 0.001, {}, 15, 128, CE),
    "hanbat_bn_lstm": ("Adam", 0.001, {}, 20, 32, "mse"),
    "hanbat_bn_mlp": ("Adam", 0.001, {}, 15, 128, CE),
    "hanbat_lr_linear": ("SGD", 0.01, {}, 20, 32, "mse"),
    "hanbat_optimizer_net": ("Adam", ADAM_DECAY, {}, 15, 128, CE),
    "hanbat_regularized_net": ("Adam", 0.001, {}, 15, 128, CE),
    "keras_mnist_mlp": ("RMSprop", 0.001, {"rho": 0.9}, 20, 128, CE),
    "lab10_6_bn": ("Adam", 0.01, {}, 10, 32, CE),
    "lab10_6_plain": ("Adam", 0.01, {}, 10, 32, CE),
    "lab10_bn": ("Adam", 0.01, {}, 15, 100, CE),
    "lab10_deep_dropout": ("Adam", 0.001, {}, 15, 100, CE),
    "lab10_deep_xavier": ("Adam", 0.001, {}, 15, 100, CE),
    "lab10_relu_normal": ("Adam", 0.001, {}, 15, 100, CE),
    "lab10_relu_xavier": ("Adam", 0.001, {}, 15, 100, CE),
    "lab10_softmax": ("Adam", 0.001, {}, 50, 100, CE),
    "mnist_bn": (*HEADLINE, 15, 128, CE),
    "tobigs_adam": ("Adam", 0.01, {}, 15, 128, CE),
    "tobigs_bn": ("SGD", 0.01, {"momentum": 0.5, "nesterov": False}, 15, 128, CE),
    "tobigs_dropout": ("Adam", 0.01, {}, 15, 128, CE),
    "tobigs_he": ("SGD", 0.01, {"momentum": 0.5, "nesterov": False}, 15, 128, CE),
    "tobigs_l2": ("Adam", 0.01, {}, 15, 128, CE),
    "tobigs_linear": ("SGD", 0.01, {"momentum": 0.5, "nesterov": False}, 15, 128, CE),
    "tobigs_relu": ("SGD", 0.01, {"momentum": 0.5, "nesterov": False}, 15, 128, CE),
    "xor_linear": ("SGD", 1.0, {}, 2000, 4, BCE),
    "xor_sigmoid": ("SGD", 1.0, {}, 2000, 4, BCE),
}
# The records trained on whole batches only (drop_remainder): every other one sees every sample each epoch.
WHOLE_BATCHES = {"mnist_bn"}
# Keras's defaults the table's "other settings" leave out: any other value is a change.
OPTIMIZER_DEFAULTS = {
    "momentum": 0.0,
    "nesterov": False,
    "weight_decay": None,
    "rho": 0.9,
    "beta_1": 0.9,
    "beta_2": 0.999,
    "epsilon": 1e-07,
    "amsgrad": False,
    "clipnorm": None,
    "clipvalue": None,
    "global_clipnorm": None,
}


def test_every_entry_has_its_training_written_out():
    assert sorted(TRAINED) == MODELS


def _rate(rate):
    if isinstance(rate, dict):  # a schedule's config, as an optimizer's get_config holds it
        config = rate["config"]
        # A cosine schedule's decay steps follow the run's length (tested on their own below).
        kept = ["initial_learning_rate", "decay_rate", "alpha"]
        if rate["class_name"] != "CosineDecay":
            kept.append("decay_steps")
        return rate["class_name"], {key: config[key] for key in kept if key in config}
    return float(rate)


@pytest.mark.parametrize("name", MODELS)
def test_train_model_trains_with_the_sources_settings(name, monkeypatch, tmp_path):
    optimizer_class, rate, others, epochs, batch_size, loss = TRAINED[name]
    _, arguments, _, _ = _train_model_call(name, monkeypatch, tmp_path)
    optimizer = kerasdnn.optimizers.get(arguments["optimizer"], learning_rate=arguments["learning_rate"])
    config = optimizer.get_config()
    assert type(optimizer).__name__ == optimizer_class
    assert _rate(config["learning_rate"]) == (rate if isinstance(rate, tuple) else pytest.approx(rate, rel=1e-6))
    for key, default in OPTIMIZER_DEFAULTS.items():
        if key in config:
            assert config[key] == pytest.approx(others.get(key, default)), key
    assert set(others) <= set(config)
    assert (arguments["epochs"], arguments["batch_size"], arguments["loss"]) == (epochs, batch_size, loss)
    assert arguments["drop_remainder"] is (name in WHOLE_BATCHES)


@pytest.mark.parametrize("batch_size, epochs", [(6, 2), (5, 3)])
def test_the_cosine_schedule_follows_the_batch_size_and_epochs_of_the_run(batch_size, epochs, monkeypatch, tmp_path):
    # 143 training images (156 less the validation twelfth), in whole
    # batches only (mnist_bn leaves the last, smaller one out): 143 // 6 = 23
    # and 143 // 5 = 28 steps per epoch (ceil would give 24 and 29).
    _, arguments, _, _ = _train_model_call("mnist_bn", monkeypatch, tmp_path, batch_size=batch_size, epochs=epochs)
    rate = arguments["learning_rate"]
    assert arguments["batch_size"] == batch_size and arguments["epochs"] == epochs
    assert isinstance(rate, keras.optimizers.schedules.CosineDecay)
    assert rate.decay_steps == epochs * {6: 23, 5: 28}[batch_size] and float(rate.initial_learning_rate) == 0.002


def test_train_model_options_reach_train(monkeypatch, tmp_path):
    _, arguments, _, loaded = _train_model_call(
        "lab10_softmax",
        monkeypatch,
        tmp_path / "run",
        epochs=3,
        batch_size=7,
        learning_rate=0.125,
        optimizer="sgd",
        seed=5,
        overwrite=True,
        verbose=1,
        data_dir="d",
    )
    assert loaded[2]["data_dir"] == "d"
    assert (arguments["epochs"], arguments["batch_size"], arguments["learning_rate"], arguments["optimizer"]) == (
        3,
        7,
        0.125,
        "sgd",
    )
    assert (arguments["seed"], arguments["overwrite"], arguments["verbose"]) == (5, True, 1)
    assert arguments["output_dir"] == str(tmp_path / "run")
    assert arguments["settings"] == {
        "zoo_model": "lab10_softmax",
        "dataset": "mnist",
        "smoke": False,
        "train_samples": 143,
    }
    _, smoke, _, loaded = _train_model_call("lab10_softmax", monkeypatch, tmp_path, smoke=True, epochs=9)
    assert smoke["epochs"] == 1 and smoke["settings"]["smoke"] is True
    assert (loaded[2]["train_samples"], loaded[2]["test_samples"]) == (
        kerasdnn.data.SMOKE_TRAIN_SAMPLES,
        kerasdnn.data.SMOKE_TEST_SAMPLES,
    )
    _, _, _, generated = _train_model_call("xor_sigmoid", monkeypatch, tmp_path, smoke=True, seed=3)
    assert generated[2] == {"samples": kerasdnn.data.SMOKE_TRAIN_SAMPLES, "seed": 3}


def test_train_model_draws_the_models_weights_from_the_runs_seed(monkeypatch, tmp_path):
    # The seed's whole point for error bars: another seed starts from other
    # weights, the same seed from the same ones (not only other batches).
    def first_kernel(seed):
        model, _, _, _ = _train_model_call("lab10_softmax", monkeypatch, tmp_path, seed=seed)
        return keras.ops.convert_to_numpy(model.get_layer("predictions").kernel)

    np.testing.assert_array_equal(first_kernel(3), first_kernel(3))
    assert not np.allclose(first_kernel(3), first_kernel(4))


def test_train_model_writes_to_runs_name_by_default(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    calls = []
    monkeypatch.setattr(kerasdnn.training, "train", lambda model, x, y, **kwargs: calls.append(kwargs) or {})
    run = zoo.train_model("xor_sigmoid", smoke=True)
    assert calls[0]["output_dir"] == run["output_dir"] == os.path.join("runs", "xor_sigmoid")


def test_train_ladder_runs_every_model_once_per_seed(monkeypatch, tmp_path):
    calls = []

    def train_model(name, *, output_dir, seed, **arguments):
        calls.append((name, output_dir, seed, arguments))
        return {"test": {"accuracy": 0.5 + seed / 8}, "epochs_run": 2, "train_seconds": 1.0, "diverged": False}

    monkeypatch.setattr(kerasdnn.zoo.runs, "train_model", train_model)
    rows = zoo.train_ladder(["lab10_softmax", "lab10_bn"], output_dir=str(tmp_path), seeds=(0, 1, 2), smoke=True)
    assert [(name, seed) for name, _, seed, _ in calls] == [
        ("lab10_softmax", 0),
        ("lab10_softmax", 1),
        ("lab10_softmax", 2),
        ("lab10_bn", 0),
        ("lab10_bn", 1),
        ("lab10_bn", 2),
    ]
    assert calls[4][1] == os.path.join(str(tmp_path), "lab10_bn", "seed_1") and calls[0][3] == {"smoke": True}
    # Three different seeds give three different values: mean 0.625, sample std 0.125.
    assert rows[0]["values"] == [0.5, 0.625, 0.75] and rows[0]["seeds"] == [0, 1, 2]
    assert rows[0]["ours"] == pytest.approx(0.625) and rows[0]["std"] == pytest.approx(0.125)
    assert rows[1]["model"] == "lab10_bn" and rows[0]["train_seconds"] == 3.0


def test_a_metric_the_results_cannot_answer_is_refused_at_registration():
    with pytest.raises(
        ValueError, match=r"^register_model\(\): metric must be one of .*; received metric='top-5 accuracy'"
    ):
        kerasdnn.zoo.registry.register_model(
            source=("deck", "https://example.org"),
            dataset="mnist",
            input_shape=(784,),
            classes=10,
            parameters=0,
            metric="top-5 accuracy",
        )


def test_compare_with_record_judges_the_mean_over_seeds_against_the_reference():
    def run(accuracy, seconds):
        return {"test": {"accuracy": accuracy}, "epochs_run": 50, "train_seconds": seconds, "diverged": False}

    compared = zoo.compare_with_record(zoo.model_info("lab10_softmax"), [run(0.9270, 10.0), run(0.9290, 12.0)])
    assert compared["values"] == [0.9270, 0.9290] and compared["ours"] == pytest.approx(0.928)
    assert compared["difference"] == pytest.approx(0.928 - 0.9194) and compared["reproduced"] is False
    assert compared["train_seconds"] == 22.0 and compared["epochs"] == 50 and not compared["diverged"]


def test_measured_value_reads_the_metric_the_record_names():
    results = {"test": {"accuracy": 0.11, "loss": 0.22}, "final": {"val_accuracy": 0.33}, "seconds_per_epoch": 44.0}
    expected = {
        "test accuracy": 0.11,
        "accuracy": 0.11,
        "test mse": 0.22,
        "validation accuracy": 0.33,
        "seconds per epoch (CPU)": 44.0,
    }
    for name in MODELS:
        info = zoo.model_info(name)
        assert zoo.measured_value(info, results) == expected[info.metric], name


def test_compare_with_record_is_exactly_its_runs():
    def run(accuracy, epochs, seconds, diverged=False):
        return {
            "test": None if accuracy is None else {"accuracy": accuracy},
            "epochs_run": epochs,
            "train_seconds": seconds,
            "diverged": diverged,
        }

    info = zoo.model_info("lab10_softmax")  # test accuracy, reference 0.9194, MNIST's half-point band
    assert zoo.compare_with_record(
        info, [run(0.9, 50, 1.5), run(0.925, 40, 2.0, diverged=True), run(None, 3, 0.5)]
    ) == {
        "metric": "test accuracy",
        "reference": 0.9194,
        "values": [0.9, 0.925, None],
        "ours": pytest.approx(0.9125),
        "std": pytest.approx(0.0125 * 2**0.5),
        "difference": pytest.approx(0.9125 - 0.9194),
        "reproduced": True,
        "epochs": 50,
        "train_seconds": 4.0,
        "diverged": True,
    }
    # One run: no std, judged by the band alone; no reference: nothing judged.
    one = zoo.compare_with_record(info, [run(0.93, 7, 1.0)])
    assert (one["std"], one["reproduced"], one["epochs"]) == (None, False, 7)
    unreferenced = dataclasses.replace(info, reference=None)
    assert zoo.compare_with_record(unreferenced, [run(0.93, 7, 1.0)])["difference"] is None
    assert zoo.compare_with_record(info, [run(None, 7, 1.0)])["difference"] is None


def test_a_record_as_json_is_every_field_json_ready():
    record = zoo.model_info("tobigs_bn").to_json()
    assert json.loads(json.dumps(record)) == record
    assert record == {
        "name": "tobigs_bn",
        "summary": "784-512-256-128-10, Linear → BN → ReLU, He init (ToBig's rung 4).",
        "source": "ToBig's, Neural Network 심화, deck 003",
        "url": "https://www.kaggle.com/datasets/zalando-research/fashionmnist",
        "dataset": "fashion_mnist",
        "input_shape": [28, 28, 1],
        "classes": 10,
        "parameters": 571_018,
        "metric": "validation accuracy",
        "reference": 0.8876,
        "target": None,
        "recipe": "recipes/fashion_ladder.py",
        "training": {
            "optimizer": {"class_name": "SGD", "config": {"learning_rate": 0.01, "momentum": 0.5}},
            "learning_rate": None,
            "epochs": 15,
            "batch_size": 128,
            "drop_remainder": False,
            "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"],
            "normalization": "scale",
        },
        "weights": [],
        "notes": "BatchNorm between Linear and activation; the Linear layers keep their bias as in PyTorch",
        "backend": "jax",
        "weights_sha256": {},
    }
    shipped = zoo.model_info("mnist_bn").to_json()
    assert shipped["weights"] == ["mnist"] and set(shipped["weights_sha256"]) == {"mnist"}


def test_register_model_records_its_fields_and_the_documented_training_defaults(monkeypatch):
    registry = kerasdnn.zoo.registry
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))  # the test's entry is gone afterwards

    @registry.register_model(
        source=("A deck", "https://example.org/deck"),
        dataset="mnist",
        input_shape=[28, 28, 1],
        classes=10,
        parameters=7_850,
        reference=0.9,
        target=0.95,
        recipe="recipes/r.py",
    )
    def a_test_entry(**overrides):
        """One line of summary.

        More text that is not the summary.
        """
        return kerasdnn.mlp((28, 28, 1), units=(), name="a_test_entry", **overrides)

    info = zoo.model_info("a_test_entry")
    fields = {field.name: getattr(info, field.name) for field in dataclasses.fields(info)}
    assert {**fields, "training": dict(info.training), "weights_sha256": dict(info.weights_sha256)} == {
        "name": "a_test_entry",
        "summary": "One line of summary.",
        "source": "A deck",
        "url": "https://example.org/deck",
        "dataset": "mnist",
        "input_shape": (28, 28, 1),
        "classes": 10,
        "parameters": 7_850,
        "metric": "test accuracy",
        "reference": 0.9,
        "target": 0.95,
        "recipe": "recipes/r.py",
        "training": {
            "optimizer": "adam",
            "learning_rate": None,
            "epochs": 15,
            "batch_size": 128,
            "drop_remainder": False,
            "loss": "sparse_categorical_crossentropy",
            "metrics": ("accuracy",),
            "normalization": "scale",
        },
        "weights": (),
        "notes": "",
        "backend": "jax",
        "weights_sha256": {},
    }
    assert zoo.create_model("a_test_entry").count_params() == 7_850
    with pytest.raises(ValueError, match=r"^register_model\(\): a model named 'a_test_entry' is registered already$"):
        registry.register_model(source=("s", "u"), dataset="mnist", input_shape=(1,), classes=1, parameters=0)(
            a_test_entry
        )
    with pytest.raises(
        ValueError,
        match=r"^register_model\(\): backend must be one of jax, tensorflow, torch; "
        r"received backend='mxnet'",
    ):
        registry.register_model(
            source=("s", "u"), dataset="mnist", input_shape=(1,), classes=1, parameters=0, backend="mxnet"
        )
    shipped = registry.register_model(
        source=("s", "u"),
        dataset="mnist",
        input_shape=(1,),
        classes=1,
        parameters=0,
        weights={"mnist": "ab" * 32},
        backend="torch",
        notes="n",
        training={"epochs": 3, "loss": "mse"},
    )

    def another_entry():
        """Summary."""

    shipped(another_entry)
    other = zoo.model_info("another_entry")
    assert (other.weights, dict(other.weights_sha256), other.backend, other.notes) == (
        ("mnist",),
        {"mnist": "ab" * 32},
        "torch",
        "n",
    )
    # The record's training settings are merged over the defaults.
    assert (other.training["epochs"], other.training["loss"], other.training["batch_size"]) == (3, "mse", 128)
