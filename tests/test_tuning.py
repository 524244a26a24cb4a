import json
import os
import signal
import subprocess
import sys
import time

import keras
import keras_tuner
import pytest

from conftest import REPOSITORY, free_port
from kerasdnn import tuning

WORKER = REPOSITORY / "tests" / "helpers" / "tune_worker.py"


def test_default_trial_is_the_headline_network():
    hp = keras_tuner.HyperParameters()
    model = tuning.MLPHyperModel().build(hp)
    assert model.count_params() == 570_122
    assert hp.values == {name: default for name, (_, _, default) in tuning.SPACE.items()
                         if name not in ("units_4", "batch_size")}


def _random_samples(hypermodel, count):
    """`count` draws of a random-search oracle over `hypermodel`'s space, each with the space."""
    space = keras_tuner.HyperParameters()
    hypermodel.build(space)
    oracle = keras_tuner.oracles.RandomSearchOracle(max_trials=5, seed=1)
    oracle.hyperparameters = space
    return [(oracle.populate_space(str(index))["values"], space) for index in range(count)]


def test_fixed_values_are_not_searched():
    hypermodel = tuning.MLPHyperModel(depth=1, activation="tanh", units_1=64)
    for values, _ in _random_samples(hypermodel, 3):
        assert values["depth"] == 1 and values["activation"] == "tanh" and values["units_1"] == 64
    with pytest.raises(ValueError, match=r"^MLPHyperModel\(\): fixed hyperparameter must be one of .*received fixed hyperparameter='dept' \(did you mean 'depth'"):
        tuning.MLPHyperModel(dept=2)


def test_random_samples_build(seed):
    hypermodel = tuning.MLPHyperModel()
    for values, space in _random_samples(hypermodel, 3):
        sample = space.copy()
        sample.values.update(values)
        assert isinstance(hypermodel.build(sample), keras.Model)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kind": "genetic"}, r"^make_tuner\(\): kind must be one of bayesian, grid, hyperband, random; received kind='genetic'$"),
        ({"max_trials": 0}, r"^make_tuner\(\): max_trials must be >= 1; received max_trials=0$"),
    ],
)
def test_bad_search_arguments_fail_before_any_trial(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        tuning.make_tuner(directory=str(tmp_path), **kwargs)
    assert list(tmp_path.iterdir()) == []


ORACLES = {
    "random": keras_tuner.oracles.RandomSearchOracle,
    "hyperband": keras_tuner.oracles.HyperbandOracle,
    "bayesian": keras_tuner.oracles.BayesianOptimizationOracle,
    "grid": keras_tuner.oracles.GridSearchOracle,
}


@pytest.mark.parametrize("kind", tuning.TUNERS)
def test_every_tuner_kind_builds_its_own_oracle_and_starts_from_the_default(tmp_path, kind):
    tuner = tuning.make_tuner(kind, directory=str(tmp_path), max_trials=2, max_epochs=2)
    assert tuner.project_dir == str(tmp_path / "mlp_search")
    assert isinstance(tuner.oracle, ORACLES[kind])
    for other, oracle_class in ORACLES.items():
        if other != kind and not issubclass(ORACLES[kind], oracle_class):
            assert not isinstance(tuner.oracle, oracle_class)
    first = tuner.oracle.create_trial("tuner0")
    defaults = keras_tuner.HyperParameters()
    tuning.MLPHyperModel().build(defaults)
    assert {name: first.hyperparameters.values[name] for name in defaults.values} == defaults.values


@pytest.mark.core
def test_two_trial_search_writes_the_expected_files(tmp_path, mnist_small):
    (x, y), (x_val, y_val) = mnist_small
    tuner = tuning.make_tuner("random", tuning.MLPHyperModel(units_1=64, units_2=32, units_3=32),
                              max_trials=2, directory=str(tmp_path), project_name="mnist")
    tuning.search(tuner, x[:500], y[:500], validation_data=(x_val[:200], y_val[:200]), epochs=2)
    best = tuning.write_report(tuner, str(tmp_path / "report"))
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["best_hyperparameters.json", "scores.png", "trials.csv"]
    assert json.loads((tmp_path / "report" / "best_hyperparameters.json").read_text()) == best.values
    rows = (tmp_path / "report" / "trials.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("trial,status,score,depth")
    rows = tuning.trial_rows(tuner)
    assert {row["status"] for row in rows} == {"COMPLETED"}
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 2
    assert [line.split(",")[0] for line in (tmp_path / "report" / "trials.csv").read_text().splitlines()[1:]] == [
        row["trial"] for row in rows]
    oracle_best = tuner.oracle.get_best_trials(1)[0]
    assert rows[0]["trial"] == oracle_best.trial_id and best.values == oracle_best.hyperparameters.values
    # The first trial is the space's defaults, fixed values included.
    first = next(row for row in rows if int(row["trial"]) == 0)
    assert first["depth"] == 3 and first["activation"] == "relu" and first["learning_rate"] == 2e-3
    assert first["units_1"] == 64


def _worker(directory, max_trials, *extra, env=None):
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(directory), str(max_trials), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def _finished_trials(directory):
    completed = []
    for trial in (directory / "search").glob("trial_*/trial.json"):
        record = json.loads(trial.read_text())
        if record["status"] == "COMPLETED":
            completed.append(record["trial_id"])
    return sorted(completed)


@pytest.mark.integration
def test_mirrored_strategy_over_two_logical_cpus(tmp_path):
    worker = _worker(tmp_path, 1, "--logical-cpus", "2")
    output, _ = worker.communicate(timeout=300)
    assert worker.returncode == 0, output
    assert "replicas=2" in output and "trials=1" in output


@pytest.mark.integration
def test_killed_search_resumes_without_repeating_or_losing_trials(tmp_path):
    worker = _worker(tmp_path, 4, "--slow")
    deadline = time.time() + 240
    while len(_finished_trials(tmp_path)) < 2 and time.time() < deadline:
        time.sleep(0.5)
    os.killpg(worker.pid, signal.SIGKILL)  # mid-trial: the third one has started
    worker.wait()
    done_before = _finished_trials(tmp_path)
    assert len(done_before) >= 2
    resumed = _worker(tmp_path, 4)
    output, _ = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, output
    done_after = _finished_trials(tmp_path)
    assert set(done_before) <= set(done_after) and len(done_after) == 4
    # Only the trials not finished before the kill were trained again.
    assert f"trained={4 - len(done_before)}" in output, output


@pytest.mark.integration
def test_chief_and_two_workers_on_loopback(tmp_path):
    address = {"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(free_port())}
    chief = _worker(tmp_path, 4, env={**address, "KERASTUNER_TUNER_ID": "chief"})
    try:
        time.sleep(3)  # let the chief start serving before workers ask for trials
        workers = [_worker(tmp_path, 4, env={**address, "KERASTUNER_TUNER_ID": f"tuner{i}"}) for i in range(2)]
        outputs = [worker.communicate(timeout=400)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
    finally:
        # The chief keeps serving after the workers finish: stop it here.
        os.killpg(chief.pid, signal.SIGKILL)
        chief.wait()
    # The chief's oracle wrote every trial's result: four trials, each once,
    # each with its score.
    trials = _finished_trials(tmp_path)
    assert len(trials) == 4 and len(set(trials)) == 4
    for trial in (tmp_path / "search").glob("trial_*/trial.json"):
        assert json.loads(trial.read_text())["score"] is not None
