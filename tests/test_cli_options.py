"""Every option of every `kerasdnn` subcommand reaches the function it names (those functions recorded, not run)."""

import argparse
import functools
import inspect
import json
import os
import subprocess
import sys
import time

import pytest
from PIL import Image

import kerasdnn
from kerasdnn.cli import main

pytestmark = [pytest.mark.xdist_group("cli_options"), pytest.mark.core]


@pytest.fixture
def recorded(monkeypatch):
    """Replaces what each subcommand calls with recorders; returns {function name: keyword arguments}."""
    import keras

    from kerasdnn import data, tuning
    from kerasdnn.zoo import registry, runs

    calls = {}
    # The backend already loaded: no subcommand runs itself anew.
    monkeypatch.setenv("KERAS_BACKEND", keras.backend.backend())
    for variable in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT"):
        monkeypatch.setenv(variable, "unset")

    def replace(module, name, recorder):
        """Puts `recorder` in place of `module.name`, with the real function's signature.

        The command passes options by the signature of what it calls, and a
        call the real function would refuse (an unknown or missing argument)
        is refused here too.
        """
        real = getattr(module, name)

        @functools.wraps(real)
        def record(*arguments, **keywords):
            inspect.signature(real).bind(*arguments, **keywords)
            return recorder(*arguments, **keywords)

        monkeypatch.setattr(module, name, record)

    def train_model(name, **arguments):
        calls["train_model"] = {"name": name, **arguments}
        return {
            "backend": "jax",
            "test": {"accuracy": 0.5},
            "epochs_run": 4,
            "diverged": False,
            "output_dir": arguments["output_dir"] or "runs/x",
        }

    def run_search(dataset, **arguments):
        calls["run_search"] = {
            "dataset": dataset,
            **arguments,
            **{
                key: os.environ[key]
                for key in ("KERASTUNER_TUNER_ID", "KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT")
            },
        }
        worker = os.environ["KERASTUNER_TUNER_ID"].startswith("tuner")
        return TUNER, None if worker else type("Best", (), {"values": {"depth": 2}})()

    replace(runs, "train_model", train_model)
    replace(tuning, "run_search", run_search)
    monkeypatch.setattr(tuning, "trial_rows", lambda tuner: calls.setdefault("trial_rows", tuner) and TRIALS)
    replace(
        data,
        "export_arrays",
        lambda name, path, **arguments: (
            calls.setdefault("export_arrays", {"name": name, "path": path, **arguments}) and path
        ),
    )
    replace(
        registry,
        "create_model",
        lambda name, **arguments: (
            calls.setdefault("create_model", {"name": name, **arguments})
            and (_ for _ in ()).throw(ValueError("stop here"))
        ),
    )
    return calls


TUNER = type("Tuner", (), {"project_dir": "p"})()
# Eleven trials, best first: the command shows the first ten.
TRIALS = [
    {
        "trial": str(index),
        "status": "COMPLETED",
        "score": 0.5 - index / 100,
        "depth": 2,
        "units_1": 64,
        "activation": "relu",
        "dropout": 0.1,
        "optimizer": "adam",
        "learning_rate": 0.001,
        "batch_size": 64,
        "l1": 0.0,
    }
    for index in range(11)
]


def test_every_train_option_reaches_train_model(recorded, capsys):
    assert (
        main(
            [
                "train",
                "lab10_softmax",
                "--epochs",
                "3",
                "--batch-size",
                "7",
                "--learning-rate",
                "0.125",
                "--data-dir",
                "d",
                "--output-dir",
                "o",
                "--seed",
                "5",
                "--smoke",
                "--overwrite",
            ]
        )
        == 0
    )
    assert recorded["train_model"] == {
        "name": "lab10_softmax",
        "epochs": 3,
        "batch_size": 7,
        "learning_rate": 0.125,
        "data_dir": "d",
        "output_dir": "o",
        "seed": 5,
        "smoke": True,
        "overwrite": True,
    }
    assert capsys.readouterr().out.splitlines() == [
        "model          backend  metric         reference  target  measured  epochs  diverged",
        "-------------  -------  -------------  ---------  ------  --------  ------  --------",
        "lab10_softmax  jax      test accuracy  0.9194     -       0.5       4       False   ",
        "results in o",
    ]
    assert main(["train", "mnist_bn"]) == 0  # a record with a target
    assert capsys.readouterr().out.splitlines()[2].split() == [
        "mnist_bn",
        "jax",
        "test",
        "accuracy",
        "0.9826",
        "0.987",
        "0.5",
        "4",
        "False",
    ]
    assert main(["train", "lab10_bn"]) == 0
    assert recorded["train_model"] == {
        "name": "lab10_bn",
        "epochs": None,
        "batch_size": None,
        "learning_rate": None,
        "data_dir": None,
        "output_dir": None,
        "seed": 0,
        "smoke": False,
        "overwrite": False,
    }


def test_every_tune_option_reaches_run_search(recorded, capsys):
    assert (
        main(
            [
                "tune",
                "--dataset",
                "fashion_mnist",
                "--tuner",
                "bayesian",
                "--max-trials",
                "4",
                "--epochs",
                "2",
                "--train-samples",
                "300",
                "--directory",
                "t",
                "--project-name",
                "p",
                "--overwrite",
                "--data-dir",
                "d",
                "--seed",
                "6",
                "--tensorboard",
                "logs",
                "--chief-timeout",
                "12.5",
                "--worker",
                "2",
                "--oracle-ip",
                "127.0.0.2",
                "--oracle-port",
                "9123",
            ]
        )
        == 0
    )
    assert recorded["run_search"] == {
        "dataset": "fashion_mnist",
        "kind": "bayesian",
        "max_trials": 4,
        "epochs": 2,
        "train_samples": 300,
        "directory": "t",
        "project_name": "p",
        "overwrite": True,
        "data_dir": "d",
        "seed": 6,
        "tensorboard": "logs",
        "chief_timeout": 12.5,
        "KERASTUNER_TUNER_ID": "tuner2",
        "KERASTUNER_ORACLE_IP": "127.0.0.2",
        "KERASTUNER_ORACLE_PORT": "9123",
    }
    assert capsys.readouterr().out == "worker 2: no trials left; the chief writes the report in p/report\n"
    assert main(["tune", "--smoke", "--chief"]) == 0
    search = recorded["run_search"]
    assert (search["dataset"], search["kind"], search["max_trials"], search["epochs"]) == ("mnist", "random", 10, 3)
    assert search["train_samples"] == kerasdnn.data.SMOKE_TRAIN_SAMPLES and search["overwrite"] is False
    assert (search["KERASTUNER_TUNER_ID"], search["KERASTUNER_ORACLE_PORT"]) == ("chief", "8000")
    printed = capsys.readouterr().out.splitlines()
    assert recorded["trial_rows"] is TUNER
    assert (
        printed[0].split()
        == "trial status score depth units_1 activation dropout optimizer learning_rate batch_size".split()
    )
    assert [line.split()[0] for line in printed[2:12]] == [str(index) for index in range(10)]
    assert printed[2].split() == ["0", "COMPLETED", "0.5", "2", "64", "relu", "0.1", "adam", "0.001", "64"]
    assert printed[12:] == ["best hyperparameters: {'depth': 2}", "report in p/report"]
    assert main(["tune", "--tensorboard", "logs"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "TensorBoard logs in logs: tensorboard --logdir logs (HParams tab)"
    )


@pytest.mark.parametrize("role, shown", [(["--chief"], "--chief"), (["--worker", "1"], "--worker")])
def test_workers_refuse_a_role_naming_it(role, shown, recorded, capsys):
    assert main(["tune", "--workers", "2", *role]) == 2
    assert capsys.readouterr().err == (
        f"kerasdnn tune: --workers starts its own chief and workers; received it with {shown}\n"
    )
    assert "run_search" not in recorded


def test_tune_runs_on_the_search_networks_backend_unless_one_is_chosen(recorded, monkeypatch):
    from kerasdnn.zoo import registry

    monkeypatch.delenv("KERAS_BACKEND")
    assert main(["tune", "--chief"]) == 0
    assert os.environ["KERAS_BACKEND"] == registry.model_info("mnist_bn").backend
    monkeypatch.setenv("KERAS_BACKEND", "chosen")
    assert main(["tune", "--chief"]) == 0 and os.environ["KERAS_BACKEND"] == "chosen"


def test_data_export_and_predict_options_reach_their_functions(recorded, tmp_path, capsys):
    assert main(["data", "export", "fashion_mnist", str(tmp_path / "f.npz"), "--data-dir", "d"]) == 0
    assert recorded.pop("export_arrays") == {
        "name": "fashion_mnist",
        "path": str(tmp_path / "f.npz"),
        "data_dir": "d",
        "train_samples": None,
        "test_samples": None,
    }
    assert main(["data", "export", "mnist", "m.npz", "--train-samples", "1024", "--test-samples", "512"]) == 0
    assert recorded["export_arrays"] == {
        "name": "mnist",
        "path": "m.npz",
        "data_dir": None,
        "train_samples": 1024,
        "test_samples": 512,
    }
    image = tmp_path / "digit.png"
    Image.new("L", (28, 28)).save(image)
    assert main(["predict", str(image), "--model", "lab10_bn", "--weights", "w.weights.h5"]) == 2
    assert recorded["create_model"] == {"name": "lab10_bn", "weights": "w.weights.h5"}
    assert "stop here" in capsys.readouterr().err


def test_predict_prints_each_images_digit_from_the_normalized_pixels(recorded, monkeypatch, tmp_path, capsys):
    import keras
    import numpy as np

    from kerasdnn import images
    from kerasdnn.zoo import registry

    # A net whose answer is known: zero kernel, biases favouring 7 (softmax of the biases).
    biases = np.zeros(10, "float32")
    biases[7] = 2.0
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(
                10,
                activation="softmax",
                kernel_initializer="zeros",
                bias_initializer=keras.initializers.Constant(biases),
            ),
        ]
    )
    seen = []
    predict = model.predict
    monkeypatch.setattr(model, "predict", lambda x, **arguments: seen.append(x) or predict(x, **arguments))
    monkeypatch.setattr(
        registry,
        "create_model",
        lambda name, **arguments: recorded.setdefault("create_model", {"name": name, **arguments}) and model,
    )
    digit = tmp_path / "digit.png"
    canvas = np.zeros((28, 28), "uint8")
    canvas[6:22, 12:16] = 255
    Image.fromarray(canvas).save(digit)
    assert main(["predict", str(digit), str(tmp_path / "missing.png"), str(digit)]) == 1
    probability = np.exp(2.0) / (np.exp(2.0) + 9)
    assert capsys.readouterr().out == f"{digit}: 7 (probability {probability:.3f})\n" * 2
    assert recorded["create_model"] == {"name": "mnist_bn", "weights": "mnist"}
    # The record's normalization ("scale"): pixels over 255, as in training.
    np.testing.assert_allclose(seen[0], images.load_digit(str(digit))[None] / 255.0, rtol=1e-6)
    assert len(seen) == 2
    # Every image read: the command succeeds.
    assert main(["predict", str(digit)]) == 0
    assert capsys.readouterr().out == f"{digit}: 7 (probability {probability:.3f})\n"
    # A record trained on raw pixels ("none") gets them unchanged.
    import dataclasses

    record = registry.model_info("mnist_bn")
    raw = dataclasses.replace(record, training={**record.training, "normalization": "none"})
    monkeypatch.setattr(registry, "model_info", lambda name: raw)
    assert main(["predict", str(digit)]) == 0
    np.testing.assert_array_equal(seen[-1], images.load_digit(str(digit))[None])


def test_predict_names_an_image_it_cannot_read(recorded, monkeypatch, tmp_path, capsys):
    from kerasdnn.zoo import registry

    monkeypatch.setattr(registry, "create_model", lambda name, **arguments: object())
    assert main(["predict", str(tmp_path / "missing.png")]) == 1
    assert capsys.readouterr().err == f"kerasdnn predict: load_digit(): no such file: {tmp_path / 'missing.png'}\n"
    assert main(["predict", "x.png", "--model", "hanbat_bn_lstm"]) == 2
    assert capsys.readouterr().err == (
        "kerasdnn predict: predict: --model must be a 28×28 MNIST-style classifier; received --model=hanbat_bn_lstm\n"
    )
    # Either half of the condition refuses: a 28×28 input on other data, or MNIST data of another shape.
    import dataclasses

    record = registry.model_info("mnist_bn")
    for changed in ({"dataset": "cifar10"}, {"input_shape": (784,)}):
        monkeypatch.setattr(
            registry, "model_info", lambda name, changed=changed: dataclasses.replace(record, **changed)
        )
        assert main(["predict", "x.png"]) == 2
        assert "--model must be a 28×28 MNIST-style classifier" in capsys.readouterr().err
    # A normalization fitted on the training split cannot be fitted on one image: refused, before any weights load.
    standardized = dataclasses.replace(record, training={**record.training, "normalization": "standardize"})
    monkeypatch.setattr(registry, "model_info", lambda name: standardized)
    assert main(["predict", "x.png"]) == 2
    assert capsys.readouterr().err == (
        "kerasdnn predict: predict: --model must be trained on pixels normalized with 'none' or 'scale'; "
        "received --model=mnist_bn, normalized with 'standardize'\n"
    )


def test_zoo_list_and_show_print_the_records(recorded, capsys):
    assert main(["zoo", "list", "lab10_6*"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "name           dataset  parameters  metric               reference  target  backend  weights",
        "-------------  -------  ----------  -------------------  ---------  ------  -------  -------",
        "lab10_6_bn     mnist    26,762      validation accuracy  0.9766     -       jax      -      ",
        "lab10_6_plain  mnist    26,506      validation accuracy  0.9574     -       jax      -      ",
    ]
    assert main(["zoo", "list", "mnist_bn"]) == 0  # a target and shipped weights
    assert capsys.readouterr().out.splitlines()[2] == (
        "mnist_bn  mnist    570,122     test accuracy  0.9826     0.987   jax      mnist  "
    )
    assert main(["zoo", "list"]) == 0  # no pattern: every model
    assert len(capsys.readouterr().out.splitlines()) == 2 + len(kerasdnn.zoo.list_models())
    assert main(["zoo", "list", "nothing*"]) == 1
    assert capsys.readouterr().err == "no model matches 'nothing*'\n"
    # The record first, then the net's summary (create_model is recorded here and stops the command).
    assert main(["zoo", "show", "lab10_6_bn"]) == 2
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "        name: lab10_6_bn" and "  parameters: 26762" in printed
    assert recorded["create_model"] == {"name": "lab10_6_bn"}


def test_zoo_list_joins_several_weights_and_zoo_show_prints_the_summary(recorded, monkeypatch, capsys):
    import dataclasses

    from kerasdnn.zoo import registry

    record = registry.model_info
    monkeypatch.setattr(
        registry, "model_info", lambda name: dataclasses.replace(record(name), weights=("mnist", "mnist_seed_1"))
    )
    assert main(["zoo", "list", "mnist_bn"]) == 0
    assert capsys.readouterr().out.splitlines()[2].rstrip().endswith("jax      mnist, mnist_seed_1")
    monkeypatch.setattr(
        registry, "create_model", lambda name: type("Net", (), {"summary": lambda self: print("SUMMARY")})()
    )
    assert main(["zoo", "show", "lab10_6_bn"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "SUMMARY"


def _record_restarts(monkeypatch):
    """Unsets KERAS_BACKEND and records each run anew (file, arguments, backend) instead of starting it."""
    started = []

    def execvpe(file, argv, environment):
        started.append((file, argv, environment["KERAS_BACKEND"]))
        raise SystemExit(0)

    monkeypatch.setattr(os, "execvpe", execvpe)
    monkeypatch.delenv("KERAS_BACKEND")
    return started


@pytest.mark.parametrize("command", [["zoo", "show", "{name}"], ["predict", "x.png", "--model", "{name}"]])
def test_zoo_show_and_predict_run_anew_on_the_records_backend_with_their_own_arguments(command, recorded, monkeypatch):

    import keras

    # A record on another backend than the one loaded: the command starts again on the record's.
    name = "hanbat_bn_cnn" if keras.backend.backend() != "tensorflow" else "lab10_bn"
    command = [word.format(name=name) for word in command]
    started = _record_restarts(monkeypatch)
    with pytest.raises(SystemExit):
        main(command)
    backend = kerasdnn.zoo.model_info(name).backend
    assert started == [(sys.executable, [sys.executable, "-m", "kerasdnn.cli", *command], backend)]


def test_a_command_run_from_the_shell_runs_anew_with_the_shells_arguments(recorded, monkeypatch):

    import keras

    name = "hanbat_bn_cnn" if keras.backend.backend() != "tensorflow" else "lab10_bn"
    started = _record_restarts(monkeypatch)
    monkeypatch.setattr(sys, "argv", ["kerasdnn", "zoo", "show", name])
    with pytest.raises(SystemExit):
        main()
    assert started[0][1] == [sys.executable, "-m", "kerasdnn.cli", "zoo", "show", name]


@pytest.mark.parametrize("name", ["hanbat_bn_cnn", "lab10_bn"])  # a TensorFlow record and a JAX one
def test_a_command_runs_anew_on_the_records_backend_unless_the_user_chose_one(name, recorded, monkeypatch):

    import keras

    from kerasdnn.zoo import registry

    backend = registry.model_info(name).backend
    started = _record_restarts(monkeypatch)
    if keras.backend.backend() != backend:
        with pytest.raises(SystemExit):
            main(["train", name, "--smoke"])
        assert started == [(sys.executable, [sys.executable, "-m", "kerasdnn.cli", "train", name, "--smoke"], backend)]
    else:
        assert main(["train", name, "--smoke"]) == 0 and not started
    started.clear()
    # A backend the user set always wins: nothing runs anew.
    monkeypatch.setenv("KERAS_BACKEND", "torch" if backend != "torch" else "jax")
    assert main(["train", name]) == 0 and not started


@pytest.mark.parametrize("command", [["train", "lab10_softmax"], ["tune", "--max-trials", "1"]])
def test_train_and_tune_keep_compiled_steps_unless_no_compile_cache(command, recorded, monkeypatch):
    from kerasdnn import compilation

    turned_on = []
    monkeypatch.setattr(compilation, "use_compilation_cache", lambda: turned_on.append(True))
    assert main(command) == 0 and turned_on == [True]
    assert main([*command, "--no-compile-cache"]) == 0 and turned_on == [True]


def test_a_tensorflow_record_runs_on_jax_where_tensorflow_is_not_installed_and_says_so(recorded, monkeypatch, capsys):
    import keras

    from kerasdnn import quiet

    started = []
    monkeypatch.setattr(
        os,
        "execvpe",
        lambda file, argv, environment: (
            started.append(environment["KERAS_BACKEND"]) or (_ for _ in ()).throw(SystemExit(0))
        ),
    )
    monkeypatch.setattr(quiet, "tensorflow_installed", lambda: False)
    monkeypatch.delenv("KERAS_BACKEND")
    if keras.backend.backend() == "jax":
        assert main(["train", "hanbat_bn_cnn", "--smoke"]) == 0 and not started
    else:
        with pytest.raises(SystemExit):
            main(["train", "hanbat_bn_cnn", "--smoke"])
        assert started == ["jax"]
    assert capsys.readouterr().err.splitlines()[0] == (
        "hanbat_bn_cnn trains fastest on TensorFlow, which is not installed here: running on JAX instead "
        "(pip install tensorflow for its backend)"
    )
    # A backend the user set wins, without a word.
    monkeypatch.setenv("KERAS_BACKEND", keras.backend.backend())
    assert main(["train", "hanbat_bn_cnn"]) == 0 and "not installed" not in capsys.readouterr().err


class _Process:
    """Stands in for a subprocess: records how it was started and exits with the status its role is given."""

    statuses = {}
    started = []

    def __init__(self, command, **options):
        self.command, self.environment = command, options["env"]
        self.stdout = iter([])
        self.pid = 0
        _Process.started.append(self)

    def wait(self, timeout=None):
        return _Process.statuses.get(self.command[-1], 0)

    poll = wait  # each has exited as soon as it started


def test_workers_start_a_chief_and_pinned_workers_with_the_search_options(recorded, monkeypatch, capsys):

    monkeypatch.setattr(subprocess, "Popen", _Process)
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(_Process, "statuses", {})
    assert main(["tune", "--workers", "3", "--devices", "0,1", "--max-trials", "4", "--oracle-port", "9000"]) == 0
    chief, *workers = _Process.started
    forwarded = ["tune", "--max-trials", "4", "--oracle-ip", "127.0.0.1", "--oracle-port", "9000"]
    assert chief.command[-len(forwarded) - 1 :] == [*forwarded, "--chief"]
    assert chief.environment["CUDA_VISIBLE_DEVICES"] == ""
    assert [worker.command[-2:] for worker in workers] == [["--worker", "0"], ["--worker", "1"], ["--worker", "2"]]
    assert [worker.environment["CUDA_VISIBLE_DEVICES"] for worker in workers] == ["0", "1", "0"]
    # Three workers on two devices: 1.5 per device, each with 0.9 / 1.5 of its memory.
    assert {worker.environment["XLA_PYTHON_CLIENT_MEM_FRACTION"] for worker in workers} == {"0.60"}


def test_workers_sharing_the_machine_split_its_memory_and_a_failure_is_named(recorded, monkeypatch, capsys):

    monkeypatch.setattr(subprocess, "Popen", _Process)
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(_Process, "statuses", {"1": 3})
    assert main(["tune", "--workers", "2", "--epochs", "1"]) == 1
    assert capsys.readouterr().err == "kerasdnn tune: worker 1 exited with status 3\n"
    chief, *workers = _Process.started
    port = chief.command[chief.command.index("--oracle-port") + 1]
    # A free port the system picked (its ephemeral range), one for the whole search.
    assert int(port) >= 1024 and all(
        worker.command[worker.command.index("--oracle-port") + 1] == port for worker in workers
    )
    assert [worker.environment.get("XLA_PYTHON_CLIENT_MEM_FRACTION") for worker in workers] == ["0.45", "0.45"]
    assert all(
        "CUDA_VISIBLE_DEVICES" not in worker.environment
        or worker.environment["CUDA_VISIBLE_DEVICES"] == os.environ.get("CUDA_VISIBLE_DEVICES")
        for worker in workers
    )


def test_the_launchers_own_options_are_not_forwarded():
    from kerasdnn.local_search import without_local_options

    assert without_local_options(
        [
            "tune",
            "--workers",
            "2",
            "--devices=0,1",
            "--max-trials",
            "3",
            "--oracle-port=5",
            "--oracle-ip",
            "h",
            "--oracle-ip=a=b",  # the name ends at the first "="
            "--seed",
            "1",
        ]
    ) == ["tune", "--max-trials", "3", "--seed", "1"]


@pytest.mark.parametrize("program, prefix", [("/venv/bin/kerasdnn", []), ("/venv/bin/something", None)])
def test_the_workers_run_the_command_the_user_ran(recorded, monkeypatch, program, prefix):

    monkeypatch.setattr(subprocess, "Popen", _Process)
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(_Process, "statuses", {})
    monkeypatch.setattr(sys, "argv", [program, "tune", "--workers", "1"])
    assert main(["tune", "--workers", "1"]) == 0
    # The installed script itself, else this Python running the module.
    command = [program] if prefix is not None else [sys.executable, "-m", "kerasdnn.cli"]
    assert all(process.command[: len(command) + 1] == [*command, "tune"] for process in _Process.started)
    assert all(process.command.count("tune") == 1 for process in _Process.started)


class _Lasting:
    """Stands in for a started process that ends with its given status, or runs until it is stopped (`None`)."""

    statuses = {}
    started = []

    def __init__(self, command, **options):
        self.command, self.stdout, self.pid = command, iter([]), 0
        self.status = _Lasting.statuses[command[-1]]
        _Lasting.started.append(self)

    def poll(self):
        return self.status

    def wait(self, timeout=None):
        if self.status is None:
            if timeout is None:
                raise AssertionError(f"{self.command[-1]} would be waited for for ever")
            raise subprocess.TimeoutExpired(self.command, timeout)
        return self.status


@pytest.mark.parametrize(
    "statuses, message",
    [
        # Worker 1 killed mid-trial: the chief would serve its trial for ever.
        (
            {"--chief": None, "0": 0, "1": -9},
            "kerasdnn tune: every worker has ended and the chief still waits for a trial after 0 s (a worker "
            "stopped mid-trial): stopping it; run the same command again to resume the search\n"
            "kerasdnn tune: chief exited with status -15, worker 1 exited with status -9\n",
        ),
        # The chief failed: its workers would wait for it for ever.
        (
            {"--chief": 1, "0": None, "1": 0},
            "kerasdnn tune: the chief has failed: stopping the workers\n"
            "kerasdnn tune: chief exited with status 1, worker 0 exited with status -15\n",
        ),
        # The chief killed by a signal (the out-of-memory killer's SIGKILL): a negative status.
        (
            {"--chief": -9, "0": None, "1": None},
            "kerasdnn tune: the chief has failed: stopping the workers\n"
            "kerasdnn tune: chief exited with status -9, worker 0 exited with status -15, "
            "worker 1 exited with status -15\n",
        ),
    ],
)
def test_a_search_whose_chief_or_workers_are_gone_ends_and_says_why(recorded, monkeypatch, capsys, statuses, message):
    from kerasdnn import local_search

    stopped = []

    def stop_all(processes):
        stopped.extend(process.command[-1] for process in processes)
        for process in processes:
            process.status = -15  # SIGTERM

    monkeypatch.setattr(subprocess, "Popen", _Lasting)
    monkeypatch.setattr(_Lasting, "started", [])
    monkeypatch.setattr(_Lasting, "statuses", statuses)
    monkeypatch.setattr(local_search, "stop_all", stop_all)
    monkeypatch.setattr(local_search, "CHIEF_GRACE_SECONDS", 0.01)
    naps = []

    def sleep(seconds):  # nothing changes between polls here: a launcher that polls again would wait for ever
        naps.append(seconds)
        if len(naps) > 3:
            raise AssertionError("the launcher waits for ever")

    monkeypatch.setattr(time, "sleep", sleep)
    assert main(["tune", "--workers", "2"]) == 1
    assert stopped == [role for role, status in statuses.items() if status is None]
    assert capsys.readouterr().err == message


class _Stopping:
    """Stands in for a started process: already exited or not, ending on SIGTERM or only on SIGKILL."""

    def __init__(self, pid, exited, stubborn):
        self.pid, self.exited, self.stubborn, self.waits = pid, exited, stubborn, []

    def poll(self):
        return 0 if self.exited else None

    def wait(self, timeout=None):
        self.waits.append(timeout)
        if self.stubborn:
            raise subprocess.TimeoutExpired("worker", timeout)
        return 0


def test_stopping_the_search_ends_each_group_it_started_and_kills_one_that_stays(monkeypatch):
    import signal

    from kerasdnn.local_search import stop_all

    signals = []
    monkeypatch.setattr(os, "killpg", lambda pid, number: signals.append((pid, number)))
    processes = [_Stopping(11, exited=True, stubborn=False), _Stopping(12, False, False), _Stopping(13, False, True)]
    stop_all(processes)
    # SIGTERM to the groups still running, then 30 s for each before SIGKILL.
    assert signals == [(12, signal.SIGTERM), (13, signal.SIGTERM), (13, signal.SIGKILL)]
    assert [process.waits for process in processes] == [[30], [30], [30]]


def test_ctrl_c_says_where_the_run_stands(recorded, monkeypatch, tmp_path, capsys):
    from kerasdnn import tuning
    from kerasdnn.zoo import runs

    monkeypatch.chdir(tmp_path)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runs, "train_model", interrupt)
    monkeypatch.setattr(tuning, "run_search", interrupt)
    assert main(["train", "lab10_bn"]) == 130
    assert capsys.readouterr().err == "kerasdnn train: interrupted after epoch 0; run again to resume\n"
    # With a committed backup in the run's folder (runs/NAME by default), its epoch count.
    (tmp_path / "runs" / "lab10_bn" / "backup" / "epoch-0003").mkdir(parents=True)
    assert main(["train", "lab10_bn"]) == 130
    assert capsys.readouterr().err == "kerasdnn train: interrupted after epoch 3; run again to resume\n"
    (tmp_path / "elsewhere" / "backup" / "epoch-0002").mkdir(parents=True)
    assert main(["train", "lab10_bn", "--output-dir", str(tmp_path / "elsewhere")]) == 130
    assert capsys.readouterr().err == "kerasdnn train: interrupted after epoch 2; run again to resume\n"
    assert main(["tune"]) == 130
    assert capsys.readouterr().err == "kerasdnn tune: interrupted; run the same command again to resume\n"


def test_the_commands_help_and_required_subcommands(capsys, monkeypatch):
    from kerasdnn import cli

    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert text.startswith("usage: kerasdnn [-h] COMMAND ...")
    assert cli.__doc__.strip() in text  # the usage lines as written, not rewrapped
    assert "list the registered models or show one" in text and "train a zoo model with its recorded settings" in text
    for argv, message in (
        (["zoo"], "the following arguments are required: ZOO_COMMAND"),
        ([], "the following arguments are required: COMMAND"),
    ):
        with pytest.raises(SystemExit):
            main(argv)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["zoo", "--help"])
    zoo_help = " ".join(capsys.readouterr().out.split())
    assert "list list models, optionally matching a pattern such as 'lab10_*'" in zoo_help
    assert "show show a model's record and layers" in zoo_help


def test_data_export_passes_its_arguments_and_writes_the_name(monkeypatch, tmp_path):
    import numpy as np

    from kerasdnn import data, sources

    prepared, read = [], []
    monkeypatch.setattr(sources, "_prepared_builder", lambda *args: prepared.append(args))

    def read_split(builder, split, samples):
        read.append((split, samples))
        return np.full((2, 28, 28, 1), {"train": 1, "test": 2}[split], "uint8"), np.arange(2)

    monkeypatch.setattr(sources, "_read_split", read_split)
    path = str(tmp_path / "m.npz")
    assert data.export_arrays("mnist", path, data_dir="d") == path
    assert prepared == [("export_arrays", "mnist", "d", True)]  # downloads unless told not to
    assert read == [("train", None), ("test", None)]  # every sample of both splits
    data.export_arrays("mnist", path, train_samples=7, test_samples=3)
    assert read[2:] == [("train", 7), ("test", 3)]
    for argument in ("train_samples", "test_samples"):
        with pytest.raises(ValueError, match=rf"^export_arrays\(\): {argument} must be >= 1; received {argument}=0$"):
            data.export_arrays("mnist", path, **{argument: 0})
        with pytest.raises(TypeError) as refusal:
            data.export_arrays("mnist", path, **{argument: 2.5})
        assert str(refusal.value) == f"export_arrays(): {argument} must be an integer; received {argument}=2.5"
    del prepared[1:]
    with np.load(path) as saved:
        assert str(saved["name"]) == "mnist" and saved["x_test"].max() == 2 and saved["x_train"].max() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz"]
    data.export_arrays("fashion_mnist", path, download=False)
    assert prepared[1] == ("export_arrays", "fashion_mnist", None, False)
    with pytest.raises(ValueError, match=r"^export_arrays\(\): name must be one of "):
        data.export_arrays("svhn", path)
    # Into a data folder not made yet, as `--data-dir DIR` then reads it (README).
    nested = tmp_path / "data" / "mnist.npz"
    assert data.export_arrays("mnist", str(nested)) == str(nested)
    assert sorted(os.listdir(nested.parent)) == ["mnist.npz"]


def test_data_export_without_tensorflow_names_itself_and_the_install_command(monkeypatch, tmp_path, capsys):
    from kerasdnn import quiet

    monkeypatch.setattr(quiet, "tensorflow_installed", lambda: False)
    assert main(["data", "export", "mnist", str(tmp_path / "m.npz")]) == 2
    assert capsys.readouterr().err == (
        "kerasdnn data: kerasdnn data export (tensorflow-datasets) needs TensorFlow, which is not installed here; "
        "install it with `pip install tensorflow`\n"
    )
    assert not list(tmp_path.iterdir())


class _Streaming(_Process):
    """A process that prints two lines, whose wait returns once they are read (or raises, for Ctrl-C)."""

    interrupt = False
    interrupted = False

    def __init__(self, command, **options):
        super().__init__(command, **options)
        self.options = options
        self.read = False
        lines = [f"hello from {command[-1]}\n", "done\n"]

        def stream():
            yield from lines
            self.read = True

        self.stdout = stream()

    def wait(self, timeout=None):
        if _Streaming.interrupt:
            raise KeyboardInterrupt
        import time

        deadline = time.monotonic() + 10  # bounded: a stream that never ends fails the test, not the suite
        while not self.read and time.monotonic() < deadline:
            time.sleep(0.001)
        return super().wait(timeout)

    def poll(self):
        # Running until its lines are read. A Ctrl-C arrives once, while the
        # launcher watches its processes; they run on until stopped.
        if _Streaming.interrupt:
            if not _Streaming.interrupted:
                _Streaming.interrupted = True
                raise KeyboardInterrupt
            return None
        return self.wait()


def test_workers_stream_their_output_and_ctrl_c_stops_every_process(recorded, monkeypatch, capsys):
    import signal

    monkeypatch.setattr(subprocess, "Popen", _Streaming)
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(_Process, "statuses", {"--chief": 4, "0": 5})
    monkeypatch.setattr(sys, "argv", ["/usr/bin/python", "-m", "kerasdnn.cli"])
    monkeypatch.delenv("KERAS_BACKEND")
    assert main(["tune", "--workers", "2", "--devices", "0,1"]) == 1
    out, err = capsys.readouterr()
    assert err == "kerasdnn tune: chief exited with status 4, worker 0 exited with status 5\n"
    assert sorted(out.splitlines()) == sorted(
        [
            "[chief] hello from --chief",
            "[chief] done",
            "[worker 0] hello from 0",
            "[worker 0] done",
            "[worker 1] hello from 1",
            "[worker 1] done",
        ]
    )
    chief, first, second = _Process.started
    assert chief.command[:3] == [sys.executable, "-m", "kerasdnn.cli"]
    assert chief.options == {
        "stdout": subprocess.PIPE,
        "stderr": subprocess.STDOUT,
        "text": True,
        "env": chief.environment,
        "start_new_session": True,
    }
    # One worker per device: no memory share to set. The search's backend is the MLPs'.
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION" not in first.environment and os.environ["KERAS_BACKEND"] == "jax"
    # Started as `kerasdnn`, the command starts its processes as `kerasdnn` too.
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(sys, "argv", ["/somewhere/bin/kerasdnn", "tune"])
    assert main(["tune", "--workers", "3", "--devices", "0"]) == 1
    assert _Process.started[0].command[:2] == ["/somewhere/bin/kerasdnn", "tune"]
    assert {p.environment["XLA_PYTHON_CLIENT_MEM_FRACTION"] for p in _Process.started[1:]} == {"0.30"}
    capsys.readouterr()
    # Ctrl-C: every process still running gets SIGTERM, and the command exits 130.
    killed = []
    monkeypatch.setattr(os, "killpg", lambda pid, sent: killed.append(sent))
    monkeypatch.setattr(_Streaming, "interrupt", True)
    monkeypatch.setattr(_Streaming, "interrupted", False)
    monkeypatch.setattr(_Process, "started", [])
    assert main(["tune", "--workers", "2"]) == 130
    assert killed == [signal.SIGTERM] * 3


class _FlushRecorder:
    """Stands in for sys.stdout: records each write and each flush, in order."""

    def __init__(self):
        self.events = []

    def write(self, text):
        if text:
            self.events.append(text)

    def flush(self):
        self.events.append(None)


def test_each_workers_line_is_flushed_as_it_comes(recorded, monkeypatch):
    # Piped to `tee` or a log, stdout is block-buffered: unflushed, a search's
    # progress would show only when the buffer fills or the command ends.
    monkeypatch.setattr(subprocess, "Popen", _Streaming)
    monkeypatch.setattr(_Process, "started", [])
    monkeypatch.setattr(_Process, "statuses", {})
    output = _FlushRecorder()
    monkeypatch.setattr(sys, "stdout", output)
    assert main(["tune", "--workers", "1"]) == 0
    lines = [event for event in output.events if event is not None]
    assert sorted(lines) == [
        "[chief] done\n",
        "[chief] hello from --chief\n",
        "[worker 0] done\n",
        "[worker 0] hello from 0\n",
    ]
    assert all(output.events[output.events.index(line) + 1] is None for line in lines)


def _options(parser, command=()):
    """Each argument of `parser` and its subcommands as users meet it in --help: name, help, default, choices."""
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            rows.append(
                {
                    "command": " ".join(command),
                    "subcommand": action.dest,
                    "metavar": action.metavar,
                    "required": action.required,
                }
            )
            for choice in action._choices_actions:
                rows.append({"command": " ".join([*command, choice.dest]), "help": choice.help})
            for name, subparser in action.choices.items():
                rows.extend(_options(subparser, (*command, name)))
        elif not isinstance(action, argparse._HelpAction):
            rows.append(
                {
                    "command": " ".join(command),
                    "argument": "/".join(action.option_strings) or action.dest,
                    **{key: getattr(action, key) for key in ("help", "metavar", "nargs", "required", "choices")},
                    "default": action.default,
                    "type": getattr(action.type, "__name__", None),
                }
            )
    return rows


def test_every_option_help_and_default_is_the_one_committed():
    # What users read in --help before anything runs. After a deliberate
    # change, regenerate the file with KERASDNN_WRITE_CLI=1 and read its diff.
    from kerasdnn.cli import build_parser

    expected = os.path.join(os.path.dirname(__file__), "data", "cli_options.json")
    options = json.loads(json.dumps(_options(build_parser()), default=list))
    if os.environ.get("KERASDNN_WRITE_CLI"):
        with open(expected, "w", encoding="utf-8") as file:
            json.dump(options, file, indent=1, ensure_ascii=False)
            file.write("\n")
    with open(expected, encoding="utf-8") as file:
        assert options == json.load(file)


@pytest.mark.parametrize("port", ["0", "65536", "http"])
def test_tune_refuses_an_oracle_port_that_is_not_a_port(port, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["tune", "--chief", "--oracle-port", port])
    assert exited.value.code == 2
    assert f"argument --oracle-port: must be an integer in [1, 65535]; received {port}" in capsys.readouterr().err
