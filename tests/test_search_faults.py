"""What a fault does to a search: no trial trained twice, damaged files named, never a silent redo."""

import json
import os

import numpy as np
import pytest

from kerasdnn import oracles, tuning

pytestmark = pytest.mark.xdist_group("search_faults")


class _Counting(tuning.MLPHyperModel):
    """The search space, counting the trials it trains."""

    trained: list = []

    def fit(self, hp, model, x, *args, **kwargs):
        _Counting.trained.append(1)
        return super().fit(hp, model, x, *args, **kwargs)


def _search(directory, max_trials=2, kind="random", **kwargs):
    x = np.random.default_rng(0).uniform(size=(96, 28, 28, 1)).astype("float32")
    y = np.arange(96) % 10
    hypermodel = _Counting(units_1=16, units_2=8, units_3=8, depth=1, batch_size=32)
    tuner = tuning.make_tuner(
        kind, hypermodel, max_trials=max_trials, directory=str(directory), project_name="search", **kwargs
    )
    _Counting.trained = []
    tuning.search(tuner, x, y, validation_data=(x[:32], y[:32]), epochs=1)
    return tuner, len(_Counting.trained)


def _oracle(directory):
    with open(directory / "search" / "oracle.json") as handle:
        return json.load(handle)


def test_a_finished_search_keeps_no_ongoing_trial_and_a_rerun_trains_nothing(tmp_path):
    _, trained = _search(tmp_path)
    assert trained == 2 and _oracle(tmp_path)["ongoing_trials"] == {}
    tuner, trained = _search(tmp_path)
    assert trained == 0 and sorted(tuner.oracle.trials) == ["0", "1"]


def test_a_trial_left_running_is_trained_once_more_by_its_worker_and_a_finished_one_never(tmp_path):
    _search(tmp_path)
    # As a chief killed mid-search leaves it: trial 1 still ongoing for
    # tuner0 (it was running), trial 0 ongoing too although it finished.
    state = _oracle(tmp_path)
    state["ongoing_trials"] = {"tuner0": "1", "tuner1": "0"}
    trial = tmp_path / "search" / "trial_1" / "trial.json"
    record = json.loads(trial.read_text())
    record["status"] = "RUNNING"
    trial.write_text(json.dumps(record))
    (tmp_path / "search" / "oracle.json").write_text(json.dumps(state))
    tuner, trained = _search(tmp_path)
    assert trained == 1 and tuner.oracle.trials["1"].status == "COMPLETED" and len(tuner.oracle.trials) == 2


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED", "INVALID", "STOPPED"])
def test_a_trial_that_ended_in_any_way_is_not_trained_again_by_the_worker_it_was_ongoing_for(tmp_path, status):
    _search(tmp_path)
    # This process's tuner is tuner0: the oracle would hand it back trial 1.
    state = _oracle(tmp_path)
    state["ongoing_trials"] = {"tuner0": "1"}
    (tmp_path / "search" / "oracle.json").write_text(json.dumps(state))
    trial = tmp_path / "search" / "trial_1" / "trial.json"
    trial.write_text(json.dumps({**json.loads(trial.read_text()), "status": status}))

    tuner, trained = _search(tmp_path)

    assert trained == 0 and tuner.oracle.trials["1"].status == status and tuner.oracle.ongoing_trials == {}


@pytest.mark.parametrize(
    "file, content, reason",
    [
        ("oracle.json", "", r"not readable JSON: Expecting value"),
        ("trial_0/trial.json", "{", r"not readable JSON"),
        ("trial_1/trial.json", "{}", r"it lacks trial_id, hyperparameters, status"),
    ],
)
def test_a_damaged_search_file_is_named_with_the_remedy(tmp_path, file, content, reason):
    _search(tmp_path)
    path = tmp_path / "search" / file
    path.write_text(content)
    with pytest.raises(
        tuning.DamagedSearchError,
        match=rf"^{path} is damaged \({reason}.*\); restore it, or start "
        r"the search afresh with --overwrite \(overwrite=True\)$",
    ):
        _search(tmp_path)
    # The remedy works.
    _, trained = _search(tmp_path, overwrite=True)
    assert trained == 2


def test_a_deleted_trial_is_reported_not_trained_again(tmp_path):
    _search(tmp_path)
    os.remove(tmp_path / "search" / "trial_0" / "trial.json")
    with pytest.raises(
        tuning.DamagedSearchError,
        match=rf"^{tmp_path}/search/trial_0/trial.json is missing, but "
        rf"{tmp_path}/search/oracle.json lists trial 0 \(1 missing in all\)",
    ):
        _search(tmp_path)


def test_a_trial_listed_anywhere_in_the_oracle_without_its_file_is_reported(tmp_path):
    _search(tmp_path)
    saved = _oracle(tmp_path)
    oracle = tmp_path / "search" / "oracle.json"
    # Started, ended, or held by a worker: each list alone names the trial.
    for key, listed in (
        ("start_order", ["0", "1", "2"]),
        ("end_order", ["0", "1", "2"]),
        ("ongoing_trials", {"tuner3": "2"}),
    ):
        oracle.write_text(json.dumps({**saved, key: listed}))
        with pytest.raises(
            tuning.DamagedSearchError,
            match=rf"^{tmp_path}/search/trial_2/trial.json is missing, but {oracle} lists trial 2 \(1 missing in all\); ",
        ):
            _search(tmp_path)
    oracle.write_text(json.dumps({**saved, "start_order": ["0", "1", "3", "2"], "ongoing_trials": {"tuner0": "4"}}))
    with pytest.raises(
        tuning.DamagedSearchError, match=r"trial_2/trial.json is missing, .* lists trial 2 \(3 missing in all\)"
    ):
        _search(tmp_path)
    # A state without one of the lists is named as damaged, by what it lacks.
    oracle.write_text(json.dumps({name: value for name, value in saved.items() if name != "end_order"}))
    with pytest.raises(tuning.DamagedSearchError, match=rf"^{oracle} is damaged \(it lacks end_order\)"):
        _search(tmp_path)


def test_a_grid_search_resumes_its_grid_with_more_trials(tmp_path):
    tuner, trained = _search(tmp_path, max_trials=2, kind="grid")
    assert trained == 2
    # The grid's order, every trial of it, is saved with the oracle.
    assert _oracle(tmp_path)["grid_order"] == ["0", "1"]
    tuner, trained = _search(tmp_path, max_trials=4, kind="grid")
    values = [tuner.oracle.trials[trial_id].hyperparameters.values for trial_id in sorted(tuner.oracle.trials)]
    # Two more trials, each a new point of the grid, the first still the defaults.
    assert trained == 2 and len(values) == 4
    assert len({tuple(sorted(v.items())) for v in values}) == 4
    assert _oracle(tmp_path)["grid_order"] == ["0", "1", "2", "3"]
    defaults = {hp.name: hp.default for hp in tuner.oracle.get_space().space}
    assert all(values[0][name] == defaults[name] for name in values[0])


def test_a_grid_search_saved_without_its_position_still_loads(tmp_path):
    # As keras-tuner's own GridSearchOracle (and kerasdnn before it kept the
    # grid's position) writes oracle.json: no grid_order, no grid_populate_next.
    _search(tmp_path, max_trials=2, kind="grid")
    state = {name: value for name, value in _oracle(tmp_path).items() if not name.startswith("grid_")}
    (tmp_path / "search" / "oracle.json").write_text(json.dumps(state))
    tuner, trained = _search(tmp_path, max_trials=2, kind="grid")
    assert trained == 0 and sorted(tuner.oracle.trials) == ["0", "1"]


def _write_search(folder, files):
    """A search's folder by hand: `{relative path: content}`, dicts written as JSON."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content) if isinstance(content, (dict, list)) else content)
    return str(folder)


ORACLE = {"ongoing_trials": {}, "start_order": ["0", "1"], "end_order": ["0", "1"]}
TRIAL = {"trial_id": "0", "hyperparameters": {}, "status": "COMPLETED"}


@pytest.mark.parametrize(
    "damage, named, reason",
    [
        ({}, None, None),
        # A trial folder whose trial.json is not written yet, and files keras-tuner never reads.
        ({"trial_2/checkpoint.weights.h5": "", "notes/trial.json": "{", "notes.txt": "{"}, None, None),
        ({"oracle.json": "[]"}, "oracle.json", "not a JSON object"),
        ({"oracle.json": "7"}, "oracle.json", "not a JSON object"),
        ({"oracle.json": {"ongoing_trials": {}, "start_order": []}}, "oracle.json", "it lacks end_order"),
        ({"trial_1/trial.json": {"trial_id": "1"}}, "trial_1/trial.json", "it lacks hyperparameters, status"),
        ({"tuner0.json": "{"}, "tuner0.json", "not readable JSON: Expecting property name"),
        # The first damaged file is named: the search's own files, then the trials in order.
        ({"trial_1/trial.json": "", "trial_0/trial.json": "["}, "trial_0/trial.json", "not readable JSON"),
        ({"oracle.json": "", "trial_0/trial.json": ""}, "oracle.json", "not readable JSON"),
    ],
)
def test_damaged_search_file_names_the_first_file_keras_tuner_cannot_read(tmp_path, damage, named, reason):
    # Each file holds exactly the keys keras-tuner reads: no more is asked of it.
    files = {"oracle.json": ORACLE, "trial_0/trial.json": TRIAL, "trial_1/trial.json": {**TRIAL, "trial_id": "1"}}
    error = oracles.damaged_search_file(_write_search(tmp_path, {**files, **damage}))
    if named is None:
        assert error is None
    else:
        assert isinstance(error, tuning.DamagedSearchError)
        assert str(error).startswith(f"{tmp_path / named} is damaged ({reason}")
        assert str(error).endswith("); restore it, or start the search afresh with --overwrite (overwrite=True)")
