import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time

import keras
import keras_tuner
import pytest

from kerasdnn import tuning, zoo

from conftest import REPOSITORY, free_port

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("tuning")


WORKER = REPOSITORY / "tests" / "helpers" / "tune_worker.py"


@pytest.mark.parametrize("dataset", sorted(tuning.HEADLINES))
def test_default_trial_is_the_datasets_headline_network_trained_as_its_record_says(dataset, mnist_small):
    record, defaults = tuning.HEADLINES[dataset]
    info = zoo.model_info(record)
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.MLPHyperModel(defaults=defaults)
    model = hypermodel.build(hp)
    assert model.count_params() == info.parameters

    # Layer by layer the record's net: sizes, rates, activations, initializers.
    def configs(net):
        return [{key: value for key, value in layer.get_config().items() if key != "name"} for layer in net.layers]

    assert configs(model) == configs(zoo.create_model(record))
    # batch_size and schedule are declared by fit, units_4 by deeper trials.
    space_defaults = {name: default for name, (_, _, default) in tuning.SPACE.items()}
    assert hp.values == {
        name: value
        for name, value in {**space_defaults, **defaults}.items()
        if name not in ("batch_size", "schedule")
        and (name != "units_4" or hp.values["depth"] == 4)
        and (name != "units_3" or hp.values["depth"] >= 3)
    }
    # The record's training: AdamW's decay, rate, cosine schedule, batch size.
    training = info.training
    assert {
        "optimizer": "adamw",
        "weight_decay": training["optimizer"]["config"]["weight_decay"],
        "learning_rate": training["learning_rate"],
        "schedule": training["schedule"],
        "batch_size": training["batch_size"],
    } == {
        name: space_defaults[name] for name in ("optimizer", "weight_decay", "learning_rate", "schedule", "batch_size")
    }
    assert training["optimizer"]["class_name"] == "AdamW"
    (x, y), _ = mnist_small
    history = hypermodel.fit(hp, model, x[:256], y[:256], epochs=2, verbose=0)
    assert hp.values["batch_size"] == 128 and hp.values["schedule"] == "cosine"
    # Cosine decay to zero over the trial: 2 epochs of 2 steps (256 images at 128).
    schedule = model.optimizer.get_config()["learning_rate"]
    assert schedule["class_name"] == "CosineDecay" and schedule["config"]["decay_steps"] == 4
    assert len(history.history["loss"]) == 2


def test_trial_optimizer_follows_the_values():
    adamw = tuning.trial_optimizer({"optimizer": "adamw", "weight_decay": 0.1, "learning_rate": 0.01})
    assert type(adamw).__name__ == "AdamW" and adamw.weight_decay == 0.1
    assert float(adamw.learning_rate) == pytest.approx(0.01)
    decayed = tuning.trial_optimizer(
        {"optimizer": "nesterov", "learning_rate": 0.1, "schedule": "cosine", "batch_size": 100, "weight_decay": 0.1},
        epochs=3,
        samples=1000,
    )
    assert decayed.nesterov and not decayed.weight_decay
    schedule = decayed.get_config()["learning_rate"]["config"]
    assert schedule["decay_steps"] == 30 and schedule["initial_learning_rate"] == 0.1
    assert tuning.trial_optimizer({"optimizer": "adamw", "learning_rate": 0.01}).weight_decay == 0.05
    constant = tuning.trial_optimizer(
        {"optimizer": "sgd", "learning_rate": 0.1, "schedule": "constant"}, epochs=3, samples=1000
    )
    assert float(constant.learning_rate) == pytest.approx(0.1)


def test_cosine_trials_need_arrays(mnist_small):
    (x, y), _ = mnist_small
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.MLPHyperModel(depth=1, units_1=16)
    model = hypermodel.build(hp)
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((x[:64], y[:64])).batch(32)
    with pytest.raises(
        ValueError,
        match=r"^MLPHyperModel.fit\(\): schedule 'cosine' needs x as an array, whose "
        r"length sets the decay steps; received x of type _BatchDataset",
    ):
        hypermodel.fit(hp, model, dataset, epochs=1)


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
    with pytest.raises(
        ValueError,
        match=r"^MLPHyperModel\(\): fixed hyperparameter must be one of .*received fixed hyperparameter='dept' \(did you mean 'depth'",
    ):
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
        (
            {"kind": "genetic"},
            r"^make_tuner\(\): kind must be one of bayesian, grid, hyperband, random; received kind='genetic'$",
        ),
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
    tuner = tuning.make_tuner(
        "random",
        tuning.MLPHyperModel(units_1=64, units_2=32, units_3=32, l1=1e-5, l2=1e-3),
        max_trials=2,
        directory=str(tmp_path),
        project_name="mnist",
    )
    tuning.search(
        tuner, x[:500], y[:500], validation_data=(x_val[:200], y_val[:200]), epochs=2, tensorboard=tmp_path / "logs"
    )
    best = tuning.write_report(tuner, str(tmp_path / "report"))
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [
        "best_hyperparameters.json",
        "scores.png",
        "trials.csv",
    ]
    assert json.loads((tmp_path / "report" / "best_hyperparameters.json").read_text()) == best.values
    rows = (tmp_path / "report" / "trials.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[0].startswith("trial,status,score,depth")
    rows = tuning.trial_rows(tuner)
    assert {row["status"] for row in rows} == {"COMPLETED"}
    scores = [row["score"] for row in rows]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 2
    assert [line.split(",")[0] for line in (tmp_path / "report" / "trials.csv").read_text().splitlines()[1:]] == [
        row["trial"] for row in rows
    ]
    # Each column of trials.csv holds its own hyperparameter's value (l1 under l1, l2 under l2, ...).
    values = {trial.trial_id: trial.hyperparameters.values for trial in tuner.oracle.trials.values()}
    with open(tmp_path / "report" / "trials.csv") as handle:
        for written in csv.DictReader(handle):
            for name in tuning.SPACE:
                expected = values[written["trial"]].get(name)
                assert written[name] == ("" if expected is None else str(expected)), name
    oracle_best = tuner.oracle.get_best_trials(1)[0]
    assert rows[0]["trial"] == oracle_best.trial_id and best.values == oracle_best.hyperparameters.values
    # The first trial is the space's defaults, fixed values included.
    first = next(row for row in rows if int(row["trial"]) == 0)
    assert first["depth"] == 3 and first["activation"] == "relu" and first["learning_rate"] == 2e-3
    assert first["units_1"] == 64
    # TensorBoard's HParams dashboard finds every trial's hyperparameters,
    # and its validation curve peaks at the trial's score.
    logs = _tensorboard_logs(tmp_path / "logs")
    assert sorted(logs) == sorted(row["trial"] for row in rows)
    values = {trial.trial_id: trial.hyperparameters.values for trial in tuner.oracle.trials.values()}
    for row in rows:
        hparams, curves, status = logs[row["trial"]]
        # Every column in every trial: the ones fit declares (batch_size,
        # schedule) and deeper layers' units included; its status is written.
        assert set(hparams) == set(tuning.SPACE) and status == "STATUS_SUCCESS"
        assert hparams == tuning.trial_hparams(values[row["trial"]])
        assert {name: hparams[name] for name in values[row["trial"]]} == values[row["trial"]]
        assert max(curves["validation/epoch_accuracy"]) == pytest.approx(row["score"], rel=1e-6)
        assert len(curves["train/epoch_loss"]) == 2


def _tensorboard_logs(log_dir):
    """{trial id: (hyperparameters of its HParams session, {run/tag: [values]}, its end status)} from the event files."""
    import tensorflow as tf
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

    logs = {}
    for trial_dir in log_dir.iterdir():
        hparams, curves, status = {}, {}, None
        # The HParams sessions as TensorBoard's own reader loads them.
        accumulator = EventAccumulator(str(trial_dir))
        accumulator.Reload()
        for content in accumulator.PluginTagToContent("hparams").values():
            session = plugin_data_pb2.HParamsPluginData.FromString(content)
            for name, proto in session.session_start_info.hparams.items():
                hparams[name] = getattr(proto, proto.WhichOneof("kind"))
            if session.HasField("session_end_info"):
                status = api_pb2.Status.Name(session.session_end_info.status)
        for path in trial_dir.rglob("events.out.tfevents.*"):
            run = path.parent.relative_to(trial_dir).as_posix()
            for event in tf.compat.v1.train.summary_iterator(str(path)):
                for value in event.summary.value:
                    if value.metadata.plugin_data.plugin_name == "scalars":
                        curves.setdefault(f"{run}/{value.tag}", []).append(float(tf.make_ndarray(value.tensor)))
        logs[trial_dir.name] = (hparams, curves, status)
    return logs


def _worker(directory, max_trials, *extra, env=None):
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(directory), str(max_trials), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )


def _finished_trials(directory):
    completed = []
    for trial in (directory / "search").glob("trial_*/trial.json"):
        record = _read_json(trial) or {}
        if record.get("status") == "COMPLETED":
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


def _read_json(path):
    """A JSON file another process may be rewriting: None until it reads whole."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


# The installed `kerasdnn` command picks the search's backend before Keras
# loads; `python -m kerasdnn.cli` (no install) has to start itself again.
_SCRIPT = os.path.join(os.path.dirname(sys.executable), "kerasdnn")
KERASDNN_COMMAND = [_SCRIPT] if os.path.isfile(_SCRIPT) else [sys.executable, "-m", "kerasdnn.cli"]


class _Search:
    """A `kerasdnn tune` search on 127.0.0.1 run through the command itself: a chief and workers, each logged to a file."""

    def __init__(self, directory, max_trials, data_dir):
        self.directory = directory
        self.arguments = [
            "tune",
            "--max-trials",
            str(max_trials),
            "--epochs",
            "1",
            "--train-samples",
            "1000",
            "--data-dir",
            data_dir,  # small exports: no process waits for TensorFlow's import
            "--directory",
            str(directory),
            "--project-name",
            "search",
            "--oracle-port",
            str(free_port()),
        ]
        self.logs, self.processes = [], []

    def start(self, *role):
        self.logs.append(self.directory / f"process{len(self.logs)}.log")
        with open(self.logs[-1], "w") as log:
            self.processes.append(
                subprocess.Popen(
                    [*KERASDNN_COMMAND, *self.arguments, *role],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    text=True,
                    start_new_session=True,
                )
            )
        return self.processes[-1]

    def wait_for(self, condition, what, seconds=240):
        deadline = time.time() + seconds
        while not condition():
            assert time.time() < deadline, f"timed out waiting for {what}: " + "\n".join(
                log.read_text()[-2000:] for log in self.logs
            )
            time.sleep(0.1)

    def oracle(self):
        return _read_json(self.directory / "search" / "oracle.json") or {}

    def report(self):
        with open(self.directory / "search" / "report" / "trials.csv") as handle:
            return list(csv.DictReader(handle))

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@pytest.mark.integration
@pytest.mark.xdist_group("cli_workers")  # minutes: a worker of its own
def test_cli_search_survives_a_late_chief_and_a_killed_worker(tmp_path, smoke_data_dir):
    search = _Search(tmp_path, max_trials=4, data_dir=smoke_data_dir)
    start, wait_for, logs = search.start, search.wait_for, search.logs
    # A worker started before its chief waits for it.
    first_worker = start("--worker", "0")
    wait_for(lambda: "waiting up to 300 s for the search's chief" in logs[0].read_text(), "the waiting message")
    chief, second_worker = start("--chief"), start("--worker", "1")
    try:
        # Kill worker 0 with SIGKILL once it runs a trial; its trial stays RUNNING.
        wait_for(lambda: "tuner0" in (search.oracle().get("ongoing_trials") or {}), "worker 0's first trial")
        os.killpg(first_worker.pid, signal.SIGKILL)
        assert first_worker.wait() == -signal.SIGKILL
        orphan = search.oracle()["ongoing_trials"]["tuner0"]
        # Started again with the same id, it finishes that trial and the search.
        restarted = start("--worker", "0")
        assert [process.wait(timeout=400) for process in (restarted, second_worker)] == [0, 0]
        # The chief exits by itself, status 0, once every trial has ended.
        assert chief.wait(timeout=120) == 0, logs[1].read_text()[-3000:]
    finally:
        search.stop()
    for log in logs[2:]:
        assert "no trials left; the chief writes the report in" in log.read_text()
    rows = search.report()
    assert sorted(row["trial"] for row in rows) == [str(trial) for trial in range(4)] and orphan in {
        row["trial"] for row in rows
    }
    assert {row["status"] for row in rows} == {"COMPLETED"} and all(0 <= float(row["score"]) <= 1 for row in rows)
    assert "best hyperparameters:" in logs[1].read_text()
    # A finished search lists no trial as ongoing, so running it again trains nothing.
    assert search.oracle()["ongoing_trials"] == {}


# Over a minute on 2 cores, past the default suite's budget: run with -m slow.
@pytest.mark.slow
@pytest.mark.xdist_group("cli_chief")
def test_cli_chief_killed_and_restarted_resumes_the_search(tmp_path, smoke_data_dir):
    search = _Search(tmp_path, max_trials=4, data_dir=smoke_data_dir)
    chief = search.start("--chief")
    worker = search.start("--worker", "0")
    try:
        search.wait_for(lambda: len(_finished_trials(tmp_path)) >= 1, "a finished trial")
        os.killpg(chief.pid, signal.SIGKILL)
        chief.wait()
        finished = _finished_trials(tmp_path)
        # The worker waits for the chief (keras-tuner's calls wait until it is back).
        restarted = search.start("--chief")
        assert worker.wait(timeout=400) == 0, search.logs[1].read_text()[-3000:]
        assert restarted.wait(timeout=120) == 0, search.logs[2].read_text()[-3000:]
    finally:
        search.stop()
    rows = search.report()
    assert set(finished) <= {row["trial"] for row in rows} and len(rows) == 4
    assert {row["status"] for row in rows} == {"COMPLETED"}


@pytest.mark.integration
@pytest.mark.xdist_group("cli_workers")
def test_one_search_per_chief_address(tmp_path, smoke_data_dir):
    search = _Search(tmp_path, max_trials=2, data_dir=smoke_data_dir)
    search.start("--chief")
    try:
        port = search.arguments[search.arguments.index("--oracle-port") + 1]

        def serving():
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", int(port))) == 0

        search.wait_for(serving, "the chief serving")
        # A second chief on the served port: refused at once, naming the search.
        second = subprocess.run(
            [*KERASDNN_COMMAND, *search.arguments[:-2], "--oracle-port", port, "--chief", "--project-name", "other"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 2 and second.stderr.strip() == (
            f"kerasdnn tune: 127.0.0.1:{port} already serves the search in {tmp_path}/search; stop that "
            f"chief, or start this one with another --oracle-port"
        )
        # A worker of another search reaching this chief: refused.
        stray = subprocess.run(
            [*KERASDNN_COMMAND, *search.arguments, "--worker", "0", "--project-name", "other"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert stray.returncode == 2 and stray.stderr.strip().splitlines()[-1] == (
            f"kerasdnn tune: the chief at 127.0.0.1:{port} serves the search in {tmp_path}/search, not this "
            f"worker's {tmp_path}/other; give the worker the same --directory and --project-name as its chief, "
            f"or the --oracle-port of its own chief"
        )
    finally:
        search.stop()


# About a minute on 2 cores (three processes start Keras at once): run with -m slow.
@pytest.mark.slow
@pytest.mark.xdist_group("cli_workers")
def test_one_command_runs_a_chief_and_two_workers(tmp_path):
    run = subprocess.run(
        [
            *KERASDNN_COMMAND,
            "tune",
            "--workers",
            "2",
            "--smoke",
            "--max-trials",
            "3",
            "--epochs",
            "1",
            "--directory",
            str(tmp_path),
            "--project-name",
            "search",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stdout.splitlines()
    assert all(line.startswith(("[chief] ", "[worker 0] ", "[worker 1] ")) for line in lines)
    for worker in (0, 1):
        assert f"[worker {worker}] worker {worker}: no trials left; the chief writes the report in" in run.stdout
    assert f"[chief] report in {tmp_path}/search/report" in run.stdout
    with open(tmp_path / "search" / "report" / "trials.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["trial"] for row in rows) == ["0", "1", "2"] and {row["status"] for row in rows} == {"COMPLETED"}


def test_workers_go_without_chief_or_worker(capsys):
    from kerasdnn.cli import main

    assert main(["tune", "--workers", "2", "--chief"]) == 2
    assert capsys.readouterr().err.strip() == (
        "kerasdnn tune: --workers starts its own chief and workers; received it with --chief"
    )


@pytest.mark.slow
@pytest.mark.xdist_group("cli_workers")
def test_ctrl_c_stops_the_chief_and_every_worker(tmp_path):
    process = subprocess.Popen(
        [
            *KERASDNN_COMMAND,
            "tune",
            "--workers",
            "2",
            "--smoke",
            "--max-trials",
            "50",
            "--epochs",
            "1",
            "--directory",
            str(tmp_path),
            "--project-name",
            "search",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.time() + 240
    while not list((tmp_path / "search").glob("trial_*")) and time.time() < deadline:
        time.sleep(0.5)
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
    assert len(children) == 3  # the chief and two workers
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "kerasdnn tune: interrupted; run the same command again to resume"
    for child in children:
        assert not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z"
