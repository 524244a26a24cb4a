"""Every option of every `kerasdnn` subcommand reaches the function it names (those functions recorded, not run)."""

import os

import pytest
from PIL import Image

import kerasdnn
from kerasdnn.cli import main

pytestmark = [pytest.mark.xdist_group("cli_options"), pytest.mark.core]


@pytest.fixture
def recorded(monkeypatch):
    """Replaces what each subcommand calls with recorders; returns {function name: keyword arguments}."""
    import keras

    from kerasdnn import data, registry, runs, tuning

    calls = {}
    # The backend already loaded: no subcommand runs itself anew.
    monkeypatch.setenv("KERAS_BACKEND", keras.backend.backend())
    for variable in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
        monkeypatch.setenv(variable, "unset")

    def train_model(name, **arguments):
        calls["train_model"] = {"name": name, **arguments}
        return {"backend": "jax", "test": {"accuracy": 0.5}, "epochs_run": 1, "diverged": False,
                "output_dir": arguments["output_dir"] or "runs/x"}

    def run_search(dataset, **arguments):
        calls["run_search"] = {"dataset": dataset, **arguments, **{key: os.environ[key] for key in (
            "KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")}}
        return type("Tuner", (), {"project_dir": "p"})(), type("Best", (), {"values": {}})()

    monkeypatch.setattr(runs, "train_model", train_model)
    monkeypatch.setattr(tuning, "run_search", run_search)
    monkeypatch.setattr(tuning, "trial_rows", lambda tuner: [])
    monkeypatch.setattr(data, "export_arrays", lambda name, path, **arguments: calls.setdefault(
        "export_arrays", {"name": name, "path": path, **arguments}) and path)
    monkeypatch.setattr(registry, "create_model", lambda name, **arguments: calls.setdefault(
        "create_model", {"name": name, **arguments}) and (_ for _ in ()).throw(ValueError("stop here")))
    return calls


def test_every_train_option_reaches_train_model(recorded, capsys):
    assert main(["train", "lab10_softmax", "--epochs", "3", "--batch-size", "7", "--learning-rate", "0.125",
                 "--data-dir", "d", "--output-dir", "o", "--seed", "5", "--smoke", "--overwrite"]) == 0
    assert recorded["train_model"] == {"name": "lab10_softmax", "epochs": 3, "batch_size": 7, "learning_rate": 0.125,
                                       "data_dir": "d", "output_dir": "o", "seed": 5, "smoke": True, "overwrite": True}
    assert main(["train", "lab10_bn"]) == 0
    assert recorded["train_model"] == {"name": "lab10_bn", "epochs": None, "batch_size": None, "learning_rate": None,
                                       "data_dir": None, "output_dir": None, "seed": 0, "smoke": False,
                                       "overwrite": False}


def test_every_tune_option_reaches_run_search(recorded, capsys):
    assert main(["tune", "--dataset", "fashion_mnist", "--tuner", "bayesian", "--max-trials", "4", "--epochs", "2",
                 "--train-samples", "300", "--directory", "t", "--project-name", "p", "--overwrite",
                 "--data-dir", "d", "--seed", "6", "--tensorboard", "logs", "--chief-timeout", "12.5",
                 "--worker", "2", "--oracle-ip", "127.0.0.2", "--oracle-port", "9123"]) == 0
    assert recorded["run_search"] == {
        "dataset": "fashion_mnist", "kind": "bayesian", "max_trials": 4, "epochs": 2, "train_samples": 300,
        "directory": "t", "project_name": "p", "overwrite": True, "data_dir": "d", "seed": 6, "tensorboard": "logs",
        "chief_timeout": 12.5, "KERASTUNER_TUNER_ID": "tuner2", "KERASTUNER_ORACLE_IP": "127.0.0.2",
        "KERASTUNER_ORACLE_PORT": "9123"}
    assert main(["tune", "--smoke", "--chief"]) == 0
    search = recorded["run_search"]
    assert (search["dataset"], search["kind"], search["max_trials"], search["epochs"]) == ("mnist", "random", 10, 3)
    assert search["train_samples"] == kerasdnn.data.SMOKE_TRAIN_SAMPLES and search["overwrite"] is False
    assert (search["KERASTUNER_TUNER_ID"], search["KERASTUNER_ORACLE_PORT"]) == ("chief", "8000")


def test_data_export_and_predict_options_reach_their_functions(recorded, tmp_path, capsys):
    assert main(["data", "export", "fashion_mnist", str(tmp_path / "f.npz"), "--data-dir", "d"]) == 0
    assert recorded["export_arrays"] == {"name": "fashion_mnist", "path": str(tmp_path / "f.npz"), "data_dir": "d"}
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28)).save(image)
    assert main(["predict", str(image), "--model", "lab10_bn", "--weights", "w.weights.h5"]) == 2
    assert recorded["create_model"] == {"name": "lab10_bn", "weights": "w.weights.h5"}
    assert "stop here" in capsys.readouterr().err
