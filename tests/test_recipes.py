"""Every recipe's --smoke mode runs end to end, in this process (no new TensorFlow import)."""

import copy
import json
import math
import re
import runpy
import sys

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn.experiments import replace_result_comment, replace_table, reproduction_table, result_comments

from conftest import REPOSITORY

RECIPES = REPOSITORY / "recipes"


def _run_recipe(name, monkeypatch, *arguments):
    """Runs a recipe as `python recipes/NAME.py ARGUMENTS` does; returns its globals."""
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *arguments])
    return runpy.run_path(str(RECIPES / f"{name}.py"), run_name="__main__")


def test_mnist_bn_smoke_writes_its_files_and_leaves_committed_results_alone(tmp_path, monkeypatch, capsys):
    committed = RECIPES / "results" / "mnist_bn.json"
    before = committed.read_bytes() if committed.exists() else None
    # Two seeds asked for: a smoke run keeps them, one run each.
    recipe = _run_recipe("mnist_bn", monkeypatch, "--smoke", "--output-dir", str(tmp_path), "--seeds", "3", "4")
    _the_recipes_nets_are_the_zoo_records(recipe)
    assert {p.name for p in tmp_path.iterdir()} == {"seed_3", "seed_4", "mnist_bn.json"}
    accuracies = []
    for seed in (3, 4):
        run = tmp_path / f"seed_{seed}"
        assert {p.name for p in run.iterdir()} == {"history.csv", "learning_curves.png", "model.keras", "results.json"}
        results = json.loads((run / "results.json").read_text())
        assert results["seed"] == seed and results["epochs_run"] == 1 and results["parameters"] == 570_122
        assert results["settings"]["smoke"] and results["settings"]["train_samples"] == 470
        assert results["test"]["accuracy"] > 0.2  # one epoch on 470 images; chance is 0.1
        accuracies.append(results["test"]["accuracy"])
    assert accuracies[0] != accuracies[1]  # two seeds, two different runs
    # The table shows their mean and sample standard deviation.
    row = next(
        line for line in capsys.readouterr().out.splitlines() if "kerasdnn mnist_bn (570,122 parameters)" in line
    )
    mean, std = sum(accuracies) / 2, abs(accuracies[0] - accuracies[1]) / 2**0.5
    assert row.split(")")[-1].split()[:3] == [f"{mean:.4g}", f"{std:.4g}", "2"]
    # The summary a full run commits reports the same mean and spread, over both seeds.
    summary = json.loads((tmp_path / "mnist_bn.json").read_text())["summary"]
    assert summary["ours"] == pytest.approx(mean) and summary["std"] == pytest.approx(std)
    assert summary["seeds"] == [3, 4] and summary["epochs"] == 1
    # The figure (and the weights --export-weights ships) are the best validation seed's.
    best = {seed: json.loads((tmp_path / f"seed_{seed}" / "results.json").read_text())["best"] for seed in (3, 4)}
    assert best[3]["val_accuracy"] != best[4]["val_accuracy"]
    expected = max(best, key=lambda seed: best[seed]["val_accuracy"])
    assert json.loads((tmp_path / "mnist_bn.json").read_text())["best_validation_seed"] == expected
    assert (committed.read_bytes() if committed.exists() else None) == before


def _the_recipes_nets_are_the_zoo_records(recipe):
    """The recipe's networks, optimizer and settings equal its zoo records', so that the two cannot drift."""
    import keras

    parser, build_model, build_optimizer = recipe["parser"], recipe["build_model"], recipe["build_optimizer"]
    for dataset, name in (("mnist", "mnist_bn"), ("fashion_mnist", "fashion_bn")):
        info = kerasdnn.zoo.model_info(name)
        build_model.__globals__["net"] = recipe["NETS"][dataset]  # as --dataset DATASET chooses it
        assert build_model().get_config() == kerasdnn.zoo.create_model(name).get_config()
        assert recipe["NETS"][dataset]["epochs"] == info.training["epochs"]
        assert recipe["NETS"][dataset]["drop_remainder"] is info.training["drop_remainder"]
        assert parser.get_default("batch_size") == info.training["batch_size"]
        assert parser.get_default("learning_rate") == info.training["learning_rate"]
        assert {"class_name": "AdamW", "config": {"weight_decay": parser.get_default("weight_decay")}} == (
            info.training["optimizer"]
        )
        assert info.training["schedule"] == "cosine" and info.training["loss"] == "sparse_categorical_crossentropy"
    # The optimizer as zoo.train_model builds it from the record, for this run's epochs and samples.
    samples, epochs, batch_size = len(recipe["x_train"]), recipe["epochs"], recipe["args"].batch_size
    build_model.__globals__["net"] = recipe["NETS"]["mnist"]
    record = kerasdnn.zoo.model_info("mnist_bn").training
    expected = kerasdnn.optimizers.get(
        dict(record["optimizer"]),
        learning_rate=kerasdnn.optimizers.cosine_schedule(
            record["learning_rate"],
            epochs=epochs,
            samples=samples,
            batch_size=batch_size,
            drop_remainder=record["drop_remainder"],
        ),
    )
    built = build_optimizer()

    def config(optimizer):  # less the name Keras numbers (adam_w, adam_w_1, ...)
        return {key: value for key, value in optimizer.get_config().items() if key != "name"}

    assert isinstance(built, keras.optimizers.AdamW) and config(built) == config(expected)
    # The headline leaves out each epoch's last, smaller batch: whole batches only.
    assert built.get_config()["learning_rate"]["config"]["decay_steps"] == epochs * (samples // batch_size)


# recipe → (files it must write under --output-dir, keys of its summary JSON)
SMOKE_OUTPUTS = {
    "lr_sweep": (["lr_sweep.json", "linear_loss_curves.png", "mnist_lr_range.png"], ["linear", "mnist"]),
    "normalization": (["normalization.json", "stock_loss.png", "table_loss.png"], ["rows"]),
    "regularization": (["regularization.json", "val_loss_curves.png", "gap.png"], ["rows", "cures"]),
    "optimizers": (["optimizers.json", "val_accuracy.png", "deck_val_accuracy.png"], ["rows", "deck_settings"]),
    "batch_norm": (["batch_norm.json", "mlp_val_accuracy.png", "cnn/results.json", "lstm/results.json"], ["rows"]),
    "mnist_digits": (
        ["mnist_digits.json", "samples.png", "confusion_matrix.png", "misclassified.png", "recognized_input.png"],
        ["class_counts", "pixels", "confused_pairs", "recognized"],
    ),
    "mnist_ladder": (["ladder.json", "ladder.png", "lab10_bn/seed_0/results.json"], ["rungs"]),
    "perceptron": (["perceptron.json", "decision_boundaries.png"], ["rows"]),
    "xor": (["xor.json", "loss.png", "decision_boundaries.png"], ["rows"]),
    "xor_gates": (["xor_gates.json", "half_planes.png"], ["rows", "gates"]),
    "bn_claims": (
        [
            "bn_claims.json",
            "bn_claims.png",
            "init/he_normal_batch/seed_0/results.json",
            "regularizer/dropout/seed_0/results.json",
        ],
        ["initializers", "spread", "regularizer", "modes"],
    ),
    "normalizations": (["normalizations.json", "normalizations.png", "cnn/weight/seed_0/results.json"], ["rows"]),
    "logistic_regression": (
        ["logistic_regression.json", "decision_boundary.png", "results.json"],
        ["boundary", "test_accuracy", "bayes_accuracy"],
    ),
    "backprop": (["backprop.json", "loss.png"], ["finite_differences", "versus_keras", "xor"]),
    "activations": (
        ["activations.json", "functions.png", "derivatives.png", "gradient_norms.png", "ranking.png"],
        ["rows", "vanishing"],
    ),
    "init_histograms": (["init_histograms.json", "histograms.png"], ["layers", "trained"]),
    "init_table": (["init_table.json", "LSUV_maxout/results.json"], ["rows", "table", "paper"]),
    "fashion_ladder": (["ladder.json", "ladder.png", "tobigs_l2/seed_0/results.json"], ["rungs"]),
    "ladder_gaps": (
        ["ladder_gaps.json", "ladder_gaps.png", "softmax_lab/seed_0/results.json", "l2_coupled/seed_0/results.json"],
        ["rows"],
    ),
    "optimizer_paths": (
        ["optimizer_paths.json", "gd_vs_sgd.png", "paths.png", "step_lengths.png"],
        ["descent", "paths", "adagrad"],
    ),
    "sparsity": (["sparsity.json", "magnitudes.png"], ["rows", "matched"]),
    "relu": (["relu.json", "training_error.png"], ["race", "dead_units"]),
    "ensemble": (["ensemble.json", "ensemble.png"], ["dropout", "rows"]),
    "losses": (["losses.json", "val_accuracy.png"], ["rows"]),
    "cpu_vs_gpu": (["cpu_vs_gpu.json", "cpu_spe1/results.json"], ["rows", "data_source"]),
    "tune_mnist": (
        ["tune_mnist.json", "best.keras", "finalist1/results.json", "tuner/tune_mnist/report/trials.csv"],
        ["best_hyperparameters", "trials", "test_accuracy", "untuned", "finalists", "runs"],
    ),
}


def _committed(name):
    path = RECIPES / "results" / f"{name}.json"
    return path.read_bytes() if path.exists() else None


class _SmokeRuns:
    """Each recipe's --smoke run, made on first use: `runs[name]` is `(output folder, summary JSON)`.

    `recipes[name]` holds the run's globals (its networks, as the recipe builds them).
    """

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.runs = {}
        self.recipes = {}

    def __getitem__(self, name):
        if name not in self.runs:
            output = self.tmp_path_factory.mktemp(name)
            before = _committed(name)
            with pytest.MonkeyPatch.context() as monkeypatch:
                self.recipes[name] = _run_recipe(name, monkeypatch, "--smoke", "--output-dir", str(output))
            assert _committed(name) == before, f"{name} --smoke touched recipes/results"
            self.runs[name] = (output, json.loads((output / SMOKE_OUTPUTS[name][0][0]).read_text()))
        return self.runs[name]


@pytest.fixture(scope="module")
def smoke_runs(tmp_path_factory):
    """The recipes' smoke runs, each made once per test process by the first test that reads it."""
    return _SmokeRuns(tmp_path_factory)


def _recipe_group(name):
    # Tests that read one recipe's run share a pytest-xdist worker; the
    # recipes themselves spread over the workers.
    return pytest.mark.xdist_group(f"recipe_{name}")


@pytest.mark.parametrize("name", [pytest.param(name, marks=_recipe_group(name)) for name in sorted(SMOKE_OUTPUTS)])
def test_recipe_smoke_writes_its_files(name, smoke_runs):
    output, payload = smoke_runs[name]
    files, keys = SMOKE_OUTPUTS[name]
    for file in files:
        assert (output / file).is_file(), file
        if file.endswith(".png"):
            assert (output / file).read_bytes()[:4] == b"\x89PNG"
    assert set(keys) <= set(payload) and payload["settings"]["smoke"]
    assert {"recipe", "reproduces", "metric", "reference", "ours", "epochs", "train_seconds"} <= set(payload["summary"])
    for key in keys:
        assert payload[key] not in (None, [], {}, ""), f"{name}: {key} is empty"
    _check_values(name, payload)
    summary_numbers_come_from_the_details(name, payload)


# Keys whose numbers are fractions (accuracies), by name.
_FRACTIONS = ("accuracy", "final_accuracy", "best_accuracy", "val_accuracy", "ours_accuracy")


def _check_values(where, value, key=""):
    """Every number is finite (None stands for NaN), and accuracies lie in [0, 1]."""
    if isinstance(value, dict):
        for child_key, child in value.items():
            _check_values(f"{where}.{child_key}", child, child_key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_values(f"{where}[{index}]", child, key)
    elif isinstance(value, float):
        assert math.isfinite(value), where
        if key in _FRACTIONS:
            assert 0.0 <= value <= 1.0, f"{where} = {value}"
        if key in ("train_seconds", "seconds_per_epoch", "epoch_seconds"):
            assert value >= 0.0, where


def _numbers(value):
    """Every number in a JSON value, recursively."""
    if isinstance(value, dict):
        return [number for child in value.values() for number in _numbers(child)]
    if isinstance(value, list):
        return [number for child in value for number in _numbers(child)]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [float(value)]
    return []


_TOKEN = re.compile(r"(?<![\w.:=/])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _shown_as(number, token):
    """Whether `token` is how a table shows `number` (as is, or as a percentage)."""
    if "e" in token.lower():
        return any(math.isclose(candidate, float(token), rel_tol=5e-3) for candidate in (number, 100 * number))
    decimals = len(token.split(".")[1]) if "." in token else 0
    tolerance = 0.5 * 10**-decimals + 1e-9
    return any(abs(candidate - float(token)) <= tolerance for candidate in (number, 100 * number))


def summary_numbers_come_from_the_details(name, payload):
    """Each number the summary reports as `ours` stands in the file's detailed fields."""
    details = _numbers({key: value for key, value in payload.items() if key not in ("summary", "settings")})
    ours = payload["summary"]["ours"]
    tokens = [repr(ours)] if isinstance(ours, (int, float)) else _TOKEN.findall(str(ours))
    for token in tokens:
        assert any(_shown_as(number, token) for number in details), f"{name}: summary shows {token}, no detail holds it"


@_recipe_group("lr_sweep")
def test_lr_sweep_smoke_still_detects_the_divergence_at_rate_10(smoke_runs):
    linear = {row["learning_rate"]: row for row in smoke_runs["lr_sweep"][1]["linear"]}
    assert linear[10.0]["diverged"] and linear[10.0]["diverged_at_step"] >= 1 and linear[10.0]["final_loss"] is None
    # R² on the held-out split: well above 0 where the loss falls (the smoke run is
    # short), absent where it diverged.
    assert linear[0.1]["final_val_r2"] > 0.5 and linear[10.0]["final_val_r2"] is None
    assert not linear[0.1]["diverged"] and linear[0.1]["final_loss"] < linear[0.001]["final_loss"]


@_recipe_group("normalization")
def test_normalization_smoke_shows_nan_raw_and_finite_min_max(smoke_runs):
    rows = {row["experiment"]: row for row in smoke_runs["normalization"][1]["rows"]}
    assert rows["stock rows, none"]["diverged"] and rows["stock rows, none"]["final_loss"] is None
    assert not rows["stock rows, min_max"]["diverged"] and rows["stock rows, min_max"]["final_loss"] < 10
    # R² on the two held-out rows, 1 − MSE / variance, their close prices
    # min-max scaled by the six rows fitted on (lab-07-2's table).
    close = np.array([831.659973, 828.070007, 824.159973, 819.23999, 818.97998, 820.450012, 813.669983, 809.559998])
    held_out = (close[6:] - close[:6].min()) / (close[:6].max() - close[:6].min())
    scaled = rows["stock rows, min_max"]
    assert scaled["held_out_r2"] == pytest.approx(1 - scaled["final_val_loss"] / held_out.var(), rel=1e-3)
    assert rows["stock rows, none"]["held_out_r2"] is None


# The recipes that train networks the zoo records (mnist_bn: its own test).
SHOWN_NETWORKS = {
    "batch_norm": ["hanbat_optimizer_net", "hanbat_bn_mlp", "hanbat_bn_cnn", "hanbat_bn_lstm"],
    "cpu_vs_gpu": ["cifar10_deck002"],
    "fashion_ladder": [
        "tobigs_linear",
        "tobigs_relu",
        "tobigs_he",
        "tobigs_bn",
        "tobigs_adam",
        "tobigs_dropout",
        "tobigs_l2",
    ],
    "ladder_gaps": ["lab10_softmax", "tobigs_relu", "tobigs_he", "tobigs_dropout", "tobigs_l2"],
    "lr_sweep": ["hanbat_lr_linear", "mnist_bn"],
    "mnist_digits": ["mnist_bn"],
    "mnist_ladder": [
        "lab10_softmax",
        "lab10_relu_normal",
        "lab10_relu_xavier",
        "lab10_deep_xavier",
        "lab10_deep_dropout",
        "lab10_bn",
        "lab10_6_plain",
        "lab10_6_bn",
    ],
    "optimizer_paths": ["hanbat_lr_linear"],
    "optimizers": ["hanbat_optimizer_net"],
    "xor": ["xor_linear", "xor_sigmoid"],
}


@_recipe_group("fashion_ladder")
def test_fashion_ladder_smoke_trains_each_rung_with_its_records_settings(smoke_runs):
    output, payload = smoke_runs["fashion_ladder"]
    names = [row["model"] for row in payload["rungs"]]
    assert names == SHOWN_NETWORKS["fashion_ladder"]
    _runs_follow_their_records(output, names)
    recipe = smoke_runs.recipes["fashion_ladder"]
    for name in names:
        record = kerasdnn.zoo.model_info(name).training
        assert (recipe["EPOCHS"], recipe["BATCH_SIZE"]) == (record["epochs"], record["batch_size"]), name


@_recipe_group("ladder_gaps")
def test_ladder_gaps_changes_only_the_setting_each_experiment_tests(smoke_runs):
    output, payload = smoke_runs["ladder_gaps"]
    recipe = smoke_runs.recipes["ladder_gaps"]
    # The settings the recipe shows are its records' (their layers: test_the_networks_a_recipe_shows_are_its_zoo_records).
    assert list(recipe["TRAINING"]) == SHOWN_NETWORKS["ladder_gaps"]
    for name, training in recipe["TRAINING"].items():
        info = kerasdnn.zoo.model_info(name)
        assert (training["dataset"], training["epochs"], training["batch_size"]) == (
            info.dataset,
            info.training["epochs"],
            info.training["batch_size"],
        ), name
        recorded = kerasdnn.optimizers.get(
            copy.deepcopy(info.training["optimizer"]), learning_rate=info.training["learning_rate"]
        )
        shown = training["optimizer"]()
        assert type(shown) is type(recorded), name
        assert {**shown.get_config(), "name": None} == {**recorded.get_config(), "name": None}, name
    # Each arm's run: the record it stands for, then the one setting its experiment changes.
    arms = {
        "softmax_zoo": ("lab10_softmax", "lab10_softmax", 100, "Adam"),
        "softmax_lab": ("lab10_softmax", "lab10_softmax_lab_init", 100, "Adam"),
        "tobigs_relu_batch_32": ("tobigs_relu", "tobigs_relu", 32, "SGD"),
        "tobigs_he_batch_32": ("tobigs_he", "tobigs_he", 32, "SGD"),
        "l2_kernel": ("tobigs_l2", "tobigs_l2", 128, "Adam"),
        "l2_coupled": ("tobigs_dropout", "tobigs_dropout", 128, "CoupledAdam"),
    }
    for folder, expected in arms.items():
        run = json.loads((output / folder / "seed_0" / "results.json").read_text())
        dataset = "mnist" if expected[0].startswith("lab10") else "fashion_mnist"
        assert (run["settings"]["zoo_model"], run["model"], run["batch_size"], run["optimizer"]["name"]) == expected
        assert (run["settings"]["dataset"], run["epochs"]) == (dataset, 1), folder
    assert [(row["experiment"], row["rung"]) for row in payload["rows"]] == [
        ("softmax init", "lab10_softmax"),
        ("softmax init", "lab10_softmax"),
        ("SGD batch size", "tobigs_relu"),
        ("SGD batch size", "tobigs_he"),
        ("L2", "tobigs_l2"),
        ("L2", "tobigs_l2"),
    ]


@_recipe_group("mnist_ladder")
def test_mnist_ladder_smoke_compares_each_rung_with_its_reference(smoke_runs):
    rungs = smoke_runs["mnist_ladder"][1]["rungs"]
    assert [row["model"] for row in rungs] == SHOWN_NETWORKS["mnist_ladder"]
    assert [row["reference"] for row in rungs] == [0.9194, 0.9455, 0.9783, 0.9742, 0.9804, 0.9826, 0.9574, 0.9766]
    # The networks and settings the recipe shows are the records', and its runs trained with them.
    recipe = smoke_runs.recipes["mnist_ladder"]
    assert list(recipe["NETWORKS"]) == list(recipe["TRAINING"]) == [row["model"] for row in rungs]
    for name in recipe["NETWORKS"]:  # their layers: test_the_networks_a_recipe_shows_are_its_zoo_records
        record = kerasdnn.zoo.model_info(name).training
        assert recipe["TRAINING"][name] == {key: record[key] for key in ("epochs", "batch_size", "learning_rate")}
        assert (record["optimizer"], record["loss"], record["normalization"]) == (
            "adam",
            "sparse_categorical_crossentropy",
            "scale",
        )
    _runs_follow_their_records(smoke_runs.runs["mnist_ladder"][0], [row["model"] for row in rungs])


@pytest.mark.parametrize("name", [pytest.param(name, marks=_recipe_group(name)) for name in sorted(SHOWN_NETWORKS)])
def test_the_networks_a_recipe_shows_are_its_zoo_records(name, smoke_runs):
    smoke_runs[name]
    networks = smoke_runs.recipes[name]["NETWORKS"]
    assert list(networks) == SHOWN_NETWORKS[name]
    for record, build_model in networks.items():
        assert build_model().get_config() == kerasdnn.zoo.create_model(record).get_config(), record
    if name == "batch_norm":  # the deep net with batch norm, its record's other setting
        built = smoke_runs.recipes[name]["deep_net"](batch_norm=True).get_config()
        assert built == kerasdnn.zoo.create_model("hanbat_optimizer_net", batch_norm=True).get_config()


def _runs_follow_their_records(output_dir, names):
    """Each rung's smoke run (`NAME/seed_0/results.json`) trained its record's net with its record's settings."""
    for name in names:
        info = kerasdnn.zoo.model_info(name)
        run = json.loads((output_dir / name / "seed_0" / "results.json").read_text())
        optimizer = info.training["optimizer"]
        class_name, config = (
            (optimizer, {}) if isinstance(optimizer, str) else (optimizer["class_name"], optimizer["config"])
        )
        assert (run["model"], run["parameters"], run["epochs"]) == (name, info.parameters, 1)
        assert (run["batch_size"], run["loss"]) == (info.training["batch_size"], info.training["loss"]), name
        assert run["optimizer"]["name"].lower() == class_name.lower(), name
        rate = info.training["learning_rate"]  # None where the optimizer's config holds it
        for key, value in {**config, **({} if rate is None else {"learning_rate": rate})}.items():
            assert run["optimizer"][key] == pytest.approx(value, rel=1e-6), (name, key)


@_recipe_group("tune_mnist")
def test_tune_mnist_starts_from_the_headline_and_judges_the_choice_against_its_record(smoke_runs):
    payload = smoke_runs["tune_mnist"][1]
    first = next(row for row in payload["trials"] if int(row["trial"]) == 0)
    assert {
        key: first[key]
        for key in (
            "depth",
            "units_1",
            "units_2",
            "units_3",
            "dropout",
            "optimizer",
            "weight_decay",
            "learning_rate",
            "batch_size",
            "schedule",
        )
    } == {
        "depth": 3,
        "units_1": 512,
        "units_2": 256,
        "units_3": 128,
        "dropout": 0.2,
        "optimizer": "adamw",
        "weight_decay": 0.05,
        "learning_rate": 0.002,
        "batch_size": 128,
        "schedule": "cosine",
    }
    committed = json.loads((RECIPES / "results" / "mnist_bn.json").read_text())["test_accuracy"]
    assert payload["untuned"] == committed
    tuned = payload["test_accuracy"]
    assert tuned["values"] == [run["test"]["accuracy"] for run in payload["runs"]] and tuned["runs"] == 1
    margin = tuned["mean"] - committed["mean"]
    assert payload["summary"]["verdict"] == (
        f"tuned − untuned {margin:+.4f} ≤ larger std {committed['std']:.4f}: does not pay"
    )


@_recipe_group("perceptron")
def test_perceptron_learns_and_or_but_not_xor(smoke_runs):
    rows = {row["gate"]: row for row in smoke_runs["perceptron"][1]["rows"]}
    assert rows["AND"]["final_accuracy"] == 1.0 and rows["OR"]["final_accuracy"] == 1.0
    assert rows["XOR"]["best_accuracy"] <= 0.75


@_recipe_group("logistic_regression")
def test_logistic_regression_boundary_is_minus_bias_over_weight(smoke_runs):
    payload = smoke_runs["logistic_regression"][1]
    assert payload["boundary"] == pytest.approx(-payload["bias"] / payload["weight"])
    # 30 epochs already put the boundary within a couple of hours of the true 5,
    # and the held-out accuracy well above chance.
    assert 3 < payload["boundary"] < 7 and payload["test_accuracy"] > 0.7 and 0.8 < payload["bayes_accuracy"] < 1


@_recipe_group("bn_claims")
def test_bn_claims_shows_each_claim(smoke_runs):
    payload = smoke_runs["bn_claims"][1]
    rows = {(row["initializer"], row["bn"]): row for row in payload["initializers"]}
    # N(0, 1) weights through eight ReLU layers: logits near 1e8, a NaN loss
    # at once; batch norm rescales each layer and trains.
    assert rows["N(0, 1)", False]["diverged"] == 1 and rows["N(0, 1)", False]["test_accuracy"] is None
    assert rows["N(0, 1)", True]["diverged"] == 0 and rows["N(0, 1)", True]["test_accuracy"] is not None
    assert payload["spread"]["without BN"]["diverged"] == ["N(0, 1)"] and payload["spread"]["with BN"]["diverged"] == []
    assert [row["net"] for row in payload["regularizer"]] == ["plain", "Dropout(0.3)", "BN, no dropout"]
    inference, *training = payload["modes"]
    assert inference["mode"] == "inference" and inference["mean_abs_difference"] == 0.0
    modes = {row["batch_size"]: row for row in training}
    assert sorted(modes) == [1, 2, 8, 32, 256]
    # Batch size 1 in training mode: every pre-activation is normalized by
    # itself to 0, so every image gets one and the same output.
    assert modes[1]["distinct_outputs"] == 1 < inference["distinct_outputs"] == inference["batch_size"]
    assert modes[256]["mean_abs_difference"] > 0


@_recipe_group("normalizations")
def test_normalizations_trains_each_one_where_it_applies(smoke_runs):
    rows = {(row["network"], row["normalization"]): row for row in smoke_runs["normalizations"][1]["rows"]}
    names = ["None", "batch", "layer", "group", "instance", "weight"]
    assert sorted(rows) == sorted((network, name) for network in ("Fashion-MNIST MLP", "MNIST CNN") for name in names)
    instance = rows["Fashion-MNIST MLP", "instance"]
    assert not instance["applies"] and "a Dense output has none" in instance["reason"]
    # The batch-norm nets are the zoo's records; each other normalization
    # changes the parameters by what it adds per hidden unit (512 + 256 + 128
    # in the MLP, 32 filters in the CNN): 4 for batch norm (2 of them
    # statistics), 2 for layer and group norm, 1 (g) for weight norm.
    mlp = {name: rows["Fashion-MNIST MLP", name]["parameters"] for name in names if name != "instance"}
    assert mlp["batch"] == kerasdnn.zoo.model_info("tobigs_bn").parameters == mlp["None"] + 4 * 896
    assert mlp["layer"] == mlp["group"] == mlp["None"] + 2 * 896 and mlp["weight"] == mlp["None"] + 896
    cnn = {name: rows["MNIST CNN", name]["parameters"] for name in names}
    assert cnn["batch"] == kerasdnn.zoo.model_info("hanbat_bn_cnn").parameters == cnn["None"] + 4 * 32
    assert cnn["layer"] == cnn["group"] == cnn["instance"] == cnn["None"] + 2 * 32
    # Weight norm wraps both convolutions: a g per filter each.
    assert cnn["weight"] == cnn["None"] + 2 * 32
    for row in rows.values():
        if row["applies"]:
            assert 0.0 <= row["test_accuracy"] <= 1.0 and row["seconds_per_epoch"] > 0
            assert row["epochs_to_target_values"][0] in (1, None)


@_recipe_group("cpu_vs_gpu")
def test_cpu_vs_gpu_records_each_devices_one_epoch_accuracy_and_its_data(smoke_runs):
    payload = smoke_runs["cpu_vs_gpu"][1]
    # No CIFAR-10 offline: generated arrays, labelled so in every row.
    assert payload["data_source"] == "generated"
    for row in payload["rows"]:
        assert row["data"] == "generated" and 0.0 <= row["test_accuracy"] <= 1.0


@_recipe_group("xor_gates")
def test_xor_from_gates_prints_each_stages_truth_table(smoke_runs):
    rows = smoke_runs["xor_gates"][1]["rows"]
    # The gates' truth tables, written out by hand.
    assert [(row["x1"], row["x2"]) for row in rows] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [row["NAND"] for row in rows] == [1, 1, 1, 0] and [row["OR"] for row in rows] == [0, 1, 1, 1]
    assert [row["AND(NAND, OR)"] for row in rows] == [0, 1, 1, 0] == [row["XOR"] for row in rows]
    assert smoke_runs["xor_gates"][1]["summary"]["ours"] == "1.00"


def test_xor_in_full_linear_stays_at_chance_sigmoid_learns(tmp_path, monkeypatch):
    # Small enough to run as the recipe runs it: 10,000 full-batch steps.
    before = _committed("xor")
    _run_recipe("xor", monkeypatch, "--output-dir", str(tmp_path), "--results-dir", str(tmp_path / "results"))
    assert (tmp_path / "results" / "xor.json").is_file() and _committed("xor") == before
    # The main figure goes beside the results file, for the README's table.
    assert (tmp_path / "results" / "xor.png").read_bytes() == (tmp_path / "decision_boundaries.png").read_bytes()
    linear, sigmoid = json.loads((tmp_path / "xor.json").read_text())["rows"]
    assert linear["accuracy"] == 0.5 and linear["loss"] == pytest.approx(0.6931, abs=1e-3)
    assert sigmoid["accuracy"] == 1.0 and sigmoid["loss"] < 0.0136


@_recipe_group("backprop")
def test_backprop_by_hand_matches_finite_differences_and_keras_then_learns_xor(smoke_runs):
    payload = smoke_runs["backprop"][1]
    assert set(payload["finite_differences"]) == set(payload["versus_keras"]) == {"W1", "b1", "W2", "b2"}
    assert max(payload["finite_differences"].values()) < 1e-6 and max(payload["versus_keras"].values()) < 1e-4
    outputs = payload["xor"]["outputs"]
    assert payload["xor"]["accuracy"] == 1.0 and outputs[0] < 0.5 < min(outputs[1:3]) and outputs[3] < 0.5


@_recipe_group("optimizer_paths")
def test_optimizer_paths_show_gd_crawling_sgd_oscillating_and_adagrad_shrinking(smoke_runs):
    payload = smoke_runs["optimizer_paths"][1]
    slow = {row["method"]: row for row in payload["descent"] if row["learning_rate"] == 0.01}
    assert slow["GD"]["updates"] < slow["SGD"]["updates"] and slow["GD"]["final_loss"] > 10 * slow["SGD"]["final_loss"]
    paths = {row["optimizer"]: row for row in payload["paths"]}
    assert paths["sgd"]["y_crossings"] > paths["momentum"]["y_crossings"]
    adagrad = {row["optimizer"]: row for row in payload["adagrad"]}["adagrad"]
    assert adagrad["step_10"] < 0.5 * adagrad["step_1"]


@_recipe_group("optimizer_paths")
def test_optimizer_paths_walk_the_ravines_own_gradient_and_count_its_floor_crossings(smoke_runs):
    rows = {row["optimizer"]: row for row in smoke_runs["optimizer_paths"][1]["paths"]}
    recipe = smoke_runs.recipes["optimizer_paths"]
    ravine, gradient = recipe["ravine"], recipe["ravine_gradient"]
    for point in [(-7.0, 2.0), (3.0, -0.5), (0.25, 1.5)]:
        step = 1e-4
        numeric = [
            (ravine(np.add(point, delta)) - ravine(np.subtract(point, delta))) / (2 * step)
            for delta in ([step, 0.0], [0.0, step])
        ]
        assert gradient(np.array(point)) == pytest.approx(numeric, rel=1e-3)
    for name, path in recipe["paths"].items():
        y = path[:, 1]
        assert rows[name]["y_crossings"] == sum(1 for a, b in zip(y, y[1:]) if (a > 0) != (b > 0)), name
        assert rows[name]["end"] == pytest.approx(list(path[-1]), abs=1e-4)


@_recipe_group("sparsity")
def test_sparsity_l1_zeroes_more_weights_than_l2_at_the_same_strength(smoke_runs):
    rows = {(row["penalty"], row["strength"]): row for row in smoke_runs["sparsity"][1]["rows"]}
    assert rows[("l1", 1e-3)]["zero_share"] > rows[("l2", 1e-3)]["zero_share"] > 0
    assert rows[("l1", 1e-3)]["zero_share"] > rows[("none", None)]["zero_share"]


@_recipe_group("relu")
def test_relu_counts_dead_units_per_rate_and_activation(smoke_runs):
    rows = smoke_runs["relu"][1]["dead_units"]
    assert {(row["activation"], row["learning_rate"]) for row in rows} == {
        (activation, rate) for activation in ("relu", "leaky_relu_0.1") for rate in (0.01, 0.1, 0.3, 1.0)
    }
    assert all(row["dead_share"] is None if row["diverged"] else 0 <= row["dead_share"] <= 1 for row in rows)
    assert [row["activation"] for row in smoke_runs["relu"][1]["race"]] == ["relu", "tanh", "sigmoid"]


@_recipe_group("relu")
def test_relu_dead_share_counts_units_dead_for_every_image(smoke_runs):
    smoke_runs["relu"]  # runs the recipe, keeping its globals
    recipe = smoke_runs.recipes["relu"]
    model = recipe["relu_net"]("relu", "hand_set")
    images = np.random.default_rng(0).uniform(size=(50, 28, 28, 1)).astype("float32")  # pixels in [0, 1)
    dead = {"block1_dense": [0, 3, 7], "block2_dense": [], "block3_dense": [1, 255]}
    for name, units in dead.items():
        layer = model.get_layer(name)
        # Every input is >= 0: positive weights and bias keep a unit alive, negative ones kill it.
        kernel = np.full(layer.kernel.shape, 0.01, "float32")
        bias = np.full(layer.bias.shape, 0.1, "float32")
        kernel[:, units], bias[units] = -0.01, -0.1
        layer.set_weights([kernel, bias])
    # 5 of the 3 × 256 hidden units; no image silences a whole layer, so a count per image would be 0.
    assert recipe["dead_share"](model, images) == pytest.approx(5 / (3 * 256))
    # The last net trained is the leaky one: deck 002's max(0.1x, x), as its rows' label says.
    leaky = [layer for layer in recipe["model"].layers if isinstance(layer, keras.layers.LeakyReLU)]
    assert [layer.negative_slope for layer in leaky] == pytest.approx([0.1] * 3)


@_recipe_group("init_histograms")
def test_constant_init_keeps_one_distinct_unit_per_layer_through_training(smoke_runs):
    trained = {row["init"]: row["distinct_units"] for row in smoke_runs["init_histograms"][1]["trained"]}
    assert trained["zeros"] == trained["ones"] == [1, 1] and trained["glorot_uniform"] == [64, 64]
    last = {row["config"]: row for row in smoke_runs["init_histograms"][1]["layers"] if row["layer"] == 5}
    assert last["tanh, 0.01·randn"]["std"] < 0.01 < 0.9 < abs(last["tanh, 1.0·randn"]["std"])


@_recipe_group("ensemble")
def test_dropout_facts_show_inverted_scaling(smoke_runs):
    facts = smoke_runs["ensemble"][1]["dropout"]
    assert facts["training_values"] == [0.0, 2.0] and facts["inference_values"] == [1.0]
    assert facts["training_mean"] == pytest.approx(1.0, abs=0.05)
    assert facts["training_fraction_zero"] == pytest.approx(0.5, abs=0.05)


@_recipe_group("ensemble")
def test_the_ensemble_averages_differently_seeded_members(smoke_runs):
    rows = smoke_runs["ensemble"][1]["rows"]
    recipe = smoke_runs.recipes["ensemble"]
    probabilities, y_test, seed = recipe["probabilities"], recipe["y_test"], recipe["args"].seed
    assert [row["model"] for row in rows[:-1]] == [f"member {i} (seed {seed + i})" for i in range(2)]
    assert not np.allclose(probabilities[0], probabilities[1])  # two seeds, two nets
    for row, member in zip(rows, probabilities):
        assert row["test_accuracy"] == pytest.approx(float((member.argmax(axis=1) == y_test).mean()))
    averaged = (probabilities[0] + probabilities[1]) / 2
    assert rows[-1]["test_accuracy"] == pytest.approx(float((averaged.argmax(axis=1) == y_test).mean()))


@_recipe_group("cpu_vs_gpu")
def test_cpu_vs_gpu_times_the_164682_parameter_net_and_names_its_data(smoke_runs):
    payload = smoke_runs["cpu_vs_gpu"][1]
    assert payload["data_source"] in ("generated", "tfds cifar10")
    assert {row["parameters"] for row in payload["rows"]} == {164_682}
    assert all(row["seconds_per_epoch"] > 0 for row in payload["rows"])


@_recipe_group("activations")
def test_activations_show_the_vanishing_gradient(smoke_runs):
    ratio = smoke_runs["activations"][1]["first_to_last_gradient_ratio"]
    assert ratio["sigmoid"] < 0.01 < ratio["relu"]


def test_recipe_rejects_bad_arguments(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        _run_recipe("mnist_bn", monkeypatch, "--epochs", "0")
    assert "argument --epochs: must be an integer >= 1; received 0" in capsys.readouterr().err


def test_the_decks_page_lists_every_deck_with_its_recipes_and_is_current(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["reproduction_table.py", "--check"])
    runpy.run_path(str(RECIPES / "reproduction_table.py"), run_name="__main__")  # exits 1 when any file is stale
    page = (REPOSITORY / "docs" / "decks.md").read_text()
    sections = re.split(r"^## ", page, flags=re.M)[1:]
    assert [section.split(":")[0] for section in sections] == [f"Deck 00{number}" for number in range(5)]
    listed = {
        section.split(":")[0]: re.findall(r"^- \*\*`recipes/(\w+)\.py`\*\*", section, flags=re.M)
        for section in sections
    }
    assert "mnist_bn" in listed["Deck 004"] and "cpu_vs_gpu" in listed["Deck 002"] and "backprop" in listed["Deck 001"]
    assert "mnist_ladder" not in listed["Deck 000"]  # "55,000 images" names no deck
    every = {name for names in listed.values() for name in names}
    assert every == {path.stem for path in RECIPES.glob("*.py")} - {"reproduction_table"}  # each recipe, somewhere


def test_readme_table_and_recipe_results_are_generated_from_the_results_files():
    readme = (REPOSITORY / "README.md").read_text()
    assert replace_table(readme, reproduction_table(RECIPES / "results")) == readme
    assert "| `mnist_bn` |" in readme
    comments = result_comments(RECIPES / "results")
    assert set(comments) == {path.stem for path in RECIPES.glob("*.py")} - {"reproduction_table"}
    for recipe, comment in comments.items():
        source = (RECIPES / f"{recipe}.py").read_text()
        assert replace_result_comment(source, comment) == source, f"{recipe}: run python recipes/reproduction_table.py"


@pytest.mark.parametrize("path", sorted((RECIPES / "results").glob("*.json")), ids=lambda path: path.stem)
def test_every_committed_result_is_a_full_run_whose_summary_agrees_with_its_details(path):
    results = json.loads(path.read_text())
    assert not results["settings"].get("smoke"), path
    _check_values(path.stem, results)
    summary_numbers_come_from_the_details(path.stem, results)


def test_nothing_cites_a_file_outside_the_repository():
    # The decks are cited by number and section; the notes they were read
    # into are not part of kerasdnn.
    outside = "SPEC" + ".md"
    citing = [
        str(path.relative_to(REPOSITORY))
        for pattern in ("*.py", "*.md")
        for path in REPOSITORY.rglob(pattern)
        if ".git" not in path.parts and outside in path.read_text()
    ]
    assert citing == []
