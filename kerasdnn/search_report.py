"""What a search leaves behind: each trial's TensorBoard logs with its hyperparameters, and the report.

The HParams logs are written on every Keras backend (keras-tuner writes them
only on TensorFlow's); the report is `best_hyperparameters.json`,
`trials.csv` and `scores.png`.
"""

import csv
import json
import os
from collections.abc import Mapping
from typing import Any

import keras
import keras_tuner

from kerasdnn import quiet, results, run_state
from kerasdnn.hypermodel import SPACE
from kerasdnn.plotting import plot_comparison


class HParamsLogger(keras.callbacks.Callback):
    """Marks where a search's TensorBoard logs go; `_Tuner.run_trial` turns it into per-trial loggers."""

    def __init__(self, log_dir: str) -> None:
        super().__init__()
        self.log_dir = log_dir


def trial_hparams(values: Mapping[str, Any]) -> dict[str, Any]:
    """Every hyperparameter of `SPACE` for one trial: its value, or a zero of its type where it is unused.

    Args:
        values: The trial's values (`trial.hyperparameters.values`).

    Returns:
        `{name: value}` with every name of `SPACE` (and any other the trial
        declares).
    """
    # A hyperparameter the trial does not use (units_4 of a 3-layer net,
    # weight_decay without AdamW) gets the zero of its default's type (0, 0.0,
    # "", False): every trial has every column, so none goes missing from the
    # HParams dashboard's table.
    hparams = {name: values.get(name, type(default)()) for name, (_, _, default) in SPACE.items()}
    return {**hparams, **{name: value for name, value in values.items() if name not in hparams}}


# What needs TensorFlow here, as its ImportError names it.
_HPARAMS_LOGS = "TensorBoard's HParams logs (tensorboard=)"


class TrialTensorBoard(keras.callbacks.TensorBoard):
    """One trial's TensorBoard logs, with its hyperparameters and its end for the HParams dashboard.

    Its class name is not `TensorBoard`, so keras-tuner (TensorFlow backend)
    neither moves its folder nor adds a second HParams session; and it opens
    no writer before training starts, so keras-tuner can deep-copy it. The
    hyperparameters are read as training begins, after the hypermodel's
    `fit` has declared its own (`batch_size`, `schedule`), and the session's
    end is written as training ends, so the dashboard shows each trial's
    status.
    """

    def __init__(self, log_dir: str, hyperparameters: keras_tuner.HyperParameters, trial_id: str) -> None:
        super().__init__(log_dir=log_dir)
        self.hyperparameters = hyperparameters
        self.trial_id = trial_id

    def __deepcopy__(self, memo):
        # keras-tuner copies a trial's callbacks before it fits; the copy must
        # still read the trial's own hyperparameters, which `fit` adds to.
        return TrialTensorBoard(self.log_dir, self.hyperparameters, self.trial_id)

    def _write_hparams_summary(self, write):
        tf = quiet.import_tensorflow(_HPARAMS_LOGS)
        writer = tf.summary.create_file_writer(self.log_dir)
        with writer.as_default():
            write()
        writer.close()

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        from tensorboard.plugins.hparams import api as hparams_api

        self._write_hparams_summary(
            lambda: hparams_api.hparams(trial_hparams(self.hyperparameters.values), trial_id=self.trial_id)
        )

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_end(logs)
        from tensorboard.plugins.hparams import api_pb2
        from tensorboard.plugins.hparams import summary as hparams_summary

        tf = quiet.import_tensorflow(_HPARAMS_LOGS)
        end = hparams_summary.session_end_pb(api_pb2.STATUS_SUCCESS)
        self._write_hparams_summary(lambda: tf.summary.experimental.write_raw_pb(end.SerializeToString(), step=0))


def trial_rows(tuner: keras_tuner.Tuner) -> list[dict[str, Any]]:
    """Returns one dict per trial: the best score first in the objective's direction, a tie in trial order, none last."""
    # keras-tuner maximizes an accuracy and minimizes a loss ("val_loss" reads as direction "min").
    sign = -1 if tuner.oracle.objective.direction == "max" else 1
    rows = []
    for trial in tuner.oracle.trials.values():
        rows.append(
            {"trial": trial.trial_id, "status": trial.status, "score": trial.score, **trial.hyperparameters.values}
        )
    return sorted(rows, key=lambda row: (row["score"] is None, sign * (row["score"] or 0)))


def write_report(tuner: keras_tuner.Tuner, output_dir: str) -> keras_tuner.HyperParameters:
    """Writes the search's best hyperparameters, trials table and score plot.

    Files: `best_hyperparameters.json`, `trials.csv` (sorted by score) and
    `scores.png` under `output_dir`.

    Args:
        tuner: A tuner after `search`.
        output_dir: Folder for the files.

    Returns:
        The best `keras_tuner.HyperParameters`.
    """
    os.makedirs(output_dir, exist_ok=True)
    best = tuner.get_best_hyperparameters(1)[0]
    results.write_json(os.path.join(output_dir, "best_hyperparameters.json"), best.values)
    rows = trial_rows(tuner)
    columns = ["trial", "status", "score", *SPACE]
    # Each file whole, old or new: a resumed search rewrites them in place.
    with run_state.replacing(os.path.join(output_dir, "trials.csv")) as temporary:
        with open(temporary, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    ordered = sorted(rows, key=lambda row: int(row["trial"]))
    with run_state.replacing(os.path.join(output_dir, "scores.png")) as temporary:
        plot_comparison(
            [row["trial"] for row in ordered],
            {"score": [row["score"] for row in ordered]},
            temporary,
            ylabel=str(tuner.oracle.objective.name),
            title="score per trial",
        )
    return best


def best_hyperparameters(path: str) -> dict[str, Any]:
    """Reads `best_hyperparameters.json` back as a dict."""
    with open(path) as handle:
        return json.load(handle)
