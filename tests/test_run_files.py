"""A run's folder, resume point and closing files, checked function by function (fast; the faults end to end are in test_run_faults)."""

import json
import os
import re

import keras
import numpy as np
import pytest

from kerasdnn import run_files, run_state

pytestmark = [pytest.mark.xdist_group("run_files"), pytest.mark.core]

NAMES = {
    "results": "results.json",
    "history": "history.csv",
    "curves": "learning_curves.png",
    "model": "model.keras",
    "backup": "backup",
    "tensorboard": "tensorboard",
}
REMEDY = "pass overwrite=True (--overwrite) to discard it and start afresh, or choose another output_dir"


class _Backup:
    """A stand-in RunState: a backup holding `committed` epochs begun with `fingerprint`; records what is called."""

    def __init__(self, committed=0, fingerprint=None):
        self.committed, self.fingerprint, self.calls = committed, fingerprint, []
        self.remedy = "the backup's remedy"

    def clean(self):
        self.calls.append("clean")

    def committed_epoch(self):
        return self.committed

    def saved_fingerprint(self):
        return self.fingerprint

    def verify(self):
        self.calls.append("verify")

    def start(self, fingerprint):
        self.calls.append(("start", fingerprint))


def test_prepare_output_creates_the_folder_and_names_every_file(tmp_path):
    folder = tmp_path / "new" / "run"
    paths = run_files.prepare_output("train", folder)
    assert folder.is_dir() and list(folder.iterdir()) == []  # the write check leaves nothing
    assert paths == {key: os.path.join(str(folder), name) for key, name in NAMES.items()}
    assert run_files.prepare_output("train", None) is None


def test_prepare_output_refuses_a_file_and_a_folder_it_cannot_create(tmp_path):
    file = tmp_path / "taken"
    file.write_text("")
    allowed = "output_dir must be a folder that can be created and written"
    with pytest.raises(
        ValueError, match=f"^{re.escape(f'fit(): {allowed}; received output_dir={str(file)!r} (a file)')}$"
    ):
        run_files.prepare_output("fit", file)
    below = file / "run"
    with pytest.raises(
        ValueError, match=f"^{re.escape(f'train(): {allowed}; received output_dir={str(below)!r} (Not a directory)')}$"
    ):
        run_files.prepare_output("train", below)


def test_no_folder_means_epoch_0_and_nothing_touched():
    backup = _Backup(committed=3, fingerprint={"a": 1})
    assert run_files.resume_point("train", None, backup, {"a": 1}, 5, False) == 0
    assert backup.calls == []


def test_a_fresh_start_removes_the_earlier_runs_outputs_only(tmp_path):
    paths = run_files.prepare_output("train", tmp_path)
    for key in ("results", "model", "curves", "history"):
        with open(paths[key], "w") as file:
            file.write("an earlier run's")
    (tmp_path / "notes.txt").write_text("mine")
    os.makedirs(paths["tensorboard"])
    backup = _Backup()
    assert run_files.resume_point("train", paths, backup, {"seed": 0}, 5, False) == 0
    assert backup.calls == ["clean", ("start", {"seed": 0})]
    assert sorted(os.listdir(tmp_path)) == ["notes.txt", "tensorboard"]


def test_a_backup_of_this_run_resumes_after_its_committed_epochs(tmp_path):
    paths = run_files.prepare_output("train", tmp_path)
    (tmp_path / "results.json").write_text("{}")
    backup = _Backup(committed=2, fingerprint={"seed": 0})
    assert run_files.resume_point("train", paths, backup, {"seed": 0}, 2, False) == 2
    assert backup.calls == ["clean", "verify"]
    assert (tmp_path / "results.json").exists()  # resuming keeps the folder as it is


def test_overwrite_starts_afresh_whatever_the_backup_holds(tmp_path):
    paths = run_files.prepare_output("train", tmp_path)
    backup = _Backup(committed=4, fingerprint={"seed": 1})
    assert run_files.resume_point("train", paths, backup, {"seed": 0}, 2, True) == 0
    assert backup.calls == ["clean", ("start", {"seed": 0})]


def test_a_backup_without_its_fingerprint_is_damaged(tmp_path):
    paths = run_files.prepare_output("train", tmp_path)
    fingerprint = os.path.join(paths["backup"], "fingerprint.json")
    with pytest.raises(
        run_state.DamagedRunError,
        match=f"^{re.escape(f'{fingerprint} is damaged (missing); the backup' + chr(39) + 's remedy')}$",
    ):
        run_files.resume_point("train", paths, _Backup(committed=1), {"seed": 0}, 3, False)


def test_a_backup_of_another_run_names_up_to_three_differences(tmp_path):
    paths = run_files.prepare_output("fit", tmp_path)
    saved = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    backup = _Backup(committed=2, fingerprint=saved)
    with pytest.raises(ValueError) as refused:
        run_files.resume_point("fit", paths, backup, {**saved, "a": 0, "b": 0, "c": 0, "d": 0, "e": 0}, 3, False)
    assert str(refused.value) == (
        f"fit(): {paths['backup']} holds 2 epochs of a different run (a: 1 in the backup, 0 now; "
        f"b: 2 in the backup, 0 now; c: 3 in the backup, 0 now; and 2 more); {REMEDY}"
    )
    with pytest.raises(ValueError) as refused:
        run_files.resume_point("fit", paths, backup, {**saved, "c": 0.5}, 3, False)
    assert str(refused.value) == (
        f"fit(): {paths['backup']} holds 2 epochs of a different run (c: 3 in the backup, 0.5 now); {REMEDY}"
    )
    assert backup.calls == ["clean", "clean"]  # refused: neither verified nor restarted


def test_a_backup_beyond_the_epochs_asked_for_is_refused(tmp_path):
    paths = run_files.prepare_output("train", tmp_path)
    backup = _Backup(committed=4, fingerprint={"seed": 0})
    with pytest.raises(ValueError) as refused:
        run_files.resume_point("train", paths, backup, {"seed": 0}, 3, False)
    assert str(refused.value) == (
        f"train(): {paths['backup']} holds 4 finished epochs, more than the epochs=3 requested; {REMEDY}"
    )
    assert backup.calls == ["clean"]


class _Closing(_Backup):
    def write_history_csv(self, history):
        self.calls.append(("history", dict(history)))

    def discard(self):
        # The backup goes last: every other file is in place by then.
        self.calls.append(("discard", sorted(os.listdir(self.folder))))


@pytest.mark.parametrize("save_model", [True, False])
def test_write_outputs_writes_every_file_and_only_then_drops_the_backup(tmp_path, save_model):
    paths = run_files.prepare_output("train", tmp_path)
    (tmp_path / "model.keras").write_text("an earlier run's model")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="tiny")
    history = {"loss": [0.5, 0.25], "epoch_seconds": [1.0, 1.0]}
    results = {"history": {"loss": [0.5, 0.25]}, "seed": 3}
    backup = _Closing()
    backup.folder = tmp_path
    run_files.write_outputs(model, results, history, paths, backup, save_model)
    files = {
        "history": "history.csv",
        "curves": "learning_curves.png",
        **({"model": "model.keras"} if save_model else {}),
    }
    assert results["files"] == files
    assert json.loads((tmp_path / "results.json").read_text()) == {**results, "files": files}
    on_disk = sorted(["learning_curves.png", "results.json", *(["model.keras"] if save_model else [])])
    assert backup.calls == [("history", history), ("discard", on_disk)]
    if save_model:
        reloaded = keras.saving.load_model(tmp_path / "model.keras")
        np.testing.assert_allclose(reloaded.get_weights()[0], model.get_weights()[0])


class _Monitor:
    diverged_at_step, diverged_at_epoch = 7, 2


def _results(history, **overrides):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="tiny")
    arguments = {
        "test_metrics": {"loss": 0.5, "accuracy": float("inf")},
        "monitor": _Monitor(),
        "optimizer": keras.optimizers.SGD(0.25, momentum=0.5),
        "epochs": 4,
        "batch_size": 16,
        "drop_remainder": True,
        "seed": 3,
        "loss": keras.losses.SparseCategoricalCrossentropy(),
        "settings": None,
        "wall_seconds": 9.5,
        **overrides,
    }
    return run_files.run_results(model, history, **arguments)


def test_run_results_report_the_run_as_results_json_holds_it():
    nan = float("nan")
    history = {
        "loss": [1.0, 0.5, nan],
        "val_accuracy": [0.5, 0.75, 0.75],
        "accuracy": [0.5, 0.9, 0.95],
        "epoch_seconds": [3.0, 1.0, None],
    }
    results = _results(history)
    # The first epoch that reaches the best validation accuracy; non-finite values become None.
    assert results["best"] == {"epoch": 2, "val_accuracy": 0.75}
    assert results["history"] == {
        "loss": [1.0, 0.5, None],
        "val_accuracy": [0.5, 0.75, 0.75],
        "accuracy": [0.5, 0.9, 0.95],
    }
    assert results["final"] == {"loss": None, "val_accuracy": 0.75, "accuracy": 0.95}
    assert results["test"] == {"loss": 0.5, "accuracy": None}
    assert (results["epoch_seconds"], results["seconds_per_epoch"], results["train_seconds"]) == ([3.0, 1.0], 2.0, 4.0)
    kept = ("model", "parameters", "epochs", "epochs_run", "batch_size", "drop_remainder", "seed")
    assert {key: results[key] for key in kept} == {
        "model": "tiny",
        "parameters": 3 * 2 + 2,
        "epochs": 4,
        "epochs_run": 3,
        "batch_size": 16,
        "drop_remainder": True,
        "seed": 3,
    }
    assert results["optimizer"] == {"name": "SGD", "learning_rate": 0.25, "momentum": 0.5}
    assert (results["loss"], results["settings"], results["wall_seconds"]) == ("SparseCategoricalCrossentropy", {}, 9.5)
    assert (results["diverged"], results["diverged_at_epoch"], results["diverged_at_step"]) == (True, 2, 7)
    # Without validation the training accuracy is the one ranked; without times, none is made up.
    results = _results({"loss": [1.0, 0.5], "accuracy": [0.75, 0.5]}, test_metrics=None, loss="mse")
    assert results["best"] == {"epoch": 1, "accuracy": 0.75}
    assert (results["seconds_per_epoch"], results["epoch_seconds"], results["train_seconds"]) == (None, [], 0)
    assert (results["test"], results["loss"]) == (None, "mse")
    # Without an accuracy the lowest loss is the best, the validation loss first; an epoch without one is skipped.
    assert _results({"loss": [1.0, 0.5, 0.5, 0.7]})["best"] == {"epoch": 2, "loss": 0.5}
    assert _results({"loss": [0.9, 0.5, 0.2], "val_loss": [0.8, nan, 0.3]})["best"] == {"epoch": 3, "val_loss": 0.3}
    assert _results({"loss": [nan]})["best"] is None


@pytest.mark.parametrize("tensorflow_installed", [True, False])
@pytest.mark.parametrize("backend", ["jax", "tensorflow", "torch"])
def test_the_versions_recorded_are_those_of_the_backend_in_use(backend, tensorflow_installed, monkeypatch):
    import importlib.metadata
    import platform

    import kerasdnn

    # Each backend as if in use, every framework as if installed at a version
    # of its own (TensorFlow only where asked): the record names the
    # backend's framework and TensorFlow (for tensorflow-datasets), no other.
    installed = {"jax": "1.0.jax", "torch": "2.0.torch", **({"tensorflow": "3.0.tf"} if tensorflow_installed else {})}

    def version(package):
        if package not in installed:
            raise importlib.metadata.PackageNotFoundError(package)
        return installed[package]

    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    monkeypatch.setattr(importlib.metadata, "version", version)
    frameworks = {name: installed[name] for name in sorted({backend, "tensorflow"}) if name in installed}
    assert run_files.versions() == {
        "kerasdnn": kerasdnn.__version__,
        "keras": keras.__version__,
        **frameworks,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


@pytest.mark.parametrize("count, shown", [(3, ""), (4, "; and 1 more")])
def test_a_backup_of_another_run_says_how_many_more_differ_past_three(tmp_path, count, shown):
    paths = run_files.prepare_output("fit", tmp_path)
    saved = {name: 1 for name in "abcd"[:count]}
    with pytest.raises(ValueError) as refused:
        run_files.resume_point("fit", paths, _Backup(2, saved), dict.fromkeys(saved, 0), 3, False)
    differences = "; ".join(f"{name}: 1 in the backup, 0 now" for name in "abc")
    assert (
        str(refused.value)
        == f"fit(): {paths['backup']} holds 2 epochs of a different run ({differences}{shown}); {REMEDY}"
    )


def test_a_fresh_start_announces_each_removal_to_the_fault_hook(tmp_path, monkeypatch):
    paths = run_files.prepare_output("train", tmp_path)
    for key in ("results", "history"):
        (tmp_path / os.path.basename(paths[key])).write_text("an earlier run's")
    seen = []

    def hook(operation, path):
        seen.append((operation, path, os.path.exists(path)))

    monkeypatch.setattr(run_state, "before_file_operation", hook)
    run_files.resume_point("train", paths, _Backup(), {"seed": 0}, 5, False)
    # Announced before it happens: the file is still there.
    assert seen == [("remove", paths["results"], True), ("remove", paths["history"], True)]


def test_the_learning_curves_carry_the_models_name(tmp_path, monkeypatch):
    paths = run_files.prepare_output("train", tmp_path)
    plotted = []

    def plot(history, path, title):
        plotted.append((history, title))
        open(path, "wb").close()

    monkeypatch.setattr(run_files, "plot_history", plot)
    backup = _Closing()
    backup.folder = tmp_path
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)], name="lab10_bn")
    run_files.write_outputs(model, {"history": {"loss": [0.5]}}, {"loss": [0.5]}, paths, backup, False)
    assert plotted == [({"loss": [0.5]}, "lab10_bn")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fdinfo"), reason="needs Linux's /proc")
def test_a_folder_that_exists_but_takes_no_file_is_refused():
    # /proc/self/fdinfo is a folder no one, root included, can create a file in.
    with pytest.raises(
        ValueError,
        match=r"^train\(\): output_dir must be a folder that can be created and written; "
        r"received output_dir='/proc/self/fdinfo' \(",
    ):
        run_files.prepare_output("train", "/proc/self/fdinfo")
