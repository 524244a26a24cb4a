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


def test_zoo_list(capsys):
    assert main(["zoo", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "dataset", "parameters", "metric", "expected", "backend", "weights"]
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
    assert err.startswith("kerasdnn zoo: model_info(): name must be one of ") and "(did you mean 'lab10_relu_xavier'" in err
    assert "Traceback" not in err


def test_help_on_every_command(capsys):
    for argv in (["--help"], ["zoo", "--help"], ["zoo", "list", "--help"], ["zoo", "show", "--help"], ["train", "--help"],
                 ["predict", "--help"], ["tune", "--help"]):
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


@pytest.mark.integration
def test_train_runs_on_the_records_backend_unless_the_user_chose_one(tmp_path):
    environment = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    for chosen, expected in ((None, "jax"), ("tensorflow", "tensorflow")):
        output = tmp_path / str(chosen)
        command = [sys.executable, "-m", "kerasdnn.cli", "train", "hanbat_bn_lstm", "--smoke", "--output-dir", str(output)]
        extra = {"KERAS_BACKEND": chosen} if chosen else {"KERAS_HOME": str(tmp_path / "keras_home")}
        finished = subprocess.run(command, env={**environment, **extra}, capture_output=True, text=True, timeout=300)
        assert finished.returncode == 0, finished.stderr[-2000:]
        assert json.loads((output / "results.json").read_text())["backend"] == expected
        assert f"hanbat_bn_lstm  {expected}" in finished.stdout
