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
