"""Each hyperparameter of the search space reaches the trial it names, and searches score on validation data."""

import math

import keras
import keras_tuner
import numpy as np
import pytest

from kerasdnn import data, tuning

pytestmark = [pytest.mark.xdist_group("tuning_options"), pytest.mark.core]


def _build(**fixed):
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.MLPHyperModel((6,), classes=3, **fixed)
    return hypermodel, hp, hypermodel.build(hp)


def _dense(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def test_every_architecture_value_reaches_the_model():
    _, _, model = _build(depth=2, units_1=128, units_2=64, activation="tanh", kernel_initializer="orthogonal",
                         batch_norm=False, dropout=0.3, l1=1e-5, l2=1e-3)
    *hidden, output = _dense(model)
    assert [layer.units for layer in hidden] == [128, 64] and output.units == 3
    assert [type(layer.kernel_initializer).__name__ for layer in hidden] == ["Orthogonal", "Orthogonal"]
    for layer in (*hidden, output):
        # l1 is L1's strength and l2 is L2's, never the other way round.
        assert (layer.kernel_regularizer.l1, layer.kernel_regularizer.l2) == pytest.approx((1e-5, 1e-3)), layer.name
    kinds = [type(layer).__name__ for layer in model.layers[1:] if type(layer).__name__ != "Flatten"]
    assert kinds == ["Dense", "Activation", "Dropout"] * 2 + ["Dense"]
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.3, 0.3]
    assert {layer.activation.__name__ for layer in model.layers if isinstance(layer, keras.layers.Activation)} == {
        "tanh"}
    _, _, normalized = _build(depth=3, batch_norm=True, l1=0.0, l2=1e-4)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in normalized.layers) == 3
    for layer in _dense(normalized):
        assert (layer.kernel_regularizer.l1, layer.kernel_regularizer.l2) == pytest.approx((0.0, 1e-4))
    _, _, unpenalized = _build(l1=0.0, l2=0.0)
    assert all(layer.kernel_regularizer is None for layer in _dense(unpenalized))


@pytest.mark.parametrize("activation, hidden", [("relu", "HeNormal"), ("elu", "HeNormal"), ("tanh", "GlorotUniform")])
def test_auto_initializer_is_the_builders_own(activation, hidden):
    _, _, model = _build(activation=activation, kernel_initializer="auto")
    *blocks, output = _dense(model)
    assert {type(layer.kernel_initializer).__name__ for layer in blocks} == {hidden}
    assert type(output.kernel_initializer).__name__ == "GlorotUniform"


@pytest.mark.parametrize("optimizer, name, extra", [
    ("adamw", "AdamW", {"weight_decay": 0.1}), ("adam", "Adam", {}), ("rmsprop", "RMSprop", {}),
    ("nesterov", "SGD", {"momentum": 0.9, "nesterov": True}), ("sgd", "SGD", {"momentum": 0.0}),
])
def test_the_optimizer_values_reach_the_compiled_model(optimizer, name, extra):
    fixed = {"optimizer": optimizer, "learning_rate": 0.03, "schedule": "constant"}
    if optimizer == "adamw":
        fixed["weight_decay"] = 0.1
    _, _, model = _build(**fixed)
    config = model.optimizer.get_config()
    assert type(model.optimizer).__name__ == name and config["learning_rate"] == pytest.approx(0.03)
    for key, value in extra.items():
        assert config[key] == pytest.approx(value), key


@pytest.mark.parametrize("batch_size, samples, epochs", [(64, 300, 1), (256, 300, 2), (128, 129, 1)])
def test_a_trial_trains_with_its_batch_size_and_its_schedule_follows_it(batch_size, samples, epochs):
    x = np.random.default_rng(0).normal(size=(samples, 6)).astype("float32")
    y = np.arange(samples) % 3
    hypermodel, hp, model = _build(depth=1, units_1=128, batch_size=batch_size, schedule="cosine",
                                   learning_rate=0.01)
    hypermodel.fit(hp, model, x, y, epochs=epochs, verbose=0)
    steps = math.ceil(samples / batch_size)
    assert int(model.optimizer.iterations) == epochs * steps
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay" and schedule["config"]["decay_steps"] == epochs * steps
    assert schedule["config"]["initial_learning_rate"] == pytest.approx(0.01)


def test_a_constant_trial_keeps_its_rate():
    x = np.zeros((20, 6), "float32")
    hypermodel, hp, model = _build(depth=1, units_1=128, batch_size=64, schedule="constant", learning_rate=0.02)
    hypermodel.fit(hp, model, x, np.zeros(20, int), epochs=1, verbose=0)
    assert float(model.optimizer.learning_rate) == pytest.approx(0.02) and int(model.optimizer.iterations) == 1


def test_run_search_scores_trials_on_the_validation_twelfth_never_the_test_split(monkeypatch, tmp_path):
    # Labels say where a sample came from: training 0.., test 1000...
    x = np.arange(48, dtype="float32").reshape(48, 1, 1, 1) * np.ones((1, 28, 28, 1), "float32")
    train, test = (x, np.arange(48)), (x + 1000, np.arange(48) + 1000)
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kwargs: (train, test))
    searched = {}

    def search(tuner, x_train, y_train, *, validation_data, **arguments):
        searched.update(x=x_train, y=y_train, validation=validation_data, tuner=tuner, **arguments)

    monkeypatch.setattr(tuning, "search", search)
    monkeypatch.setattr(tuning, "write_report", lambda tuner, output_dir: None)
    tuning.run_search("mnist", train_samples=10, epochs=2, directory=str(tmp_path), max_trials=3, seed=4)
    assert searched["validation"][1].tolist() == list(range(44, 48))  # the last twelfth of the training split
    assert searched["y"].tolist() == list(range(10))  # the first train_samples of the rest
    assert searched["epochs"] == 2 and searched["tuner"].oracle.max_trials == 3
    tuning.run_search("mnist", train_samples=None, directory=str(tmp_path), overwrite=True)
    assert searched["y"].tolist() == list(range(44))


def test_run_search_passes_each_option_on(monkeypatch, tmp_path):
    x = np.zeros((24, 28, 28, 1), "float32")
    loaded, searched, made = {}, {}, {}
    monkeypatch.setattr(data, "load_arrays", lambda name, **arguments: loaded.update(name=name, **arguments) or (
        (x, np.zeros(24, int)), (x, np.zeros(24, int))))
    monkeypatch.setattr(tuning, "search", lambda tuner, x, y, **arguments: searched.update(arguments))
    monkeypatch.setattr(tuning, "write_report", lambda tuner, output_dir: made.setdefault("report", output_dir))
    make_tuner = tuning.make_tuner
    monkeypatch.setattr(tuning, "make_tuner", lambda kind, hypermodel, **arguments: made.update(
        kind=kind, hypermodel=hypermodel, **arguments) or make_tuner(kind, hypermodel, **arguments))
    tuning.run_search("fashion_mnist", kind="bayesian", max_trials=2, epochs=4, directory=str(tmp_path),
                      data_dir="d", seed=7, tensorboard="logs", verbose=1, overwrite=True, depth=1)
    assert loaded == {"name": "fashion_mnist", "data_dir": "d"}
    assert searched == {"validation_data": searched["validation_data"], "epochs": 4, "tensorboard": "logs",
                        "verbose": 1}
    assert (made["kind"], made["max_trials"], made["max_epochs"], made["seed"], made["overwrite"]) == (
        "bayesian", 2, 4, 7, True)
    # The project is DATASET_KIND by default; the dataset's headline is the first trial; fixed values stay fixed.
    assert made["project_name"] == "fashion_mnist_bayesian" and made["directory"] == str(tmp_path)
    assert made["report"] == str(tmp_path / "fashion_mnist_bayesian" / "report")
    assert made["hypermodel"].fixed == {"depth": 1}
    assert made["hypermodel"].defaults == tuning.HEADLINES["fashion_mnist"][1]
    tuning.run_search("mnist", directory=str(tmp_path), project_name="mine")
    assert made["project_name"] == "mine" and made["kind"] == "random" and made["overwrite"] is False
    assert (made["max_trials"], made["max_epochs"], made["seed"], searched["verbose"]) == (10, 3, 0, 0)
