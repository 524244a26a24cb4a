"""The benchmarks themselves are not run here; their smoke mode and their README are."""

import json
import runpy
import sys

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


def test_benchmarks_readme_is_generated_from_the_committed_results(monkeypatch):
    _run("report", monkeypatch, "--check")  # exits non-zero when README.md is stale
    readme = (BENCHMARKS / "README.md").read_text()
    committed = json.loads((BENCHMARKS / "results" / "backends.json").read_text())
    assert f"{committed['nets']['mnist_bn']['seconds_per_epoch']['kerasdnn_jax']:.2f}" in readme
    assert "Not measured yet" not in readme


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
            ("jax", "tensorflow", "torch"), key=lambda name: seconds.get(f"kerasdnn_{name}", float("inf")))
    assert 0 < report["nets"]["mnist_bn"]["ratios"]["roofline_over_kerasdnn"] < 1


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

