"""Each hyperparameter of the search space reaches the trial it names, and searches score on validation data."""

import gc
import math
import os
import types

import keras
import keras_tuner
import numpy as np
import pytest

from kerasdnn import data, search_report, tuning

pytestmark = [pytest.mark.xdist_group("tuning_options"), pytest.mark.core]


def _build(**fixed):
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.MLPHyperModel((6,), classes=3, **fixed)
    return hypermodel, hp, hypermodel.build(hp)


def _dense(model):
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def test_every_architecture_value_reaches_the_model():
    _, _, model = _build(
        depth=2,
        units_1=128,
        units_2=64,
        activation="tanh",
        kernel_initializer="orthogonal",
        batch_norm=False,
        dropout=0.3,
        l1=1e-5,
        l2=1e-3,
    )
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
        "tanh"
    }
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


@pytest.mark.parametrize(
    "optimizer, name, extra",
    [
        ("adamw", "AdamW", {"weight_decay": 0.1}),
        ("adam", "Adam", {}),
        ("rmsprop", "RMSprop", {}),
        ("nesterov", "SGD", {"momentum": 0.9, "nesterov": True}),
        ("sgd", "SGD", {"momentum": 0.0}),
    ],
)
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
    hypermodel, hp, model = _build(depth=1, units_1=128, batch_size=batch_size, schedule="cosine", learning_rate=0.01)
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
    monkeypatch.setattr(
        data,
        "load_arrays",
        lambda name, **arguments: (
            loaded.update(name=name, **arguments) or ((x, np.zeros(24, int)), (x, np.zeros(24, int)))
        ),
    )
    monkeypatch.setattr(tuning, "search", lambda tuner, x, y, **arguments: searched.update(arguments))
    monkeypatch.setattr(tuning, "write_report", lambda tuner, output_dir: made.setdefault("report", output_dir))
    make_tuner = tuning.make_tuner
    monkeypatch.setattr(
        tuning,
        "make_tuner",
        lambda kind, hypermodel, **arguments: (
            made.update(kind=kind, hypermodel=hypermodel, **arguments) or make_tuner(kind, hypermodel, **arguments)
        ),
    )
    tuning.run_search(
        "fashion_mnist",
        kind="bayesian",
        max_trials=2,
        epochs=4,
        directory=str(tmp_path),
        data_dir="d",
        seed=7,
        tensorboard="logs",
        verbose=1,
        overwrite=True,
        depth=1,
    )
    assert loaded == {"name": "fashion_mnist", "data_dir": "d"}
    assert searched == {
        "validation_data": searched["validation_data"],
        "epochs": 4,
        "tensorboard": "logs",
        "verbose": 1,
    }
    assert (made["kind"], made["max_trials"], made["max_epochs"], made["seed"], made["overwrite"]) == (
        "bayesian",
        2,
        4,
        7,
        True,
    )
    # The project is DATASET_KIND by default; the dataset's headline is the first trial; fixed values stay fixed.
    assert made["project_name"] == "fashion_mnist_bayesian" and made["directory"] == str(tmp_path)
    assert made["report"] == str(tmp_path / "fashion_mnist_bayesian" / "report")
    assert made["hypermodel"].fixed == {"depth": 1}
    assert made["hypermodel"].defaults == tuning.HEADLINES["fashion_mnist"][1]
    tuning.run_search("mnist", directory=str(tmp_path), project_name="mine")
    assert made["project_name"] == "mine" and made["kind"] == "random" and made["overwrite"] is False
    assert (made["max_trials"], made["max_epochs"], made["seed"], searched["verbose"]) == (10, 3, 0, 0)


class _RecordingTuner:
    """Stands in for a keras-tuner tuner: keeps what `search` was given and whether gc was frozen then."""

    def search(self, *args, **arguments):
        self.args, self.arguments, self.frozen = args, arguments, gc.get_freeze_count()


def test_search_stops_each_trial_on_val_loss_and_nan_and_passes_the_rest_to_the_tuner(tmp_path):
    x, y, validation_data = np.zeros((4, 2)), np.zeros(4), (np.ones((2, 2)), np.ones(2))
    tuner = _RecordingTuner()
    assert tuning.search(tuner, x, y, validation_data=validation_data) is tuner
    assert tuner.args == (x, y) and tuner.arguments["validation_data"] is validation_data
    assert (tuner.arguments["epochs"], tuner.arguments["verbose"]) == (5, 0)
    stopping, nan = tuner.arguments["callbacks"]
    assert isinstance(stopping, keras.callbacks.EarlyStopping) and isinstance(nan, keras.callbacks.TerminateOnNaN)
    assert (stopping.monitor, stopping.patience) == ("val_loss", 2)
    # Frozen for the search (keras-tuner's gc.collect() per trial), and thawed after it.
    assert tuner.frozen > 0 and gc.get_freeze_count() == 0

    mine = keras.callbacks.History()
    tuning.search(
        tuner,
        x,
        y,
        validation_data=validation_data,
        epochs=3,
        patience=1,
        callbacks=[mine],
        tensorboard=tmp_path / "logs",
        verbose=2,
    )
    assert (tuner.arguments["epochs"], tuner.arguments["verbose"]) == (3, 2)
    stopping, nan, logger, user = tuner.arguments["callbacks"]
    assert stopping.patience == 1 and isinstance(nan, keras.callbacks.TerminateOnNaN) and user is mine
    assert isinstance(logger, search_report.HParamsLogger) and logger.log_dir == str(tmp_path / "logs")


def test_search_thaws_the_garbage_collector_when_the_search_fails():
    class Failing:
        def search(self, *args, **arguments):
            raise RuntimeError("trial failed")

    with pytest.raises(RuntimeError, match="trial failed"):
        tuning.search(Failing(), np.zeros((2, 1)), np.zeros(2), validation_data=None)
    assert gc.get_freeze_count() == 0


# The space as the tuner sees it, by hand from the docstrings' table: kind, bounds and default of each
# hyperparameter (deeper units only under their depth, weight decay only for AdamW).
DECLARED = {
    "depth": ("Int", {"min_value": 1, "max_value": 4, "step": 1, "default": 3}),
    "units_1": ("Choice", {"values": [128, 256, 512, 1024, 2048], "default": 512}),
    "units_2": ("Choice", {"values": [64, 128, 256, 512, 1024, 2048], "default": 256}),
    "units_3": ("Choice", {"values": [64, 128, 256, 512], "default": 128}),
    "units_4": ("Choice", {"values": [64, 128, 256, 512], "default": 128}),
    "activation": ("Choice", {"values": ["relu", "leaky_relu", "elu", "tanh"], "default": "relu"}),
    "kernel_initializer": (
        "Choice",
        {"values": ["auto", "he_normal", "glorot_uniform", "orthogonal"], "default": "auto"},
    ),
    "batch_norm": ("Boolean", {"default": True}),
    "dropout": ("Float", {"min_value": 0.0, "max_value": 0.5, "step": 0.1, "sampling": "linear", "default": 0.2}),
    "l1": ("Choice", {"values": [0.0, 1e-5, 1e-4], "default": 0.0}),
    "l2": ("Choice", {"values": [0.0, 1e-5, 1e-4, 1e-3], "default": 0.0}),
    "optimizer": ("Choice", {"values": ["adamw", "adam", "rmsprop", "nesterov", "sgd"], "default": "adamw"}),
    "weight_decay": ("Choice", {"values": [0.01, 0.02, 0.05, 0.1, 0.2], "default": 0.05}),
    "learning_rate": ("Float", {"min_value": 1e-4, "max_value": 0.1, "step": None, "sampling": "log", "default": 2e-3}),
    "batch_size": ("Choice", {"values": [64, 128, 256], "default": 128}),
    "schedule": ("Choice", {"values": ["cosine", "constant"], "default": "cosine"}),
}


def _declared(hp):
    return {
        item.name: ("Fixed", {"value": item.value})
        if type(item).__name__ == "Fixed"
        else (type(item).__name__, {key: item.get_config()[key] for key in DECLARED[item.name][1]})
        for item in hp.space
    }


def test_the_declared_space_has_every_kind_bound_and_default_of_the_table():
    hypermodel, hp, model = _build()
    hypermodel.fit(hp, model, np.zeros((12, 6), "float32"), np.zeros(12, int), epochs=1, verbose=0)
    assert _declared(hp) == {name: declared for name, declared in DECLARED.items() if name != "units_4"}
    deepest = keras_tuner.HyperParameters()
    tuning.MLPHyperModel((6,), classes=3, defaults={"depth": 4}).build(deepest)
    assert _declared(deepest)["units_4"] == DECLARED["units_4"]
    assert model.name == "mlp_trial" and hypermodel.name == "mlp_search" and hypermodel.tunable
    assert [layer.units for layer in _dense(model)] == [512, 256, 128, 3]
    # Deeper units exist only in trials as deep; the default trial is the headline, 3 layers.
    conditions = {
        item.name: [c.get_config()["values"] for c in item.conditions] for item in hp.space if item.conditions
    }
    assert conditions == {
        "units_1": [[1, 2, 3, 4]],
        "units_2": [[2, 3, 4]],
        "units_3": [[3, 4]],
        "weight_decay": [["adamw"]],
    }
    assert tuning.MLPHyperModel().build(keras_tuner.HyperParameters()).output_shape == (None, 10)


def test_defaults_replace_the_spaces_and_stay_searched_while_fixed_values_are_fixed():
    hp = keras_tuner.HyperParameters()
    tuning.MLPHyperModel(
        (6,),
        classes=3,
        defaults={"units_1": 1024, "dropout": 0.4, "batch_norm": False, "learning_rate": 0.01, "depth": 2},
        activation="tanh",
    ).build(hp)
    declared = _declared(hp)
    assert declared["units_1"] == ("Choice", {"values": [128, 256, 512, 1024, 2048], "default": 1024})
    assert declared["dropout"][1]["default"] == 0.4 and declared["batch_norm"] == ("Boolean", {"default": False})
    assert declared["learning_rate"][1]["default"] == 0.01 and declared["depth"][1]["default"] == 2
    assert declared["activation"] == ("Fixed", {"value": "tanh"}) and "units_3" not in hp.values


@pytest.mark.parametrize(
    "call, error, message",
    [
        (
            lambda tmp: tuning.make_tuner("nope", directory=tmp),
            ValueError,
            "make_tuner(): kind must be one of bayesian, grid, hyperband, random; received kind='nope'",
        ),
        (
            lambda tmp: tuning.make_tuner(max_trials=0, directory=tmp),
            ValueError,
            "make_tuner(): max_trials must be >= 1; received max_trials=0",
        ),
        (
            lambda tmp: tuning.make_tuner(max_trials=2.5, directory=tmp),
            TypeError,
            "make_tuner(): max_trials must be an integer; received max_trials=2.5",
        ),
        (
            lambda tmp: tuning.make_tuner(max_epochs=0, directory=tmp),
            ValueError,
            "make_tuner(): max_epochs must be >= 1; received max_epochs=0",
        ),
        (
            lambda tmp: tuning.make_tuner(max_epochs=1.5, directory=tmp),
            TypeError,
            "make_tuner(): max_epochs must be an integer; received max_epochs=1.5",
        ),
        (
            lambda tmp: tuning.run_search("cifar10", directory=tmp),
            ValueError,
            "run_search(): dataset must be one of fashion_mnist, mnist; received dataset='cifar10'",
        ),
        (
            lambda tmp: tuning.MLPHyperModel(nope=1),
            ValueError,
            "MLPHyperModel(): fixed hyperparameter must be one of activation, batch_norm, batch_size, depth, dropout, "
            "kernel_initializer, l1, l2, learning_rate, optimizer, schedule, units_1, units_2, units_3, units_4, "
            "weight_decay; received fixed hyperparameter='nope'",
        ),
        (
            lambda tmp: tuning.MLPHyperModel(defaults={"width": 3}),
            ValueError,
            "MLPHyperModel(): default must be one of activation, batch_norm, batch_size, depth, dropout, "
            "kernel_initializer, l1, l2, learning_rate, optimizer, schedule, units_1, units_2, units_3, units_4, "
            "weight_decay; received default='width' (did you mean 'depth'?)",
        ),
        (
            lambda tmp: tuning.trial_optimizer({"optimizer": "lion2", "learning_rate": 0.1}),
            ValueError,
            "trial_optimizer(): optimizer must be one of adadelta, adafactor, adagrad, adam, adamax, adamw, ftrl, lamb, "
            "lion, momentum, muon, nadam, nesterov, rmsprop, schedulefreeadamw, sgd; received optimizer='lion2' "
            "(did you mean 'lion'?)",
        ),
    ],
)
def test_the_search_refuses_bad_values_naming_the_function_and_the_argument(call, error, message, tmp_path):
    with pytest.raises(error) as raised:
        call(str(tmp_path))
    assert str(raised.value) == message
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_make_tuner_defaults_are_a_resumed_random_search_of_ten_trials_seeded_0(tmp_path):
    tuner = tuning.make_tuner(directory=str(tmp_path))
    assert "RandomSearch" in type(tuner.oracle).__name__ and tuner.oracle.max_trials == 10
    assert tuner.oracle.seed == 0 and tuner.project_dir == str(tmp_path / "mlp_search")
    assert tuner.oracle.objective.name == "val_accuracy" and tuner.oracle.objective.direction == "max"
    assert isinstance(tuner.hypermodel, tuning.MLPHyperModel) and tuner.hypermodel.input_shape == (28, 28, 1)
    marker = tmp_path / "mlp_search" / "kept"
    marker.write_text("an earlier search's file")
    tuning.make_tuner(directory=str(tmp_path))
    assert marker.exists()  # resumed, not overwritten
    tuning.make_tuner(directory=str(tmp_path), overwrite=True)
    assert not marker.exists()
    hyperband = tuning.make_tuner("hyperband", directory=str(tmp_path), project_name="h")
    assert hyperband.oracle.max_epochs == 10 and "Hyperband" in type(hyperband.oracle).__name__
    assert "Grid" in type(tuning.make_tuner("grid", directory=str(tmp_path), project_name="g").oracle).__name__


@pytest.mark.parametrize("kind", ["random", "bayesian", "hyperband"])
def test_the_first_trial_is_the_spaces_defaults(kind, tmp_path):
    hypermodel = tuning.MLPHyperModel((6,), classes=3)
    tuner = tuning.make_tuner(kind, hypermodel=hypermodel, directory=str(tmp_path), seed=3)
    first = tuner.oracle.create_trial("tuner0")
    values = {name: value for name, value in first.hyperparameters.values.items() if not name.startswith("tuner/")}
    assert first.status == "RUNNING" and values == _declared_defaults()  # less hyperband's own bookkeeping
    tuner.oracle.end_trial(first)
    second = tuner.oracle.create_trial("tuner0")
    assert second.hyperparameters.values != first.hyperparameters.values  # then the oracle's own draws


def _declared_defaults():
    values = {
        name: config["default"] for name, (kind, config) in DECLARED.items() if name not in ("batch_size", "schedule")
    }
    del values["units_4"]  # a depth-3 net has no fourth layer
    return values


def test_trial_optimizer_defaults_adamws_decay_and_decays_only_with_the_runs_length():
    adamw = tuning.trial_optimizer({"optimizer": "adamw", "learning_rate": 0.01})
    assert type(adamw).__name__ == "AdamW" and adamw.weight_decay == pytest.approx(0.05)
    assert float(adamw.learning_rate) == pytest.approx(0.01)
    values = {"optimizer": "adam", "learning_rate": 0.01, "schedule": "cosine"}
    for epochs, samples in ((None, 1000), (3, None)):  # either missing: a constant rate
        assert float(tuning.trial_optimizer(values, epochs=epochs, samples=samples).learning_rate) == pytest.approx(
            0.01
        )
    decayed = tuning.trial_optimizer(values, epochs=3, samples=1000)  # batch 128, the space's default: 8 steps an epoch
    assert decayed._learning_rate.decay_steps == 24
    constant = tuning.trial_optimizer({**values, "schedule": "constant"}, epochs=3, samples=1000)
    assert float(constant.learning_rate) == pytest.approx(0.01)


def test_a_trial_compiles_with_the_classification_loss_accuracy_and_trains_defaults():
    from kerasdnn import training

    hypermodel, hp, model = _build(depth=1, schedule="constant")
    assert model.loss == "sparse_categorical_crossentropy"
    history = hypermodel.fit(hp, model, np.zeros((12, 6), "float32"), np.zeros(12, int), epochs=1, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"] and history.history["accuracy"] == [1.0]
    assert model.steps_per_execution == training.default_steps_per_execution()
    assert model.jit_compile is (
        training.default_jit_compile() in ("auto", True) and keras.backend.backend() != "torch"
    )


@pytest.mark.parametrize("kind", ["random", "bayesian", "hyperband"])
def test_seed_0_is_a_seed_the_same_draws_every_search(kind, tmp_path):
    def draws(folder, seed):
        tuner = tuning.make_tuner(
            kind, hypermodel=tuning.MLPHyperModel((6,), classes=3), directory=str(folder), seed=seed, max_trials=4
        )
        values = []
        for _ in range(3):
            trial = tuner.oracle.create_trial("tuner0")
            values.append(trial.hyperparameters.values)
            tuner.oracle.end_trial(trial)
        return tuner.oracle.seed, values

    seed, first = draws(tmp_path / "a", 0)
    assert seed == 0 and draws(tmp_path / "b", 0) == (0, first)  # keras-tuner alone would draw a seed each time
    assert draws(tmp_path / "c", 1)[1] != first


@pytest.mark.parametrize(
    "environment, role",
    [
        ({}, None),
        ({"KERASTUNER_ORACLE_IP": "127.0.0.1"}, None),  # both variables, or no distributed search
        ({"KERASTUNER_ORACLE_PORT": "8000"}, None),
        (
            {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000", "KERASTUNER_TUNER_ID": "chief"},
            "chief",
        ),
        (
            {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000", "KERASTUNER_TUNER_ID": "tuner0"},
            "worker",
        ),
        # keras-tuner serves from any process whose id contains "chief".
        (
            {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000", "KERASTUNER_TUNER_ID": "chief0"},
            "chief",
        ),
        (
            {
                "KERASTUNER_ORACLE_IP": "10.0.0.2",
                "KERASTUNER_ORACLE_PORT": "8000",
                "KERASTUNER_TUNER_ID": "search-chief",
            },
            "chief",
        ),
        ({"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000"}, "worker"),  # keras-tuner's default id
    ],
)
def test_distributed_role_reads_keras_tuners_three_variables(environment, role, monkeypatch):
    for variable in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    assert tuning.distributed_role() == role
    if "KERASTUNER_TUNER_ID" in environment:  # keras-tuner itself agrees on who serves
        from keras_tuner.src.distribute import utils

        assert utils.is_chief_oracle() == (role == "chief")


@pytest.fixture
def searched(monkeypatch):
    """run_search with its data (24,000 blank images, as views), search, report and chief checks recorded."""
    images = np.broadcast_to(np.zeros((1, 28, 28, 1), "float32"), (24_000, 28, 28, 1))
    labels = np.broadcast_to(np.zeros(1, int), (24_000,))
    calls = {}
    monkeypatch.setattr(data, "load_arrays", lambda *args, **kwargs: ((images, labels), (images[:10], labels[:10])))
    monkeypatch.setattr(tuning, "search", lambda tuner, x, y, **arguments: calls.update(x=x, y=y, **arguments))
    monkeypatch.setattr(
        tuning, "write_report", lambda tuner, output_dir: calls.setdefault("report", (tuner, output_dir))[1]
    )
    monkeypatch.setattr(tuning, "wait_for_chief", lambda timeout: calls.setdefault("waited", timeout))
    monkeypatch.setattr(tuning, "check_chief_serves", lambda *args: calls.setdefault("serves", args))
    monkeypatch.setattr(tuning, "check_chief_address", lambda *args: calls.setdefault("address", args))
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "8123")
    return calls


def test_run_search_defaults_to_mnist_on_its_first_20000_images(searched, monkeypatch, tmp_path):
    monkeypatch.delenv("KERASTUNER_ORACLE_IP")  # not a distributed search
    tuner, best = tuning.run_search(directory=str(tmp_path), max_trials=1)
    assert len(searched["y"]) == 20_000 and tuner.project_dir == str(tmp_path / "mnist_random")
    # The report is the searched tuner's, in its project's folder; what it returns is run_search's best.
    assert searched["report"] == (tuner, str(tmp_path / "mnist_random" / "report"))
    assert best == searched["report"][1]
    assert "waited" not in searched and "serves" not in searched and "address" not in searched


def test_a_workers_search_waits_for_its_chief_trains_and_leaves_the_report_to_it(searched, monkeypatch, tmp_path):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "tuner1")
    monkeypatch.setattr(tuning, "make_tuner", lambda *args, **kwargs: TUNER)
    assert tuning.run_search("fashion_mnist", directory=str(tmp_path), chief_timeout=7.5) == (TUNER, None)
    assert searched["waited"] == 7.5
    assert searched["serves"] == ("127.0.0.1", 8123, str(tmp_path / "fashion_mnist_random"))
    assert len(searched["x"]) == 20_000 and "report" not in searched and "address" not in searched


def test_the_chiefs_search_checks_its_address_trains_nothing_and_writes_the_report(searched, monkeypatch, tmp_path):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", "chief")
    monkeypatch.setattr(tuning, "make_tuner", lambda *args, **kwargs: TUNER)
    assert tuning.run_search(directory=str(tmp_path), project_name="p") == (TUNER, str(tmp_path / "p" / "report"))
    assert searched["address"] == ("127.0.0.1", 8123) and "waited" not in searched and "serves" not in searched
    assert searched["x"] is None and searched["y"] is None and searched["validation_data"] is None
    assert searched["report"] == (TUNER, str(tmp_path / "p" / "report"))


@pytest.mark.parametrize("port", ["1", "8000", "65535"])
def test_oracle_address_reads_keras_tuners_variables(port, monkeypatch):
    monkeypatch.setenv("KERASTUNER_ORACLE_IP", "10.0.0.2")
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", port)
    assert tuning.oracle_address() == ("10.0.0.2", int(port))


@pytest.mark.parametrize(
    "ip, port, message",
    [
        ("", "8000", "KERASTUNER_ORACLE_IP must name the chief's address; received ''"),
        (None, "8000", "KERASTUNER_ORACLE_IP must name the chief's address; received ''"),
        ("127.0.0.1", "", "KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received ''"),
        ("127.0.0.1", "80O0", "KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received '80O0'"),
        ("127.0.0.1", "0", "KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received '0'"),
        ("127.0.0.1", "65536", "KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received '65536'"),
        ("127.0.0.1", "-1", "KERASTUNER_ORACLE_PORT must be an integer in [1, 65535]; received '-1'"),
    ],
)
def test_oracle_address_refuses_what_is_not_an_address(ip, port, message, monkeypatch):
    monkeypatch.delenv("KERASTUNER_ORACLE_IP", raising=False)
    if ip is not None:
        monkeypatch.setenv("KERASTUNER_ORACLE_IP", ip)
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", port)
    with pytest.raises(ValueError) as raised:
        tuning.oracle_address()
    assert str(raised.value) == message


@pytest.mark.parametrize("tuner_id", ["chief", "tuner0"])
def test_a_distributed_search_with_a_bad_port_stops_before_it_loads_or_waits(tuner_id, searched, monkeypatch, tmp_path):
    monkeypatch.setenv("KERASTUNER_TUNER_ID", tuner_id)
    monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "")
    monkeypatch.setattr(tuning, "wait_for_chief", lambda timeout: None)  # the real one would read the port first
    with pytest.raises(ValueError, match=r"KERASTUNER_ORACLE_PORT must be an integer in \[1, 65535\]; received ''"):
        tuning.run_search(directory=str(tmp_path))
    assert "x" not in searched and "serves" not in searched and "address" not in searched


TUNER = type("Tuner", (), {"project_dir": "p"})()


@pytest.mark.parametrize(
    "train_samples, error, message",
    [
        (0, ValueError, "run_search(): train_samples must be >= 1; received train_samples=0"),
        (2.5, TypeError, "run_search(): train_samples must be an integer; received train_samples=2.5"),
    ],
)
def test_run_search_refuses_a_bad_sample_count(train_samples, error, message, tmp_path):
    with pytest.raises(error) as raised:
        tuning.run_search(train_samples=train_samples, directory=str(tmp_path))
    assert str(raised.value) == message and not list(tmp_path.iterdir())


def test_a_trial_fits_one_epoch_by_default_with_the_rest_passed_to_fit():
    x, y = np.zeros((40, 6), "float32"), np.zeros(40, int)
    hypermodel, hp, model = _build(depth=1, batch_size=64, schedule="constant")
    history = hypermodel.fit(hp, model, x, y, validation_data=(x[:8], y[:8]), verbose=0)
    assert len(history.history["loss"]) == 1 and "val_loss" in history.history  # one epoch, validation passed on
    hypermodel, hp, model = _build(depth=1, schedule="cosine")
    with pytest.raises(ValueError) as raised:
        hypermodel.fit(hp, model, [[0.0] * 6] * 4, y[:4])
    assert str(raised.value) == (
        "MLPHyperModel.fit(): schedule 'cosine' needs x as an array, whose length sets the decay steps; received x "
        "of type list (fix schedule='constant' to search on it)"
    )


def test_make_tuner_passes_the_grids_trials_the_failure_limit_and_a_strategy_given(tmp_path, monkeypatch):
    grid = tuning.make_tuner("grid", tuning.MLPHyperModel((6,), classes=3), directory=str(tmp_path), max_trials=7)
    assert grid.oracle.max_trials == 7 and grid.oracle.max_consecutive_failed_trials == 3
    assert tuning.make_tuner(directory=str(tmp_path), project_name="r").oracle.max_consecutive_failed_trials == 3
    chosen = []
    monkeypatch.setattr(tuning, "_tensorflow_strategy", lambda: chosen.append("default") or None)
    tuning.make_tuner(directory=str(tmp_path), project_name="s")
    assert chosen == ["default"]  # none given: kerasdnn's default


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_trials_run_under_the_default_strategy_on_tensorflow_and_a_set_distribution_elsewhere(backend, monkeypatch):
    from kerasdnn import distribute

    distributed = []
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    monkeypatch.setattr(distribute, "default_strategy", lambda: "the strategy")
    monkeypatch.setattr(keras.distribution, "set_distribution", distributed.append)
    if backend == "tensorflow":  # keras-tuner runs each trial under it
        assert tuning._tensorflow_strategy() == "the strategy" and distributed == []
    else:  # Keras applies a set distribution to every model it builds
        assert tuning._tensorflow_strategy() is None and distributed == ["the strategy"]
    monkeypatch.setattr(distribute, "default_strategy", lambda: None)
    distributed.clear()
    assert tuning._tensorflow_strategy() is None and distributed == []


def _search_tuner(tmp_path):
    return tuning.make_tuner("random", tuning.MLPHyperModel((4,), classes=2), directory=str(tmp_path), max_trials=1)


@pytest.mark.parametrize("arguments, verbose", [({"verbose": 2}, 2), ({}, "the oracle's own")])
def test_the_chiefs_tuner_saves_itself_and_serves_its_oracle_instead_of_training(
    arguments, verbose, monkeypatch, tmp_path
):
    tuner = _search_tuner(tmp_path)
    tuner.oracle.verbose = "the oracle's own"
    served, trained = [], []
    monkeypatch.setattr(tuning, "distributed_role", lambda: "chief")
    monkeypatch.setattr(tuning, "serve_oracle", lambda *args: served.append(args))
    monkeypatch.setattr(keras_tuner.Tuner, "search", lambda self, *args, **kwargs: trained.append(args))
    assert tuner.search(np.zeros((2, 4)), np.zeros(2), **arguments) is None
    assert served == [(tuner.oracle, tuner.project_dir)] and trained == []
    assert tuner.oracle.verbose == verbose
    assert os.path.isfile(os.path.join(tuner.project_dir, f"{tuner.tuner_id}.json"))  # saved, for a resumed chief


@pytest.mark.parametrize("role", ["worker", None])
def test_a_workers_tuner_and_a_lone_one_search_as_keras_tuners_own(role, monkeypatch, tmp_path):
    tuner = _search_tuner(tmp_path)
    trained = []
    monkeypatch.setattr(tuning, "distributed_role", lambda: role)
    monkeypatch.setattr(tuning, "serve_oracle", lambda *args: pytest.fail("only the chief serves"))
    monkeypatch.setattr(keras_tuner.Tuner, "search", lambda self, *args, **kwargs: trained.append((args, kwargs)))
    tuner.search("x", "y", epochs=3, verbose=1)
    assert trained == [(("x", "y"), {"epochs": 3, "verbose": 1})]


def test_a_trial_turns_the_searchs_hparams_logger_into_its_own_tensorboard_and_keeps_the_other_callbacks(
    monkeypatch, tmp_path
):
    tuner = _search_tuner(tmp_path)
    passed = []
    monkeypatch.setattr(
        keras_tuner.Tuner, "run_trial", lambda self, trial, *args, **kwargs: passed.append((trial, args, kwargs))
    )
    trial = types.SimpleNamespace(trial_id="07", hyperparameters=keras_tuner.HyperParameters())
    mine = keras.callbacks.History()
    tuner.run_trial(trial, "x", callbacks=[search_report.HParamsLogger(str(tmp_path / "logs")), mine], epochs=2)
    ((given, args, kwargs),) = passed
    assert given is trial and args == ("x",) and kwargs["epochs"] == 2
    board, kept = kwargs["callbacks"]
    assert isinstance(board, search_report.TrialTensorBoard) and kept is mine
    assert (board.log_dir, board.trial_id) == (str(tmp_path / "logs" / "07"), "07")
    assert board.hyperparameters is trial.hyperparameters
    passed.clear()
    tuner.run_trial(trial, "x")  # no callbacks at all
    assert passed[0][2] == {"callbacks": []}


def test_a_damaged_search_file_is_named_when_the_tuner_is_made(tmp_path):
    tuner = tuning.make_tuner(
        hypermodel=tuning.MLPHyperModel((6,), classes=3), directory=str(tmp_path), project_name="d"
    )
    tuner.oracle.end_trial(tuner.oracle.create_trial("tuner0"))  # saves oracle.json
    tuner.save()  # tuner0.json, which a later make_tuner reloads the search from
    (tmp_path / "d" / "oracle.json").write_text("{not json")
    with pytest.raises(tuning.DamagedSearchError) as raised:
        tuning.make_tuner(directory=str(tmp_path), project_name="d")
    assert str(raised.value) == (
        f"{tmp_path / 'd' / 'oracle.json'} is damaged (not readable JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)); restore it, or start the search afresh with --overwrite (overwrite=True)"
    )
