"""The recipes' shared parser and the seed statistics behind the reproduction table."""

import pathlib

import pytest

from kerasdnn import results, seeds
from kerasdnn.data import SMOKE_TEST_SAMPLES, SMOKE_TRAIN_SAMPLES
from kerasdnn.experiments import recipe_parser, recording, tables

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("reporting"), pytest.mark.core]


def _parser(**options):
    return recipe_parser("doc", **{"epochs": 5, "batch_size": 32, "output_dir": "runs/x", **options})


def test_a_full_run_keeps_the_recipes_sizes_and_a_smoke_run_takes_the_smoke_sizes():
    parser = _parser(train_samples=20_000)
    full = parser.parse_args([])
    assert (full.epochs, full.train_samples, full.test_samples, full.seed) == (5, 20_000, None, 0)
    smoke = parser.parse_args(["--smoke", "--epochs", "7"])
    assert (smoke.epochs, smoke.train_samples, smoke.test_samples) == (1, SMOKE_TRAIN_SAMPLES, SMOKE_TEST_SAMPLES)


def test_smoke_epochs_and_a_recipe_without_an_epochs_default():
    assert _parser(smoke_epochs=20).parse_args(["--smoke"]).epochs == 20
    assert _parser(epochs=None).parse_args([]).epochs is None
    assert _parser(epochs=None).parse_args(["--smoke"]).epochs == 1


def test_seeds_default_to_the_recipes_and_a_smoke_run_keeps_the_first():
    parser = _parser(seeds=(0, 1, 2))
    assert parser.parse_args([]).seeds == [0, 1, 2]
    assert parser.parse_args(["--seeds", "4", "5"]).seeds == [4, 5]
    assert parser.parse_args(["--smoke"]).seeds == [0]
    # Seeds asked for are kept: a smoke run can check the loop over them.
    assert parser.parse_args(["--seeds", "4", "5", "--smoke"]).seeds == [4, 5]
    assert not hasattr(parser.parse_args([]), "seed")


def test_a_negative_seed_is_refused_with_the_argument_named(capsys):
    with pytest.raises(SystemExit):
        _parser(seeds=(0,)).parse_args(["--seeds", "1", "-3"])
    assert "argument --seeds: must be an integer >= 0; received -3" in capsys.readouterr().err


def test_seed_statistics_are_the_mean_and_sample_standard_deviation():
    spread = seeds.seed_statistics([0.98, 0.99, None, 1.0])
    assert spread["mean"] == pytest.approx(0.99) and spread["std"] == pytest.approx(0.01)
    assert spread["runs"] == 3 and spread["values"] == [0.98, 0.99, None, 1.0]
    one = seeds.seed_statistics([0.5])
    assert one["std"] is None and recording.spread_text(one["mean"], one["std"]) == "0.5000"
    assert recording.spread_text(0.98683, 0.00071) == "0.9868 ± 0.0007"


@pytest.mark.parametrize(
    "mean, std, reproduced",
    [
        (0.9226, None, True),  # 0.32 point from 0.9194: inside MNIST's 0.5-point band
        (0.9259, 0.0005, False),  # 0.65 point, two std 0.1 point
        (0.9259, 0.0040, True),  # 0.65 point, but two std 0.8 point
    ],
)
def test_a_mean_reproduces_within_two_std_or_the_band(mean, std, reproduced):
    spread = {"mean": mean, "std": std}
    assert seeds.reproduces(spread, 0.9194, seeds.band("mnist", "test accuracy")) is reproduced


def test_nothing_is_judged_without_a_reference_or_a_band():
    spread = {"mean": 0.5, "std": 0.1}
    assert seeds.reproduces(spread, None, 0.005) is None
    assert seeds.reproduces(spread, 0.5, seeds.band("mnist", "test mse")) is None
    assert seeds.band("fashion_mnist", "validation accuracy") == 0.01


def test_a_ladder_summary_counts_the_rungs_that_reproduce_and_names_the_others():
    rows = [
        {
            "model": "a",
            "reference": 0.9,
            "ours": 0.9065,
            "std": 0.001,
            "seeds": [0, 1, 2],
            "difference": 0.0065,
            "reproduced": False,
            "epochs": 15,
            "train_seconds": 10.0,
        },
        {
            "model": "b",
            "reference": 0.8,
            "ours": 0.801,
            "std": 0.002,
            "seeds": [0, 1, 2],
            "difference": 0.001,
            "reproduced": True,
            "epochs": 15,
            "train_seconds": 5.0,
        },
        {
            "model": "c",
            "reference": None,
            "ours": 1.5,
            "std": None,
            "seeds": [0, 1, 2],
            "difference": None,
            "reproduced": None,
            "epochs": 3,
            "train_seconds": 1.0,
        },
    ]
    summary = recording.ladder_summary(rows, recipe="r", reproduces="x", metric="m")
    assert summary["verdict"] == "1 of 2 rungs reproduce; outside (points): a +0.65"
    assert summary["ours"] == "0.9065 ± 0.0010 / 0.8010 ± 0.0020 / 1.5000"
    assert summary["seeds"] == [0, 1, 2] and summary["train_seconds"] == 16.0


@pytest.mark.parametrize(
    "values, expected",
    [
        ([0.3, 0.08, 0.04, 0.03], 3),  # counted from 1, as Keras's logs count epochs
        ([0.04], 1),
        ([0.3, 0.05], None),  # the bar itself is not below it
        ([0.3, None, 0.01], 3),  # a missing value never counts
        ([], None),
    ],
)
def test_first_epoch_counts_from_one_and_none_when_never_reached(values, expected):
    assert recording.first_epoch(values, lambda error: error < 0.05) == expected


def test_target_verdict():
    assert recording.target_verdict({"mean": 0.9871}, 0.987) == "target ≥ 0.987: met"
    assert recording.target_verdict({"mean": 0.9864}, 0.987) == "target ≥ 0.987: missed"


@pytest.mark.parametrize(
    "values, mean, std",
    [
        ([1.0, 2.0, 4.0], 7 / 3, (21 / 9) ** 0.5),  # odd count: deviations −4/3, −1/3, 5/3 over n − 1 = 2
        ([1.0, 3.0], 2.0, 2**0.5),  # even count: deviations ±1 over n − 1 = 1
        ([0.25, None, 0.75, 0.5, 1.0], 0.625, (0.3125 / 3) ** 0.5),  # the diverged seed is left out
    ],
)
def test_seed_statistics_by_hand(values, mean, std):
    spread = seeds.seed_statistics(values)
    assert spread["mean"] == pytest.approx(mean, abs=1e-12) and spread["std"] == pytest.approx(std, abs=1e-12)
    assert spread["runs"] == sum(value is not None for value in values) and spread["values"] == values


def test_seed_statistics_of_no_number_is_none():
    assert seeds.seed_statistics([None, None]) == {"mean": None, "std": None, "values": [None, None], "runs": 0}
    assert seeds.seed_statistics([]) == {"mean": None, "std": None, "values": [], "runs": 0}


@pytest.mark.parametrize(
    "mean, std, band, reproduced",
    [
        (0.5, None, 0.25, True),  # exactly at the band (binary fractions, no rounding)
        (0.5, 0.125, 0.0625, True),  # exactly at two std
        (0.5, 0.1, 0.01, False),  # 0.25 away: outside two std (0.2), inside three (0.3)
        (0.5, None, 0.01, False),  # no std: the band alone
        (0.0, None, 0.25, True),  # below the reference as above it
        (0.0, 0.0, 0.125, False),
    ],
)
def test_reproduces_at_its_boundaries(mean, std, band, reproduced):
    assert seeds.reproduces({"mean": mean, "std": std}, 0.25, band) is reproduced


def test_a_target_met_exactly_is_met_and_no_mean_misses():
    assert recording.target_verdict({"mean": 0.5}, 0.5) == "target ≥ 0.5: met"
    assert recording.target_verdict({"mean": None}, 0.5) == "target ≥ 0.5: missed"


def test_improvement_verdict_by_hand():
    assert recording.improvement_verdict({"mean": 0.75, "std": 0.125}, {"mean": 0.5, "std": None}) == (
        "tuned − untuned +0.2500 > larger std 0.1250: pays"
    )
    assert recording.improvement_verdict({"mean": 0.625, "std": None}, {"mean": 0.5, "std": 0.125}) == (
        "tuned − untuned +0.1250 ≤ larger std 0.1250: does not pay"
    )
    assert recording.improvement_verdict({"mean": None, "std": None}, {"mean": 0.5, "std": 0.1}) == (
        "tuned − untuned: not measured"
    )


def test_a_ladder_summary_is_exactly_its_rows():
    rows = [
        {
            "model": "a",
            "reference": 0.9,
            "ours": 0.9065,
            "std": 0.001,
            "seeds": [3, 4],
            "difference": 0.0065,
            "reproduced": False,
            "epochs": 15,
            "train_seconds": 10.0,
        },
        {
            "model": "b",
            "reference": None,
            "ours": 1.5,
            "std": None,
            "seeds": [3, 4],
            "difference": None,
            "reproduced": None,
            "epochs": 3,
            "train_seconds": 1.5,
        },
    ]
    assert recording.ladder_summary(rows, recipe="r", reproduces="x", metric="m") == {
        "recipe": "r",
        "reproduces": "x",
        "metric": "m",
        "reference": "0.9000 / -",
        "ours": "0.9065 ± 0.0010 / 1.5000",
        "seeds": [3, 4],
        "verdict": "0 of 1 rungs reproduce; outside (points): a +0.65",
        "epochs": "15 / 3",
        "train_seconds": 11.5,
    }
    two = recording.ladder_summary(
        [rows[0], {**rows[0], "model": "c", "difference": -0.01, "reference": 1}],
        recipe="r",
        reproduces="x",
        metric="m",
    )
    assert two["verdict"] == "0 of 2 rungs reproduce; outside (points): a +0.65, c -1.00"
    assert two["reference"] == "0.9000 / 1"  # a whole number as written
    # One rung that reproduces: nothing is named outside.
    one = recording.ladder_summary([{**rows[0], "reproduced": True}], recipe="r", reproduces="x", metric="m")
    assert (one["verdict"], one["seeds"], one["epochs"]) == ("1 of 1 rungs reproduce", [3, 4], "15")


def test_format_table_aligns_columns_and_shows_an_empty_table():
    from kerasdnn.console import format_table

    assert format_table([{"a": 0.123456, "bb": None}, {"a": "long text"}], ["a", "bb"]).splitlines() == [
        "a          bb",
        "---------  --",
        "0.1235     - ",
        "long text  - ",
    ]
    assert format_table([], ["trial", "score"]).splitlines() == ["trial  score", "-----  -----"]


def test_write_json_is_whole_refuses_nan_and_stores_numpy_numbers(tmp_path):
    import json

    import numpy as np

    path = tmp_path / "r.json"
    assert results.write_json(str(path), {"a": np.float32(0.5), "b": np.arange(3), "c": np.int64(2)}) == str(path)
    assert json.loads(path.read_text()) == {"a": 0.5, "b": [0, 1, 2], "c": 2}
    assert path.read_text() == '{\n  "a": 0.5,\n  "b": [\n    0,\n    1,\n    2\n  ],\n  "c": 2\n}\n'  # indent 2
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        results.write_json(str(path), {"a": float("nan")})
    with pytest.raises(TypeError, match=r"^write_json\(\): cannot store object in JSON$"):
        results.write_json(str(path), {"a": object()})
    # The earlier file is left whole, and nothing half-written beside it.
    assert json.loads(path.read_text())["c"] == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_record_result_writes_full_runs_only_with_the_backend_and_the_figure(tmp_path):
    import json

    import keras

    (tmp_path / "curve.png").write_bytes(b"png")
    target = tmp_path / "results" / "x.json"
    assert recording.record_result(str(target), {"summary": 1}, smoke=True, figure=str(tmp_path / "curve.png")) is None
    assert not (tmp_path / "results").exists()
    assert recording.record_result(str(target), {"summary": 1}, smoke=False, figure=str(tmp_path / "curve.png")) == str(
        target
    )
    assert json.loads(target.read_text()) == {"summary": 1, "backend": keras.backend.backend()}
    assert (tmp_path / "results" / "x.png").read_bytes() == b"png"
    # --results-dir: the same name in another folder; a recorded backend is kept.
    other = recording.record_result(str(target), {"backend": "torch"}, smoke=False, results_dir=str(tmp_path / "other"))
    assert other == str(tmp_path / "other" / "x.json") and json.loads((tmp_path / "other" / "x.json").read_text()) == {
        "backend": "torch"
    }
    assert not (tmp_path / "other" / "x.png").exists()
    # The folder exists now: writing again replaces the file.
    assert recording.record_result(str(target), {"summary": 2}, smoke=False) == str(target)
    assert json.loads(target.read_text())["summary"] == 2
    assert sorted(path.name for path in (tmp_path / "results").iterdir()) == ["x.json", "x.png"]


def test_a_recipe_killed_while_recording_leaves_the_committed_figure_whole(tmp_path, monkeypatch):
    from kerasdnn import run_state

    (tmp_path / "curve.png").write_bytes(b"new figure")
    results = tmp_path / "results"
    results.mkdir()
    (results / "x.png").write_bytes(b"old figure")

    def killed(operation, path):
        if operation == "rename":
            raise KeyboardInterrupt

    monkeypatch.setattr(run_state, "before_file_operation", killed)
    with pytest.raises(KeyboardInterrupt):
        recording.record_result(str(results / "x.json"), {}, smoke=False, figure=str(tmp_path / "curve.png"))
    assert [(path.name, path.read_bytes()) for path in results.iterdir()] == [("x.png", b"old figure")]


def test_finish_recipe_writes_the_output_folder_and_in_full_runs_the_results(tmp_path):
    import argparse
    import json

    recipe = tmp_path / "recipes" / "my_recipe.py"
    recipe.parent.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "fig.png").write_bytes(b"f")
    arguments = argparse.Namespace(output_dir=str(tmp_path / "out"), smoke=True, results_dir=None)
    assert recording.finish_recipe(str(recipe), {"summary": {}}, arguments, figure="fig.png") is None
    assert json.loads((tmp_path / "out" / "my_recipe.json").read_text()) == {"summary": {}}
    assert not (tmp_path / "recipes" / "results").exists()
    arguments.smoke = False
    written = recording.finish_recipe(
        str(recipe), {"summary": {}}, arguments, output_name="named.json", figure="fig.png"
    )
    assert written == str(tmp_path / "recipes" / "results" / "my_recipe.json")
    assert (tmp_path / "out" / "named.json").is_file() and (
        tmp_path / "recipes" / "results" / "my_recipe.png"
    ).is_file()
    # --results-dir, and no figure: only the JSON, in that folder.
    arguments.results_dir = str(tmp_path / "elsewhere")
    assert recording.finish_recipe(str(recipe), {"summary": {}}, arguments) == str(
        tmp_path / "elsewhere" / "my_recipe.json"
    )
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["my_recipe.json"]


def test_finish_recipe_names_its_files_and_finds_its_figure_in_the_folder_given(tmp_path):
    import argparse
    import json

    recipe = tmp_path / "recipes" / "my_recipe.py"
    recipe.parent.mkdir()
    run = tmp_path / "runs" / "net_b"
    (run / "seed_1").mkdir(parents=True)
    (run / "seed_1" / "curves.png").write_bytes(b"seed 1")
    arguments = argparse.Namespace(output_dir=None, smoke=False, results_dir=None)  # the recipe chose the folder
    written = recording.finish_recipe(
        str(recipe), {"summary": {"ours": 1}}, arguments, name="net_b", output_dir=str(run), figure="seed_1/curves.png"
    )
    assert written == str(tmp_path / "recipes" / "results" / "net_b.json")
    assert json.loads((run / "net_b.json").read_text())["summary"] == {"ours": 1}
    assert (tmp_path / "recipes" / "results" / "net_b.png").read_bytes() == b"seed 1"
    assert sorted(p.name for p in (tmp_path / "recipes" / "results").iterdir()) == ["net_b.json", "net_b.png"]


def _summary(**changes):
    return {
        "recipe": "r",
        "reproduces": "deck 1 §2",
        "metric": "test accuracy",
        "reference": 0.98,
        "ours": 0.9868,
        "std": 0.0007,
        "seeds": [0, 1, 2],
        "verdict": "reproduced",
        "epochs": 15,
        "train_seconds": 61.6,
        **changes,
    }


def test_reproduction_table_and_result_comments_are_built_from_the_files(tmp_path):
    import json

    (tmp_path / "b_recipe.json").write_text(json.dumps({"summary": _summary(recipe="b_recipe"), "backend": "jax"}))
    (tmp_path / "b_recipe.png").write_bytes(b"")
    (tmp_path / "a_one.json").write_text(
        json.dumps({"seed": 4, "summary": _summary(recipe="a_one", ours="0.5 / 0.6", std=None, seeds=None, verdict="")})
    )
    (tmp_path / "fashion_bn.json").write_text(
        json.dumps({"settings": {"seed": 2}, "summary": _summary(recipe="mnist_bn", seeds=None), "backend": "torch"})
    )
    (tmp_path / "no_summary.json").write_text(json.dumps({"rows": []}))
    table = tables.reproduction_table(tmp_path, figures_url="figs").splitlines()
    assert table[2:] == [
        "| `a_one` | deck 1 §2 | test accuracy | 0.98 | 0.5 / 0.6 | 1 | - | 15 | 62 s | tensorflow (not recorded) | - |",
        "| `b_recipe` | deck 1 §2 | test accuracy | 0.98 | 0.9868 ± 0.0007 | 3 | reproduced | 15 | 62 s | jax "
        "| [b_recipe.png](figs/b_recipe.png) |",
        "| `mnist_bn` | deck 1 §2 | test accuracy | 0.98 | 0.9868 ± 0.0007 | 1 | reproduced | 15 | 62 s | torch | - |",
    ]
    comments = tables.result_comments(tmp_path)
    assert sorted(comments) == ["a_one", "b_recipe", "mnist_bn"]
    assert comments["a_one"] == (
        "## Result\n# Generated by recipes/reproduction_table.py from the results files; do not edit.\n"
        "# recipes/results/a_one.json (seed 4, tensorflow (not recorded) backend, 2-core\n"
        "#   CPU): test accuracy: 0.5 / 0.6; reference 0.98; 15 epochs, 62 s of\n#   training.\n"
    )
    assert "(seeds 0 1 2, jax backend" in comments["b_recipe"] and "(reproduced)" in comments["b_recipe"]
    assert "recipes/results/fashion_bn.json (seed 2, torch backend" in comments["mnist_bn"]


def test_replacing_the_generated_blocks_keeps_everything_else():
    text = f"head\n{tables.TABLE_START}\nold\n{tables.TABLE_END}\ntail\n"
    assert tables.replace_table(text, "new") == f"head\n{tables.TABLE_START}\nnew\n{tables.TABLE_END}\ntail\n"
    with pytest.raises(ValueError, match=r"^replace_table\(\): text must contain the markers"):
        tables.replace_table("no markers", "new")
    source = '"""doc"""\ncode()\n# ## Result\n# old\n# ## Discussion\n# kept\n'
    assert tables.replace_result_comment(source, "## Result\n# new\n") == (
        '"""doc"""\ncode()\n# ## Result\n# new\n\n## Discussion\n# kept\n'
    )
    assert tables.replace_result_comment("a\n## Result\nold", "## Result\nnew\n") == "a\n## Result\nnew\n"
    with pytest.raises(ValueError, match=r"^replace_result_comment\(\): the recipe must contain a '## Result' block$"):
        tables.replace_result_comment("nothing", "x")
    assert recording.figure_path("recipes/results/x.json") == "recipes/results/x.png"


def test_recipe_help_states_every_default(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = " ".join(_parser(learning_rate=0.5, seeds=(0, 1)).format_help().split())
    for expected in (
        "usage: ",
        "doc",
        "--epochs EPOCHS epochs to train (default: 5)",
        "--batch-size BATCH_SIZE samples per batch (default: 32)",
        "--learning-rate LEARNING_RATE initial learning rate (default: 0.5)",
        "--data-dir DATA_DIR folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own, "
        "downloading on first use)",
        "--output-dir OUTPUT_DIR where the run's files go (default: runs/x)",
        "--seeds SEEDS [SEEDS ...] random seeds, one run each; results report their mean and standard deviation "
        "(default: 0 1; a smoke run takes the first unless --seeds is given)",
        "--results-dir RESULTS_DIR where a full run writes its summary JSON (default: recipes/results, the README "
        "table's source)",
        f"--smoke quick check: {SMOKE_TRAIN_SAMPLES} training samples, 1 epoch(s); leaves recipes/results alone",
    ):
        assert expected in text, expected
    unset = " ".join(_parser(epochs=None, batch_size=None, output_dir=None).format_help().split())
    assert "epochs to train (default: set by the recipe)" in unset
    assert "samples per batch (default: set by the recipe)" in unset
    assert "where the run's files go (default: runs/ and the run's name)" in unset
    assert "--seed SEED random seed (default: 0)" in unset and "--learning-rate" not in unset


@pytest.mark.parametrize(
    "parse, text, value",
    [
        ("positive_int", "1", 1),
        ("positive_int", "12", 12),
        ("non_negative_int", "0", 0),
        ("port", "1", 1),
        ("port", "65535", 65535),
        ("positive_float", "0.25", 0.25),
        ("positive_float", "1e-3", 1e-3),
    ],
)
def test_command_line_numbers_at_their_bounds(parse, text, value):
    from kerasdnn import console

    assert getattr(console, parse)(text) == value


@pytest.mark.parametrize(
    "parse, text, message",
    [
        ("positive_int", "0", "must be an integer >= 1; received 0"),
        ("positive_int", "x", "must be an integer >= 1; received x"),
        ("positive_int", "1.5", "must be an integer >= 1; received 1.5"),
        ("non_negative_int", "-1", "must be an integer >= 0; received -1"),
        ("non_negative_int", "", "must be an integer >= 0; received "),
        ("port", "0", r"must be an integer in \[1, 65535\]; received 0"),
        ("port", "65536", r"must be an integer in \[1, 65535\]; received 65536"),
        ("port", "80O0", r"must be an integer in \[1, 65535\]; received 80O0"),
        ("positive_float", "0", "must be a number > 0; received 0"),
        ("positive_float", "inf", "must be a number > 0; received inf"),
        ("positive_float", "nan", "must be a number > 0; received nan"),
        ("positive_float", "one", "must be a number > 0; received one"),
    ],
)
def test_command_line_numbers_out_of_range_are_refused(parse, text, message):
    import argparse

    from kerasdnn import console

    with pytest.raises(argparse.ArgumentTypeError, match=f"^{message}$"):
        getattr(console, parse)(text)


def test_recipe_parser_keeps_argparse_arguments_and_namespace():
    import argparse

    from kerasdnn.experiments import RecipeParser

    parser = RecipeParser("my-recipe", full_run={"train_samples": 9}, smoke_run={}, add_help=False)
    parser.add_argument("--smoke", action="store_true")
    assert parser.prog == "my-recipe" and not parser.add_help
    namespace = argparse.Namespace(kept=1)
    parsed = parser.parse_args([], namespace)
    assert parsed is namespace and (parsed.kept, parsed.train_samples, parsed.smoke) == (1, 9, False)


def test_finish_ladder_prints_draws_and_records_the_ladder(tmp_path, capsys, monkeypatch):
    import argparse
    import json

    from kerasdnn import plotting
    from kerasdnn.experiments import finish_ladder

    drawn = {}
    draw = plotting.plot_comparison
    monkeypatch.setattr(
        plotting, "plot_comparison", lambda *args, **kwargs: drawn.update(args=args, **kwargs) or draw(*args, **kwargs)
    )

    recipe = tmp_path / "recipes" / "some_ladder.py"
    (tmp_path / "recipes").mkdir()
    (tmp_path / "out").mkdir()
    rows = [
        {
            "model": "a",
            "reference": 0.9,
            "ours": 0.91,
            "std": 0.01,
            "seeds": [0, 1],
            "difference": 0.01,
            "reproduced": True,
            "epochs": 2,
            "train_seconds": 3.0,
        }
    ]
    arguments = argparse.Namespace(output_dir=str(tmp_path / "out"), smoke=False, results_dir=None, seeds=[0, 1])
    written = finish_ladder(
        str(recipe), rows, arguments, source="deck", reproduces="x", metric="test accuracy", title="t", ylim=(0.8, 1.0)
    )
    assert written == str(tmp_path / "recipes" / "results" / "some_ladder.json")
    payload = json.loads((tmp_path / "out" / "ladder.json").read_text())
    assert payload["rungs"] == rows and payload["settings"]["seeds"] == [0, 1]
    assert payload["summary"] == recording.ladder_summary(
        rows, recipe="some_ladder", reproduces="x", metric="test accuracy"
    )
    assert (tmp_path / "out" / "ladder.png").stat().st_size > 0
    assert drawn["args"] == (["a"], {"deck": [0.9], "kerasdnn": [0.91]}, str(tmp_path / "out" / "ladder.png"))
    assert (drawn["ylabel"], drawn["title"], drawn["ylim"], drawn["errors"]) == (
        "test accuracy",
        "t",
        (0.8, 1.0),
        {"kerasdnn": [0.01]},
    )
    assert (tmp_path / "recipes" / "results" / "some_ladder.png").is_file()
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == [
        "model",
        "reference",
        "ours",
        "std",
        "difference",
        "reproduced",
        "epochs",
        "train_seconds",
    ]
    assert printed[2].split() == ["a", "0.9", "0.91", "0.01", "0.01", "True", "2", "3"]


def test_recipe_options_parse_their_types_and_keep_the_description_as_written(monkeypatch, capsys):
    parsed = _parser(learning_rate=0.5).parse_args(
        ["--epochs", "3", "--batch-size", "64", "--learning-rate", "0.25", "--seed", "7"]
    )
    assert (parsed.epochs, parsed.batch_size, parsed.learning_rate, parsed.seed) == (3, 64, 0.25, 7)
    assert (_parser().parse_args([]).output_dir, _parser(output_dir=None).parse_args([]).output_dir) == ("runs/x", None)
    assert (_parser().parse_args([]).batch_size, _parser(batch_size=None).parse_args([]).batch_size) == (32, None)
    for option in ("--epochs", "--batch-size"):
        with pytest.raises(SystemExit):
            _parser().parse_args([option, "0"])
        assert f"argument {option}: must be an integer >= 1; received 0" in capsys.readouterr().err
    for option, value, message in (
        ("--learning-rate", "0", "must be a number > 0; received 0"),
        ("--seed", "-2", "must be an integer >= 0; received -2"),
    ):
        with pytest.raises(SystemExit):
            _parser(learning_rate=0.5).parse_args([option, value])
        assert f"argument {option}: {message}" in capsys.readouterr().err
    # The recipe's docstring keeps its line breaks in --help.
    monkeypatch.setenv("COLUMNS", "200")
    help_text = recipe_parser(
        "First line.\n\n    python recipes/x.py --smoke\n", epochs=1, batch_size=1, output_dir="o"
    ).format_help()
    assert "First line.\n\n    python recipes/x.py --smoke\n" in help_text


def test_reproduction_table_header_and_default_links(tmp_path):
    import json

    (tmp_path / "x.json").write_text(json.dumps({"summary": _summary(recipe="x", ours="0.5 / 0.6", std=0.1)}))
    (tmp_path / "x.png").write_bytes(b"")
    table = tables.reproduction_table(tmp_path).splitlines()
    assert table[:2] == [
        "| recipe | reproduces | metric | reference | ours (mean ± std) | seeds | verdict | epochs | training time "
        "| backend | figure |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    # A text "ours" (a ladder's rungs) is shown as written; the link uses the README's path.
    assert table[2].endswith(
        "| 0.5 / 0.6 | 3 | reproduced | 15 | 62 s | tensorflow (not recorded) | [x.png](recipes/results/x.png) |"
    )


def test_result_comments_join_two_files_of_one_recipe_and_default_to_seed_0(tmp_path):
    import json

    (tmp_path / "mnist_bn.json").write_text(json.dumps({"summary": _summary(recipe="mnist_bn", seeds=None)}))
    (tmp_path / "fashion_bn.json").write_text(json.dumps({"summary": _summary(recipe="fashion_bn", seeds=None)}))
    comment = tables.result_comments(tmp_path)["mnist_bn"]
    lines = comment.splitlines()
    assert lines[2].startswith("# recipes/results/fashion_bn.json (seed 0,")
    starts = [index for index, line in enumerate(lines) if line.startswith("# recipes/results/")]
    assert len(starts) == 2 and lines[starts[1]].startswith("# recipes/results/mnist_bn.json (seed 0,")
    assert lines[starts[1] - 1].startswith("#   ") and comment.endswith("training.\n")


def test_replacing_blocks_uses_the_first_marker_of_each_kind():
    start, end = tables.TABLE_START, tables.TABLE_END
    text = f"a\n{start}\nold\n{end}\nb\n{start}\nkept\n{end}\nc\n"
    assert tables.replace_table(text, "new") == f"a\n{start}\nnew\n{end}\nb\n{start}\nkept\n{end}\nc\n"
    for broken in (f"a {start} b", f"a {end} b"):
        with pytest.raises(ValueError, match=r"^replace_table\(\): text must contain the markers"):
            tables.replace_table(broken, "new")
    source = "code\n## Result\nold\n## Discussion\nfirst\n## Result quoted\n## Discussion\nsecond\n"
    assert tables.replace_result_comment(source, "## Result\nnew\n") == (
        "code\n## Result\nnew\n\n## Discussion\nfirst\n## Result quoted\n## Discussion\nsecond\n"
    )


def test_a_full_run_option_is_refused_with_smoke_and_taken_without(capsys):
    parser = recipe_parser("a recipe", epochs=1, batch_size=8, output_dir="runs/x")
    parser.add_full_run_option("--export-weights", action="store_true")
    assert parser.parse_args(["--export-weights", "--no-compile-cache"]).export_weights is True
    assert parser.parse_args(["--smoke", "--no-compile-cache"]).export_weights is False
    with pytest.raises(SystemExit) as exited:
        parser.parse_args(["--smoke", "--export-weights", "--no-compile-cache"])
    assert exited.value.code == 2
    assert (
        capsys.readouterr()
        .err.splitlines()[-1]
        .endswith("error: --export-weights takes a full run; it cannot be combined with --smoke")
    )


def test_a_recipes_own_size_takes_its_smoke_value_unless_given():
    parser = recipe_parser("a recipe", epochs=1, batch_size=8, output_dir="runs/x")
    parser.add_sized_option("--members", type=int, default=5, smoke=2, help="models in the ensemble")
    parser.add_sized_option("--sizes", type=int, nargs="+", default=[100, 200, 300], smoke=[10, 20], help="sizes")
    parse = lambda *argv: parser.parse_args([*argv, "--no-compile-cache"])  # noqa: E731
    assert (parse().members, parse().sizes) == (5, [100, 200, 300])
    assert (parse("--smoke").members, parse("--smoke").sizes) == (2, [10, 20])
    assert (parse("--smoke", "--members", "3").members, parse("--members", "3").members) == (3, 3)
    assert parse("--smoke", "--sizes", "7").sizes == [7]
    shown = {action.dest: action.help % {"default": action.default} for action in parser._actions}
    assert shown["members"] == "models in the ensemble (default: 5; --smoke: 2)"
    assert shown["sizes"] == "sizes (default: [100, 200, 300]; --smoke: 10 20)"


def test_no_recipe_branches_on_its_smoke_mode():
    """A recipe reads one value per size (RecipeParser resolves the mode); it may pass the flag on, never test it."""
    import ast

    def tests_smoke(node):
        return any(isinstance(part, ast.Attribute) and part.attr == "smoke" for part in ast.walk(node))

    recipes = sorted((pathlib.Path(__file__).resolve().parent.parent / "recipes").glob("*.py"))
    assert len(recipes) > 20
    branching = [
        f"{path.name}:{node.lineno}"
        for path in recipes
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, (ast.If, ast.IfExp, ast.While))
        and tests_smoke(node.test)
        or isinstance(node, ast.BoolOp)
        and tests_smoke(node)
    ]
    assert branching == []


def test_train_rungs_seeds_each_network_before_building_it_and_compares_with_its_record():
    import keras

    drawn, calls = [], []

    def build_model():  # what Keras's seed makes of a first draw: the same per seed, another for another seed
        drawn.append(float(keras.random.uniform((), seed=None)))
        return f"model {len(drawn)}"

    def train_rung(name, model, seed):
        calls.append((name, model, seed))
        return {"test": {"accuracy": 0.9 + seed / 100}, "epochs_run": 2, "train_seconds": 1.5, "diverged": seed == 3}

    rows = recording.train_rungs({"lab10_softmax": build_model, "lab10_bn": build_model}, train_rung, [1, 3])
    assert calls == [
        ("lab10_softmax", "model 1", 1),
        ("lab10_softmax", "model 2", 3),
        ("lab10_bn", "model 3", 1),
        ("lab10_bn", "model 4", 3),
    ]
    assert drawn[0] == drawn[2] and drawn[1] == drawn[3] and drawn[0] != drawn[1]
    assert [row["model"] for row in rows] == ["lab10_softmax", "lab10_bn"]
    softmax = rows[0]
    assert softmax["values"] == [0.91, 0.93] and softmax["ours"] == pytest.approx(0.92)
    assert softmax["std"] == pytest.approx(0.02 / 2**0.5)  # the sample standard deviation of two values
    assert (softmax["reference"], softmax["seeds"], softmax["epochs"], softmax["train_seconds"]) == (
        0.9194,
        [1, 3],
        2,
        3.0,
    )
    assert softmax["diverged"] is True and rows[1]["reference"] == 0.9826
