import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kerasdnn

from conftest import REPOSITORY, free_port


def on_tensorflow(test):
    """Runs `test` on TensorFlow only, in the core subset that .ci/run runs there."""
    skip = pytest.mark.skipif(
        keras.backend.backend() != "tensorflow", reason="tf.distribute needs the TensorFlow backend"
    )
    return pytest.mark.core(skip(test))


# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("distribute")


@on_tensorflow
def test_without_tf_config_or_devices_the_default_strategy_is_used(monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert kerasdnn.default_strategy() is tf.distribute.get_strategy()


@on_tensorflow
def test_a_one_task_cluster_is_not_multi_worker(monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv(
        "TF_CONFIG", json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 0}})
    )
    assert kerasdnn.default_strategy() is tf.distribute.get_strategy()


@on_tensorflow
@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"cluster": {"worker": ["a:1", "b:2"]}}',
        '{"cluster": [], "task": {"type": "worker", "index": 0}}',
        '{"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker"}}',  # which worker this is: not said
    ],
)
def test_malformed_tf_config_is_named(monkeypatch, text):
    monkeypatch.setenv("TF_CONFIG", text)
    with pytest.raises(
        ValueError, match=r"^default_strategy\(\): TF_CONFIG must be a JSON object with a 'cluster'"
    ) as error:
        kerasdnn.default_strategy()
    assert repr(text) in str(error.value)


@on_tensorflow
@pytest.mark.parametrize("version", ["3.9.2", "3.16.0", "4.0.0"])
def test_multi_worker_fit_refuses_a_keras_release_outside_the_tested_range(monkeypatch, version):
    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    monkeypatch.setattr(kerasdnn.distribute, "is_multi_worker", lambda model: True)
    monkeypatch.setattr(keras, "__version__", version)
    with pytest.raises(RuntimeError) as error, kerasdnn.distribute.fit_scope(model):
        pass
    assert str(error.value) == (
        f"train(): multi-worker training needs a workaround tested with Keras 3.10 to 3.15; received Keras {version}"
    )


@on_tensorflow
@pytest.mark.parametrize("version", ["3.10.0", "3.15.1"])
def test_multi_worker_fit_scope_undoes_its_workaround_on_exit(monkeypatch, version):
    from keras.src.backend.tensorflow import trainer

    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    recorded, keras_reduce = model._distribute_strategy, trainer.reduce_per_replica
    monkeypatch.setattr(kerasdnn.distribute, "is_multi_worker", lambda model: True)
    monkeypatch.setattr(keras, "__version__", version)
    with pytest.raises(ZeroDivisionError), kerasdnn.distribute.fit_scope(model):
        # Inside: no strategy recorded on the model, Keras's reduction replaced.
        assert model._distribute_strategy is None and trainer.reduce_per_replica is not keras_reduce
        raise ZeroDivisionError  # a fit that fails undoes it as well
    assert model._distribute_strategy is recorded and trainer.reduce_per_replica is keras_reduce


@pytest.mark.integration
def test_two_workers_train_in_lockstep_on_loopback(tmp_path):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    str(REPOSITORY / "tests" / "helpers" / "multi_worker_fit.py"),
                    str(tmp_path / f"worker{index}.npz"),
                ],
                env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CONFIG": json.dumps(config)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        )
    try:
        outputs = [process.communicate(timeout=300)[0] for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, 9)
    assert [process.returncode for process in processes] == [0, 0], outputs

    saved = [np.load(tmp_path / f"worker{index}.npz") for index in range(2)]
    summaries = [json.loads(str(worker["summary"])) for worker in saved]
    for summary in summaries:
        assert summary["multi_worker"] and summary["replicas"] == 2
        assert summary["loss"][-1] < summary["loss"][0]
        assert summary["test_accuracy"] > 0.5  # ten classes: chance is 0.1; 0.82 here
        assert summary["steps_per_execution_4"] == (
            "train(): steps_per_execution must be 1 under MultiWorkerMirroredStrategy "
            "(Keras fails in its multi-step loop there); received 4"
        )
    # Gradients are all-reduced every step, so both workers end with the
    # same trainable weights although each saw only its half of every batch.
    # (BatchNormalization's moving statistics are each worker's own.)
    weights = [[worker[f"arr_{i}"] for i in range(len(worker.files) - 1)] for worker in saved]
    assert len(weights[0]) == 5  # kernel, BN gamma and beta, output kernel and bias
    for first, second in zip(*weights):
        np.testing.assert_allclose(first, second, rtol=1e-6)


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="keras.distribution's DataParallel is tested on JAX")
def test_one_jax_device_needs_no_distribution():
    assert len(keras.distribution.list_devices()) == 1 and kerasdnn.default_strategy() is None


@pytest.mark.integration
def test_jax_data_parallel_over_two_devices_and_two_processes_matches_one_device(tmp_path):
    script = REPOSITORY / "tests" / "helpers" / "jax_data_parallel_fit.py"

    def start(name, devices=1, **variables):
        environment = {
            **os.environ,
            "KERAS_BACKEND": "jax",
            "XLA_FLAGS": f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count={devices}",
            **variables,
        }
        return subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / f"{name}.npz")],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    # Two processes of one device each, joined over 127.0.0.1 (Gloo on CPUs),
    # each feeding its half of every batch.
    address = f"127.0.0.1:{free_port()}"
    runs = {
        name: start(
            name,
            KERAS_DISTRIBUTION_JOB_ADDRESSES=address,
            KERAS_DISTRIBUTION_NUM_PROCESSES="2",
            KERAS_DISTRIBUTION_PROCESS_ID=str(index),
        )
        for index, name in enumerate(("process0", "process1"))
    }
    for run in runs.values():
        output, _ = run.communicate(timeout=300)
        assert run.returncode == 0, output[-3000:]
    for name, devices in (("devices1", 1), ("devices2", 2)):
        run = start(name, devices)
        output, _ = run.communicate(timeout=300)
        assert run.returncode == 0, output[-3000:]
    results = {name: np.load(tmp_path / f"{name}.npz") for name in ("devices1", "devices2", "process0", "process1")}
    assert [int(results[name]["devices"]) for name in results] == [1, 2, 2, 2]
    assert [str(results[name]["distribution"]) for name in results] == ["None"] + ["DataParallel"] * 3
    for name in ("devices2", "process0", "process1"):
        np.testing.assert_allclose(results[name]["loss"], results["devices1"]["loss"], rtol=1e-4)
        for index in range(int(results["devices1"]["weights"])):
            np.testing.assert_allclose(
                results[name][f"w{index}"], results["devices1"][f"w{index}"], rtol=1e-4, atol=1e-5
            )
