"""The recipes' shared parser and the seed statistics behind the reproduction table."""

import pytest

from kerasdnn import results
from kerasdnn.data import SMOKE_TEST_SAMPLES, SMOKE_TRAIN_SAMPLES
from kerasdnn.reporting import recipe_parser

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
    assert parser.parse_args(["--seeds", "4", "5", "--smoke"]).seeds == [4]
    assert not hasattr(parser.parse_args([]), "seed")


def test_a_negative_seed_is_refused_with_the_argument_named(capsys):
    with pytest.raises(SystemExit):
        _parser(seeds=(0,)).parse_args(["--seeds", "1", "-3"])
    assert "argument --seeds: must be an integer >= 0; received -3" in capsys.readouterr().err


def test_seed_statistics_are_the_mean_and_sample_standard_deviation():
    spread = results.seed_statistics([0.98, 0.99, None, 1.0])
    assert spread["mean"] == pytest.approx(0.99) and spread["std"] == pytest.approx(0.01)
    assert spread["runs"] == 3 and spread["values"] == [0.98, 0.99, None, 1.0]
    one = results.seed_statistics([0.5])
    assert one["std"] is None and results.spread_text(one["mean"], one["std"]) == "0.5000"
    assert results.spread_text(0.98683, 0.00071) == "0.9868 ± 0.0007"


@pytest.mark.parametrize("mean, std, reproduced", [
    (0.9226, None, True),     # 0.32 point from 0.9194: inside MNIST's 0.5-point band
    (0.9259, 0.0005, False),  # 0.65 point, two std 0.1 point
    (0.9259, 0.0040, True),   # 0.65 point, but two std 0.8 point
])
def test_a_mean_reproduces_within_two_std_or_the_band(mean, std, reproduced):
    spread = {"mean": mean, "std": std}
    assert results.reproduces(spread, 0.9194, results.band("mnist", "test accuracy")) is reproduced


def test_nothing_is_judged_without_a_reference_or_a_band():
    spread = {"mean": 0.5, "std": 0.1}
    assert results.reproduces(spread, None, 0.005) is None
    assert results.reproduces(spread, 0.5, results.band("mnist", "test mse")) is None
    assert results.band("fashion_mnist", "validation accuracy") == 0.01


def test_a_ladder_summary_counts_the_rungs_that_reproduce_and_names_the_others():
    rows = [
        {"model": "a", "reference": 0.9, "ours": 0.9065, "std": 0.001, "seeds": [0, 1, 2], "difference": 0.0065,
         "reproduced": False, "epochs": 15, "train_seconds": 10.0},
        {"model": "b", "reference": 0.8, "ours": 0.801, "std": 0.002, "seeds": [0, 1, 2], "difference": 0.001,
         "reproduced": True, "epochs": 15, "train_seconds": 5.0},
        {"model": "c", "reference": None, "ours": 1.5, "std": None, "seeds": [0, 1, 2], "difference": None,
         "reproduced": None, "epochs": 3, "train_seconds": 1.0},
    ]
    summary = results.ladder_summary(rows, recipe="r", reproduces="x", metric="m")
    assert summary["verdict"] == "1 of 2 rungs reproduce; outside (points): a +0.65"
    assert summary["ours"] == "0.9065 ± 0.0010 / 0.8010 ± 0.0020 / 1.5000"
    assert summary["seeds"] == [0, 1, 2] and summary["train_seconds"] == 16.0


def test_target_verdict():
    assert results.target_verdict({"mean": 0.9871}, 0.987) == "target ≥ 0.987: met"
    assert results.target_verdict({"mean": 0.9864}, 0.987) == "target ≥ 0.987: missed"


@pytest.mark.parametrize("values, mean, std", [
    ([1.0, 2.0, 4.0], 7 / 3, (21 / 9) ** 0.5),  # odd count: deviations −4/3, −1/3, 5/3 over n − 1 = 2
    ([1.0, 3.0], 2.0, 2 ** 0.5),                # even count: deviations ±1 over n − 1 = 1
    ([0.25, None, 0.75, 0.5, 1.0], 0.625, (0.3125 / 3) ** 0.5),  # the diverged seed is left out
])
def test_seed_statistics_by_hand(values, mean, std):
    spread = results.seed_statistics(values)
    assert spread["mean"] == pytest.approx(mean, abs=1e-12) and spread["std"] == pytest.approx(std, abs=1e-12)
    assert spread["runs"] == sum(value is not None for value in values) and spread["values"] == values


def test_seed_statistics_of_no_number_is_none():
    assert results.seed_statistics([None, None]) == {"mean": None, "std": None, "values": [None, None], "runs": 0}
    assert results.seed_statistics([]) == {"mean": None, "std": None, "values": [], "runs": 0}


@pytest.mark.parametrize("mean, std, band, reproduced", [
    (0.5, None, 0.25, True),     # exactly at the band (binary fractions, no rounding)
    (0.5, 0.125, 0.0625, True),  # exactly at two std
    (0.5, 0.1, 0.01, False),     # 0.25 away: outside two std (0.2), inside three (0.3)
    (0.5, None, 0.01, False),    # no std: the band alone
    (0.0, None, 0.25, True),     # below the reference as above it
    (0.0, 0.0, 0.125, False),
])
def test_reproduces_at_its_boundaries(mean, std, band, reproduced):
    assert results.reproduces({"mean": mean, "std": std}, 0.25, band) is reproduced


def test_a_target_met_exactly_is_met_and_no_mean_misses():
    assert results.target_verdict({"mean": 0.5}, 0.5) == "target ≥ 0.5: met"
    assert results.target_verdict({"mean": None}, 0.5) == "target ≥ 0.5: missed"


def test_improvement_verdict_by_hand():
    assert results.improvement_verdict({"mean": 0.75, "std": 0.125}, {"mean": 0.5, "std": None}) == (
        "tuned − untuned +0.2500 > larger std 0.1250: pays")
    assert results.improvement_verdict({"mean": 0.625, "std": None}, {"mean": 0.5, "std": 0.125}) == (
        "tuned − untuned +0.1250 ≤ larger std 0.1250: does not pay")
    assert results.improvement_verdict({"mean": None, "std": None}, {"mean": 0.5, "std": 0.1}) == (
        "tuned − untuned: not measured")


def test_a_ladder_summary_is_exactly_its_rows():
    rows = [
        {"model": "a", "reference": 0.9, "ours": 0.9065, "std": 0.001, "seeds": [3, 4], "difference": 0.0065,
         "reproduced": False, "epochs": 15, "train_seconds": 10.0},
        {"model": "b", "reference": None, "ours": 1.5, "std": None, "seeds": [3, 4], "difference": None,
         "reproduced": None, "epochs": 3, "train_seconds": 1.5},
    ]
    assert results.ladder_summary(rows, recipe="r", reproduces="x", metric="m") == {
        "recipe": "r", "reproduces": "x", "metric": "m", "reference": "0.9000 / -",
        "ours": "0.9065 ± 0.0010 / 1.5000", "seeds": [3, 4],
        "verdict": "0 of 1 rungs reproduce; outside (points): a +0.65", "epochs": "15 / 3", "train_seconds": 11.5,
    }
    # One rung that reproduces: nothing is named outside.
    one = results.ladder_summary([{**rows[0], "reproduced": True}], recipe="r", reproduces="x", metric="m")
    assert (one["verdict"], one["seeds"], one["epochs"]) == ("1 of 1 rungs reproduce", [3, 4], "15")


def test_format_table_aligns_columns_and_shows_an_empty_table():
    from kerasdnn.reporting import format_table

    assert format_table([{"a": 0.123456, "bb": None}, {"a": "long text"}], ["a", "bb"]).splitlines() == [
        "a          bb", "---------  --", "0.1235     - ", "long text  - "]
    assert format_table([], ["trial", "score"]).splitlines() == ["trial  score", "-----  -----"]
