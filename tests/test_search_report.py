"""A search's report and HParams columns, from trials built by hand: no search is run."""

import copy
import csv
import json
import types

import keras_tuner
import pytest

from kerasdnn import search_report

pytestmark = [pytest.mark.xdist_group("search_report"), pytest.mark.core]


def test_every_column_of_the_space_is_in_every_trials_hparams_with_a_zero_of_its_type_where_unused():
    # A two-layer net without AdamW: no units_3, units_4, weight_decay.
    values = {"depth": 2, "units_1": 256, "units_2": 64, "dropout": 0.3, "optimizer": "adam", "extra": "kept"}
    hparams = search_report.trial_hparams(values)
    assert hparams == {
        "depth": 2,
        "units_1": 256,
        "units_2": 64,
        "units_3": 0,
        "units_4": 0,
        "activation": "",
        "kernel_initializer": "",
        "batch_norm": False,
        "dropout": 0.3,
        "l1": 0.0,
        "l2": 0.0,
        "optimizer": "adam",
        "weight_decay": 0.0,
        "learning_rate": 0.0,
        "schedule": "",
        "batch_size": 0,
        "extra": "kept",
    }
    # The dashboard sorts a column by its type: each zero is of its column's.
    assert [type(hparams[name]) for name in ("units_3", "activation", "batch_norm", "l2", "learning_rate")] == [
        int,
        str,
        bool,
        float,
        float,
    ]
    assert list(hparams)[-1] == "extra"  # the space's columns first, in its order


def _trial(trial_id, score, status="COMPLETED", **values):
    hyperparameters = keras_tuner.HyperParameters()
    for name, value in values.items():
        hyperparameters.Fixed(name, value)
    return types.SimpleNamespace(trial_id=trial_id, score=score, status=status, hyperparameters=hyperparameters)


def _tuner(trials, best, objective="val_accuracy", direction="max"):
    # keras-tuner's best first, then the others: the report must take the first.
    ranked = [best.hyperparameters, *(trial.hyperparameters for trial in trials if trial is not best)]
    oracle = types.SimpleNamespace(
        trials={trial.trial_id: trial for trial in trials}, objective=keras_tuner.Objective(objective, direction)
    )
    return types.SimpleNamespace(oracle=oracle, get_best_hyperparameters=lambda count: ranked[:count])


TRIALS = [
    _trial("0", 0.90, depth=1, units_1=128, l1=1e-5, l2=1e-3),
    _trial("1", None, status="FAILED", depth=2, units_1=512, units_2=64),
    _trial("2", 0.97, depth=1, units_1=1024, l1=1e-4, l2=0.0),
    _trial("10", 0.0, depth=3, units_1=256, units_2=128, units_3=64),
    # Hyperband's own bookkeeping values ride along in its trials.
    _trial("3", 0.90, depth=1, units_1=2048, **{"tuner/epochs": 4, "tuner/bracket": 0}),
]


def test_trial_rows_put_the_best_score_first_a_tie_in_trial_order_and_failures_last():
    rows = search_report.trial_rows(_tuner(TRIALS, TRIALS[2]))
    assert [(row["trial"], row["score"], row["status"]) for row in rows] == [
        ("2", 0.97, "COMPLETED"),
        ("0", 0.90, "COMPLETED"),
        ("3", 0.90, "COMPLETED"),
        ("10", 0.0, "COMPLETED"),  # a score of 0 is a score, ranked above none
        ("1", None, "FAILED"),
    ]
    assert rows[0] == {
        "trial": "2",
        "status": "COMPLETED",
        "score": 0.97,
        "depth": 1,
        "units_1": 1024,
        "l1": 1e-4,
        "l2": 0.0,
    }


def test_trial_rows_of_a_loss_objective_put_the_lowest_first():
    # keras-tuner reads "val_loss" as direction "min": the best trial has the lowest score.
    rows = search_report.trial_rows(_tuner(TRIALS, TRIALS[3], objective="val_loss", direction="min"))
    assert [(row["trial"], row["score"]) for row in rows] == [
        ("10", 0.0),
        ("0", 0.90),
        ("3", 0.90),
        ("2", 0.97),
        ("1", None),
    ]


def test_the_report_writes_the_best_values_every_trial_under_its_own_columns_and_the_scores_in_trial_order(
    tmp_path, monkeypatch
):
    plotted = {}
    monkeypatch.setattr(
        search_report,
        "plot_comparison",
        lambda labels, series, path, **options: (
            plotted.update(labels=labels, series=series, path=path, **options),
            open(path, "w").close(),
        ),
    )
    output = tmp_path / "new" / "report"
    best = search_report.write_report(_tuner(TRIALS, TRIALS[2], objective="val_auc"), str(output))
    assert best is TRIALS[2].hyperparameters
    assert json.loads((output / "best_hyperparameters.json").read_text()) == {
        "depth": 1,
        "units_1": 1024,
        "l1": 1e-4,
        "l2": 0.0,
    }
    assert search_report.best_hyperparameters(str(output / "best_hyperparameters.json")) == best.values
    # A resumed search writes its report again into the same folder.
    assert search_report.write_report(_tuner(TRIALS, TRIALS[2], objective="val_auc"), str(output)) is best
    with open(output / "trials.csv", newline="") as handle:
        table = list(csv.reader(handle))
    header = ["trial", "status", "score", *search_report.SPACE]
    assert table[0] == header
    unused = {name: "" for name in search_report.SPACE}
    assert [dict(zip(header, row)) for row in table[1:]] == [
        {
            **unused,
            "trial": "2",
            "status": "COMPLETED",
            "score": "0.97",
            "depth": "1",
            "units_1": "1024",
            "l1": "0.0001",
            "l2": "0.0",
        },
        {
            **unused,
            "trial": "0",
            "status": "COMPLETED",
            "score": "0.9",
            "depth": "1",
            "units_1": "128",
            "l1": "1e-05",
            "l2": "0.001",
        },
        {**unused, "trial": "3", "status": "COMPLETED", "score": "0.9", "depth": "1", "units_1": "2048"},
        {
            **unused,
            "trial": "10",
            "status": "COMPLETED",
            "score": "0.0",
            "depth": "3",
            "units_1": "256",
            "units_2": "128",
            "units_3": "64",
        },
        {**unused, "trial": "1", "status": "FAILED", "score": "", "depth": "2", "units_1": "512", "units_2": "64"},
    ]
    # The plot numbers trials as numbers (10 after 3), on the objective's axis.
    assert plotted == {
        "labels": ["0", "1", "2", "3", "10"],
        "series": {"score": [0.90, None, 0.97, 0.90, 0.0]},
        "path": str(output / ".scores.partial.png"),  # written aside, then renamed into place
        "ylabel": "val_auc",
        "title": "score per trial",
    }
    assert sorted(path.name for path in output.iterdir()) == ["best_hyperparameters.json", "scores.png", "trials.csv"]


def test_a_trials_tensorboard_copy_reads_the_same_hyperparameters_into_the_same_folder(tmp_path):
    hyperparameters = keras_tuner.HyperParameters()
    logger = search_report.TrialTensorBoard(str(tmp_path / "logs" / "7"), hyperparameters, "7")
    copied = copy.deepcopy(logger)
    # keras-tuner deep-copies callbacks before fit declares batch_size and
    # schedule: the copy must see what is declared afterwards.
    hyperparameters.Fixed("batch_size", 64)
    assert copied.hyperparameters is hyperparameters and copied.hyperparameters.values == {"batch_size": 64}
    assert (type(copied), copied.log_dir, copied.trial_id) == (
        search_report.TrialTensorBoard,
        str(tmp_path / "logs" / "7"),
        "7",
    )
    assert search_report.HParamsLogger(str(tmp_path)).log_dir == str(tmp_path)
