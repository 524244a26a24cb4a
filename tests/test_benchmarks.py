"""The benchmarks themselves are not run here; their smoke mode and their README are."""

import json
import math
import runpy
import sys

import numpy as np
import pytest

from conftest import REPOSITORY

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("benchmarks")


BENCHMARKS = REPOSITORY / "benchmarks"


def _run(name, monkeypatch, *arguments):
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *arguments])
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # as `python benchmarks/NAME.py` has it, for `timing`
    runpy.run_path(str(BENCHMARKS / f"{name}.py"), run_name="__main__")


def test_scaling_smoke_writes_both_sweeps_and_the_linear_fit(tmp_path, monkeypatch):
    output = tmp_path / "scaling.json"
    _run("scaling", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True
    assert [row["batch_size"] for row in report["by_batch_size"]] == [32, 128]
    assert [row["samples"] for row in report["by_samples"]] == [256, 512]
    for row in report["by_batch_size"] + report["by_samples"]:
        assert row["seconds_per_epoch"] > 0
        assert row["samples_per_second"] == pytest.approx(row["samples"] / row["seconds_per_epoch"])
    # Two sizes: the fitted line passes through both points.
    fit = report["linear_fit"]
    for row in report["by_samples"]:
        predicted = fit["fixed_seconds_per_epoch"] + fit["seconds_per_1000_samples"] * row["samples"] / 1000
        assert predicted == pytest.approx(row["seconds_per_epoch"], rel=1e-6)
    assert fit["worst_relative_residual"] == pytest.approx(0, abs=1e-6)


def test_accelerator_smoke_measures_the_headline_the_deck_002_epoch_and_both_searches(
    tmp_path, monkeypatch, smoke_data_dir
):
    output = tmp_path / "accelerator.json"
    # The data as the accelerator machine gets it: .npz files in --data-dir.
    _run("accelerator", monkeypatch, "--smoke", "--output", str(output), "--data-dir", smoke_data_dir)
    report = json.loads(output.read_text())
    assert report["smoke"] is True and report["device"] == "cpu"  # no accelerator here
    contenders = {"keras_jax", "pytorch_eager", "keras_torch"} if _torch_installed() else {"keras_jax"}
    assert set(report["headline"]) == contenders
    for row in report["headline"].values():
        assert row["device"] == "cpu" and len(row["epoch_seconds"]) == 1  # a smoke run trains one epoch
        assert row["steady_epoch_seconds"] == row["epoch_seconds"][0] and 0 <= row["test_accuracy"] <= 1
    if _torch_installed():
        assert report["headline"]["pytorch_eager"]["parameters"] == 570_122  # the zoo record's count
    deck = report["cifar10_deck002"]
    assert deck["rows"]["cpu"] is None  # the accelerator row is the CPU already
    row = deck["rows"]["accelerator"]
    assert row["parameters"] == 164_682 and row["first_epoch_seconds"] > 0 and row["second_epoch_seconds"] > 0
    search = report["search"]
    assert [row["workers"] for row in search["rows"]] == [2, 1] and (search["max_trials"], search["epochs"]) == (2, 1)
    for row in search["rows"]:
        assert row["trials"] == 2 and row["trials_per_minute"] == pytest.approx(120 / row["seconds"])


def test_import_time_smoke_times_each_row_and_judges_the_targets(tmp_path, monkeypatch):
    output = tmp_path / "import_time.json"
    _run("import_time", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True and report["repeats"] == 1
    rows = {row["row"]: row for row in report["rows"]}
    assert list(rows) == [
        "import keras",
        "import kerasdnn without TensorFlow",
        "import kerasdnn and its first model, without TensorFlow",
        "kerasdnn --help",
    ]
    for row in rows.values():
        assert row["median_seconds"] == row["fastest_seconds"] == row["seconds"][0] > 0
    assert (
        rows["import kerasdnn without TensorFlow"]["target_seconds"],
        rows["kerasdnn --help"]["target_seconds"],
    ) == (3.0, 1.0)
    assert all(row["met"] == (row["median_seconds"] <= row["target_seconds"]) for row in rows.values() if "met" in row)


def _torch_installed():
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def test_the_pytorch_twin_is_the_headline_record_as_keras_builds_and_trains_it(monkeypatch):
    pytest.importorskip("torch")
    import keras

    import kerasdnn

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import headline

    info = kerasdnn.zoo.model_info("mnist_bn")
    assert headline.record_settings() == {
        "epochs": 15,
        "batch_size": 128,
        "drop_remainder": True,
        "learning_rate": 2e-3,
        "weight_decay": 0.05,
        "normalization": "scale",
    }
    assert (info.training["epochs"], info.training["batch_size"], info.training["optimizer"]["class_name"]) == (
        15,
        128,
        "AdamW",
    )
    twin, model = headline.build(), kerasdnn.zoo.create_model("mnist_bn")
    assert headline.weight_count(twin) == model.count_params() == info.parameters
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    linear = [layer for layer in twin if layer.__class__.__name__ == "Linear"]
    assert [(layer.in_features, layer.out_features, layer.bias is not None) for layer in linear] == [
        (layer.kernel.shape[0], layer.units, layer.use_bias) for layer in dense
    ]
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    twin_norms = [layer for layer in twin if layer.__class__.__name__ == "BatchNorm1d"]
    assert [value for layer in norms for value in (1 - layer.momentum, layer.epsilon)] == pytest.approx(
        [value for layer in twin_norms for value in (layer.momentum, layer.eps)]
    )
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [
        layer.p for layer in twin if layer.__class__.__name__ == "Dropout"
    ]
    # He normal truncated at two standard deviations: the first kernel's spread and bound, as Keras draws it.
    ours = linear[0].weight.detach().numpy()
    theirs = keras.ops.convert_to_numpy(dense[0].kernel_initializer(shape=(784, 512)))
    assert ours.std() == pytest.approx(math.sqrt(2 / 784), rel=0.01) == theirs.std()
    assert abs(ours).max() == pytest.approx(abs(theirs).max(), rel=0.01)


@pytest.mark.parametrize("drop_remainder, steps", [(True, 2), (False, 3)])
def test_the_pytorch_twin_leaves_out_the_last_smaller_batch_as_the_record_says(monkeypatch, drop_remainder, steps):
    torch = pytest.importorskip("torch")
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import headline

    rates = []
    step = torch.optim.AdamW.step

    def counting(self, *arguments, **options):
        rates.append(self.param_groups[0]["lr"])
        return step(self, *arguments, **options)

    monkeypatch.setattr(torch.optim.AdamW, "step", counting)
    generator = np.random.default_rng(0)
    pair = generator.uniform(size=(300, 28, 28, 1)).astype("float32"), generator.integers(0, 10, 300)
    settings = {"batch_size": 128, "learning_rate": 2e-3, "weight_decay": 0.05}
    headline.train_pytorch_eager(pair, pair, pair, epochs=2, drop_remainder=drop_remainder, **settings)
    # 300 images: two whole batches of 128 and one of 44; the cosine spans the steps taken.
    assert len(rates) == 2 * steps
    assert rates[steps] == pytest.approx(2e-3 * 0.5 * (1 + math.cos(math.pi * steps / (2 * steps))))


def test_epoch_ablation_smoke_times_each_added_part_against_the_floor(tmp_path, monkeypatch):
    output = tmp_path / "epoch_ablation.json"
    _run("epoch_ablation", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True and (report["samples"], report["epochs"], report["batch_size"]) == (1024, 2, 128)
    seconds = report["steady_epoch_seconds"]
    assert list(seconds) == ["floor", "dense_sgd", "batch_norm", "dropout", "adamw_cosine", "kerasdnn_train"]
    assert all(value > 0 for value in seconds.values())
    assert report["over_floor"] == pytest.approx({name: value / seconds["floor"] for name, value in seconds.items()})


def test_benchmarks_readme_is_generated_from_the_committed_results(monkeypatch):
    _run("report", monkeypatch, "--check")  # exits non-zero when README.md is stale
    readme = (BENCHMARKS / "README.md").read_text()
    committed = json.loads((BENCHMARKS / "results" / "backends.json").read_text())
    assert f"{committed['nets']['mnist_bn']['seconds_per_epoch']['kerasdnn_jax']:.2f}" in readme
    # Every section measured, but the GPU's where no accelerator run is committed.
    unmeasured = [line for line in readme.splitlines() if line.startswith("Not measured yet")]
    gpu_run = (BENCHMARKS / "results" / "accelerator.json").exists()
    assert unmeasured == (
        [] if gpu_run else ["Not measured yet: run `python benchmarks/accelerator.py --data-dir DIR`."]
    )


def test_committed_scaling_results_are_a_full_run():
    assert json.loads((BENCHMARKS / "results" / "scaling.json").read_text())["smoke"] is False


@pytest.mark.slow
def test_backends_smoke_times_every_family_on_every_backend(tmp_path, monkeypatch):
    output = tmp_path / "backends.json"
    _run("backends", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True and set(report["nets"]) == {"mnist_bn", "hanbat_bn_cnn", "hanbat_bn_lstm"}
    for entry in report["nets"].values():
        seconds = entry["seconds_per_epoch"]
        assert {"kerasdnn_jax", "kerasdnn_tensorflow", "keras_fit_jax", "keras_fit_tensorflow"} <= set(seconds)
        assert all(value > 0 for value in seconds.values())
        assert entry["fastest_backend"] == min(
            ("jax", "tensorflow", "torch"), key=lambda name: seconds.get(f"kerasdnn_{name}", float("inf"))
        )
    assert 0 < report["nets"]["mnist_bn"]["ratios"]["roofline_over_kerasdnn"] < 1


@pytest.mark.slow
def test_time_to_accuracy_smoke_times_every_contender_and_judges_the_targets(tmp_path, monkeypatch):
    output = tmp_path / "time_to_accuracy.json"
    _run("time_to_accuracy", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True and report["settings"]["epochs"] == 1
    assert list(report["rows"]) == ["recipe", "recipe_cached", "keras_fit", "keras_fit_spe32", "pytorch_eager"]
    for row in report["rows"].values():
        assert (
            row["wall_seconds"] > row["train_seconds"] == row["first_epoch_seconds"] == row["steady_epoch_seconds"] > 0
        )
    rows, ratios = report["rows"], report["ratios"]
    assert ratios["recipe_train_over_pytorch_eager"] == pytest.approx(
        rows["recipe"]["train_seconds"] / rows["pytorch_eager"]["train_seconds"]
    )
    assert ratios["recipe_steady_epoch_over_floor"] == pytest.approx(
        rows["recipe"]["steady_epoch_seconds"] / report["floor_seconds_per_epoch"]
    )
    assert report["met"] == {
        name: (ratios[name] >= target if name.startswith("accuracy") else ratios[name] <= target)
        for name, target in report["targets"].items()
    }


@pytest.mark.slow
def test_tuner_load_smoke_completes_every_trial(tmp_path, monkeypatch):
    output = tmp_path / "tuner_load.json"
    _run("tuner_load", monkeypatch, "--smoke", "--output", str(output))
    report = json.loads(output.read_text())
    assert report["smoke"] is True and [row["workers"] for row in report["rows"]] == [2]
    row = report["rows"][0]
    assert row["completed"] == row["trials"] == 10 and row["trials_per_second"] == pytest.approx(10 / row["seconds"])


def test_committed_tuner_load_results_are_a_full_run():
    report = json.loads((BENCHMARKS / "results" / "tuner_load.json").read_text())
    assert report["smoke"] is False and [row["workers"] for row in report["rows"]] == [4, 8, 16]
    assert all(row["completed"] == row["trials"] for row in report["rows"])
