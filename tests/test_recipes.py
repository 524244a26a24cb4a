"""Every recipe's --smoke mode runs end to end, in this process (no new TensorFlow import)."""

import json
import runpy
import sys

import pytest

from conftest import REPOSITORY
from kerasdnn.reporting import replace_table, reproduction_table

RECIPES = REPOSITORY / "recipes"


def _run_recipe(name, monkeypatch, *arguments):
    monkeypatch.setattr(sys, "argv", [f"{name}.py", *arguments])
    runpy.run_path(str(RECIPES / f"{name}.py"), run_name="__main__")


def test_mnist_bn_smoke_writes_its_files_and_leaves_committed_results_alone(tmp_path, monkeypatch, capsys):
    committed = RECIPES / "results" / "mnist_bn.json"
    before = committed.read_bytes() if committed.exists() else None
    _run_recipe("mnist_bn", monkeypatch, "--smoke", "--output-dir", str(tmp_path))
    assert {p.name for p in tmp_path.iterdir()} == {"history.csv", "learning_curves.png", "model.keras", "results.json"}
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["epochs_run"] == 1 and results["parameters"] == 570_122
    assert results["settings"]["smoke"] and results["settings"]["train_samples"] == 470
    assert results["test"]["accuracy"] > 0.2  # one epoch on 470 images; chance is 0.1
    assert "kerasdnn mnist_bn (570,122 parameters)" in capsys.readouterr().out
    assert (committed.read_bytes() if committed.exists() else None) == before


def test_recipe_rejects_bad_arguments(monkeypatch, capsys):
    with pytest.raises(SystemExit):
        _run_recipe("mnist_bn", monkeypatch, "--epochs", "0")
    assert "argument --epochs: must be an integer >= 1; received 0" in capsys.readouterr().err


def test_readme_reproduction_table_is_generated_from_results():
    readme = (REPOSITORY / "README.md").read_text()
    assert replace_table(readme, reproduction_table(RECIPES / "results")) == readme
    assert "| `mnist_bn` |" in readme


def test_every_committed_result_comes_from_a_full_run():
    for path in (RECIPES / "results").glob("*.json"):
        results = json.loads(path.read_text())
        assert not results["settings"].get("smoke"), path
