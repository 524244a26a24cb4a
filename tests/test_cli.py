"""The `kerasdnn` command, called through its entry point `kerasdnn.cli:main`."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import kerasdnn
from kerasdnn.cli import main

from conftest import REPOSITORY

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("cli")


def test_zoo_list(capsys):
    assert main(["zoo", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "dataset", "parameters", "metric", "reference", "target", "backend", "weights"]
    assert len(lines) == 2 + len(kerasdnn.zoo.list_models())
    assert any(line.startswith("mnist_bn ") and "570,122" in line and " jax " in line for line in lines)
    assert any(line.startswith("hanbat_bn_cnn ") and " tensorflow " in line for line in lines)


def test_zoo_list_pattern(capsys):
    assert main(["zoo", "list", "xor_*"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[2:]] == ["xor_linear", "xor_sigmoid"]
    assert main(["zoo", "list", "nothing*"]) == 1


def test_zoo_show_prints_record_and_layers(capsys):
    assert main(["zoo", "show", "cifar10_deck002"]) == 0
    out = capsys.readouterr().out
    assert "parameters: 164682" in out and "conv_block1_conv1 (Conv2D)" in out and "164,682" in out


def test_unknown_name_is_a_clear_error_not_a_traceback(capsys):
    assert main(["zoo", "show", "lab10_relu_xavir"]) == 2
    err = capsys.readouterr().err
    assert (
        err.startswith("kerasdnn zoo: model_info(): name must be one of ")
        and "(did you mean 'lab10_relu_xavier'" in err
    )
    assert "Traceback" not in err


def test_help_on_every_command(capsys):
    for argv in (
        ["--help"],
        ["zoo", "--help"],
        ["zoo", "list", "--help"],
        ["zoo", "show", "--help"],
        ["train", "--help"],
        ["predict", "--help"],
        ["tune", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 0
        assert "usage: kerasdnn" in capsys.readouterr().out


def test_train_smoke_writes_results(tmp_path, capsys):
    assert main(["train", "hanbat_bn_mlp", "--smoke", "--output-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"results in {tmp_path}" in out and "hanbat_bn_mlp" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["epochs_run"] == 1 and results["settings"]["smoke"]


def _digit_image(path, label, *, size, dark_on_light):
    """Saves an MNIST test digit of `label`, resized, as a photo-like PNG."""
    _, (x_test, y_test) = kerasdnn.load_arrays("mnist", normalization="none", train_samples=1, test_samples=200)
    pixels = x_test[np.flatnonzero(y_test == label)[0], :, :, 0]
    image = Image.fromarray(pixels.astype(np.uint8)).resize((size, size), Image.BILINEAR)
    if dark_on_light:
        image = Image.fromarray(255 - np.asarray(image))
    image.save(path)
    return path


def test_predict_recognizes_generated_digit_images(tmp_path, capsys):
    seven = _digit_image(tmp_path / "seven.png", 7, size=140, dark_on_light=True)
    three = _digit_image(tmp_path / "three.jpg", 3, size=56, dark_on_light=False)
    assert main(["predict", str(seven), str(three)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{seven}: 7 (probability ") and lines[1].startswith(f"{three}: 3 (probability ")


def test_predict_bad_paths_are_clear_errors(tmp_path, capsys):
    not_an_image = tmp_path / "notes.png"
    not_an_image.write_text("hello")
    assert main(["predict", str(tmp_path / "missing.png"), str(not_an_image)]) == 1
    err = capsys.readouterr().err
    assert f"kerasdnn predict: load_digit(): no such file: {tmp_path / 'missing.png'}" in err
    assert f"kerasdnn predict: load_digit(): cannot read {not_an_image} as an image" in err
    assert "Traceback" not in err


def test_tune_smoke_writes_the_report(tmp_path, capsys):
    status = main(["tune", "--smoke", "--max-trials", "2", "--epochs", "1", "--directory", str(tmp_path)])
    assert status == 0
    report = tmp_path / "mnist_random" / "report"
    assert sorted(p.name for p in report.iterdir()) == ["best_hyperparameters.json", "scores.png", "trials.csv"]
    assert f"report in {report}" in capsys.readouterr().out


def test_tune_rejects_a_bad_tuner(capsys):
    with pytest.raises(SystemExit):
        main(["tune", "--tuner", "genetic"])
    assert "invalid choice: 'genetic'" in capsys.readouterr().err


def _fresh_python(code, environment=None):
    """Runs `code` in a fresh Python (with `sys` imported), as the installed `kerasdnn` script would."""
    return subprocess.run(
        [sys.executable, "-c", "import sys\n" + code], capture_output=True, text=True, timeout=120, env=environment
    )


def test_help_and_zoo_list_load_neither_keras_nor_a_backend():
    finished = _fresh_python(
        "from kerasdnn.cli import main\n"
        "for argv in (['--help'], ['zoo', 'list'], ['train', '--help'], ['tune', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(name for name in ('keras', 'tensorflow', 'jax', 'torch', 'numpy') if name in sys.modules))"
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "mnist_bn" in finished.stdout and finished.stdout.strip().endswith("[]")
    # A plain `import kerasdnn` loads nothing heavy either; Keras, imported
    # after it by anyone, knows kerasdnn's objects at once (an "is it
    # installed?" question before does not spend that), and each public name
    # loads its module on first use.
    plain = _fresh_python(
        "import importlib.util, kerasdnn\n"
        "print('keras' in sys.modules)\n"
        "importlib.util.find_spec('keras')\n"
        "import keras\n"
        "print([keras.saving.get_registered_object(f'kerasdnn>{name}') is not None for name in "
        "('LSUV', 'Maxout', 'WeightNormalization', 'CoupledSGD', 'NonFiniteBatch')])\n"
        "print(kerasdnn.mlp.__module__, 'kerasdnn.tuning' in sys.modules, kerasdnn.tuning.__name__)"
    )
    assert plain.stdout.splitlines() == [
        "False",
        "[True, True, True, True, True]",
        "kerasdnn.models False kerasdnn.tuning",
    ], plain.stderr[-2000:]


@pytest.mark.integration
@pytest.mark.parametrize(
    "chosen, expected, launcher",
    [
        (None, "jax", "command"),  # sets KERAS_BACKEND before Keras loads
        (None, "jax", "module"),  # Keras loaded already: runs itself again on JAX
        ("tensorflow", "tensorflow", "module"),
    ],
)
def test_train_runs_on_the_records_backend_unless_the_user_chose_one(tmp_path, chosen, expected, launcher):
    environment = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    output = tmp_path / str(chosen)
    arguments = ["train", "hanbat_bn_lstm", "--smoke", "--output-dir", str(output)]
    command = [
        sys.executable,
        "-c",
        f"import sys; sys.argv = ['kerasdnn', *{arguments!r}]; from kerasdnn.cli import main; sys.exit(main())",
    ]
    if launcher == "module":
        command = [sys.executable, "-m", "kerasdnn.cli", *arguments]
    extra = {"KERAS_BACKEND": chosen} if chosen else {"KERAS_HOME": str(tmp_path / "keras_home")}
    finished = subprocess.run(command, env={**environment, **extra}, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert json.loads((output / "results.json").read_text())["backend"] == expected
    assert f"hanbat_bn_lstm  {expected}" in finished.stdout


@pytest.mark.integration
def test_smoke_run_and_command_print_no_tensorflow_start_up_lines(tmp_path):
    # As a new user runs them: no log settings of their own.
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    recipe = subprocess.run(
        [
            sys.executable,
            str(REPOSITORY / "recipes" / "mnist_bn.py"),
            "--smoke",
            "--output-dir",
            str(tmp_path / "recipe"),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert recipe.returncode == 0, recipe.stderr[-2000:]
    assert recipe.stderr == ""
    assert "kerasdnn mnist_bn (570,122 parameters)" in recipe.stdout
    command = _fresh_python(
        f"from kerasdnn.cli import main; sys.exit(main(['train', 'hanbat_bn_lstm', '--smoke', "
        f"'--output-dir', {str(tmp_path / 'command')!r}]))"
    )
    assert command.returncode == 0, command.stderr[-2000:]
    assert command.stderr == ""


def test_start_up_filter_passes_everything_but_the_no_gpu_lines(capfd, monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    with kerasdnn.quiet.filtered_stderr():
        os.write(
            2,
            b"I0000 00:00:1.0 1 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.\n",
        )
        os.write(2, b"E0000 00:00:1.0 1 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n")
        os.write(2, b"I0000 gpu_device.cc:2019] Created device /job:localhost/device:GPU:0\n")
        os.write(2, b"a warning of our own\n")
    assert (
        capfd.readouterr().err
        == "I0000 gpu_device.cc:2019] Created device /job:localhost/device:GPU:0\na warning of our own\n"
    )
    # Asking TensorFlow for every line turns the filter off.
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "0")
    with kerasdnn.quiet.filtered_stderr():
        os.write(2, b"failed call to cuInit\n")
    assert capfd.readouterr().err == "failed call to cuInit\n"


@pytest.mark.integration
def test_ctrl_c_stops_training_with_one_line_and_the_rerun_resumes(tmp_path):
    import signal
    import time

    output = tmp_path / "xor"
    arguments = ["train", "xor_sigmoid", "--output-dir", str(output), "--epochs", "300"]
    # The interrupted run writes its files slowly (50 ms before each), so
    # that it cannot finish 300 epochs before this test sees its first backup
    # on a fast or a busy machine; the rerun is the plain command.
    slowed = (
        "import sys, time, kerasdnn.run_state as state\n"
        "state.before_file_operation = lambda operation, path: time.sleep(0.05)\n"
        "from kerasdnn.cli import main\n"
        "sys.exit(main(sys.argv[1:]))"
    )
    # Ctrl-C's default action in the child whatever the test process has: an
    # ignored SIGINT (as a pytest-xdist worker may have it) survives exec.
    process = subprocess.Popen(
        [sys.executable, "-c", slowed, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KERAS_BACKEND": "jax"},
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not list((output / "backup").glob("epoch-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process.poll() is None, "the run ended before its first backup was seen"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    epoch = int(last.split("interrupted after epoch ")[1].split(";")[0])
    assert last == f"kerasdnn train: interrupted after epoch {epoch}; run again to resume" and epoch >= 1
    assert "Traceback" not in stderr
    # The rerun goes on from the committed epoch: the history holds each epoch once.
    rerun = subprocess.run(
        [sys.executable, "-m", "kerasdnn.cli", *arguments], capture_output=True, text=True, timeout=600
    )
    assert rerun.returncode == 0, rerun.stderr
    with open(output / "history.csv") as handle:
        assert [int(line.split(",")[0]) for line in handle.readlines()[1:]] == list(range(300))


def test_train_refuses_a_backup_of_other_settings_unless_overwritten(tmp_path, capsys):
    assert main(["train", "xor_sigmoid", "--smoke", "--output-dir", str(tmp_path)]) == 0
    # A run of other settings killed mid-way leaves its backup.
    backup = kerasdnn.run_state.RunState(str(tmp_path / "backup"), str(tmp_path / "history.csv"))
    backup.start({"seed": 99})
    os.makedirs(tmp_path / "backup" / "epoch-0001")
    assert main(["train", "xor_sigmoid", "--smoke", "--output-dir", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"kerasdnn train: train(): {tmp_path}/backup holds 1 epochs of a different run (")
    assert error.endswith(
        "pass overwrite=True (--overwrite) to discard it and start afresh, or choose another output_dir"
    )
    assert main(["train", "xor_sigmoid", "--smoke", "--output-dir", str(tmp_path), "--overwrite"]) == 0
    assert not (tmp_path / "backup").exists()


def test_predict_with_a_weights_file_that_does_not_load_names_it(tmp_path, capsys):
    weights = tmp_path / "mine.weights.h5"
    weights.write_bytes(b"not weights")
    assert main(["predict", str(tmp_path / "digit.png"), "--weights", str(weights)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"kerasdnn predict: create_model(): {weights} does not load into 'mnist_bn' (")
    assert error.endswith("export the weights again from a trained 'mnist_bn' model with model.save_weights(...)")


@pytest.mark.parametrize("backend, hidden", [("jax", True), ("tensorflow", False)])
def test_tensorflow_is_kept_off_the_gpus_unless_it_is_the_backend(backend, hidden):
    # Records TensorFlow's device calls from its import on: the GPUs are
    # hidden before any op runs, and only on other backends.
    script = (
        "import tensorflow as tf\n"
        "calls = []\n"
        "original = tf.config.set_visible_devices\n"
        "tf.config.set_visible_devices = lambda *a, **k: (calls.append(a), original(*a, **k))\n"
        "import kerasdnn\n"  # hides the GPUs of the TensorFlow imported already, before any op of its own
        "print(calls)\n"
        "print(tf.config.get_visible_devices('GPU'))\n"
    )
    run = _fresh_python(script, {**os.environ, "KERAS_BACKEND": backend})
    assert run.returncode == 0, run.stderr[-2000:]
    calls, visible = run.stdout.strip().splitlines()[-2:]
    assert calls == ("[([], 'GPU')]" if hidden else "[]") and visible == "[]"


@pytest.mark.parametrize("backend", ["jax", "torch", "tensorflow"])
def test_tensorflow_imported_after_kerasdnn_by_anyone_is_kept_off_the_gpus_too(backend):
    if backend == "torch":
        pytest.importorskip("torch")  # .ci/run installs it after the default pass
    # The user's own `import tensorflow`, after kerasdnn's: kerasdnn decides
    # (hiding the GPUs unless the backend is TensorFlow) as TensorFlow's
    # import ends, once Keras, which it imports, knows its backend, and
    # before any op; TensorFlow's start-up lines are filtered. Asking first
    # whether TensorFlow is installed changes none of that.
    script = (
        "import importlib.util, kerasdnn, kerasdnn.quiet as quiet\n"
        "importlib.util.find_spec('tensorflow')\n"
        "backends = []\n"
        "original = quiet.keep_off_accelerators\n"
        "quiet.keep_off_accelerators = lambda tf: (backends.append(quiet._backend()), original(tf))\n"
        "import tensorflow as tf\n"
        "print(backends[-1], 'keras' in sys.modules)\n"
    )
    environment = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    run = _fresh_python(script, {**environment, "KERAS_BACKEND": backend})
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == [backend, "True"]
    assert not any(noise in run.stderr for noise in kerasdnn.quiet.NOISE), run.stderr
