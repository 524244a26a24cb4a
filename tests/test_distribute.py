import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import kerasdnn
from conftest import REPOSITORY, free_port

on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="tf.distribute needs the TensorFlow backend")


@on_tensorflow
def test_without_tf_config_or_devices_the_default_strategy_is_used(monkeypatch):
    import tensorflow as tf

    monkeypatch.delenv("TF_CONFIG", raising=False)
    assert kerasdnn.default_strategy() is tf.distribute.get_strategy()


@on_tensorflow
def test_a_one_task_cluster_is_not_multi_worker(monkeypatch):
    import tensorflow as tf

    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 0}}))
    assert kerasdnn.default_strategy() is tf.distribute.get_strategy()


@on_tensorflow
@pytest.mark.parametrize("text", ["not json", '{"cluster": {"worker": ["a:1", "b:2"]}}', '{"cluster": [], "task": {"type": "worker", "index": 0}}'])
def test_malformed_tf_config_is_named(monkeypatch, text):
    monkeypatch.setenv("TF_CONFIG", text)
    with pytest.raises(ValueError, match=r"^default_strategy\(\): TF_CONFIG must be a JSON object with a 'cluster'") as error:
        kerasdnn.default_strategy()
    assert repr(text) in str(error.value)


@pytest.mark.integration
def test_two_workers_train_in_lockstep_on_loopback(tmp_path):
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(subprocess.Popen(
            [sys.executable, str(REPOSITORY / "tests" / "helpers" / "multi_worker_fit.py"), str(tmp_path / f"worker{index}.npz")],
            env={**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CONFIG": json.dumps(config)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        ))
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
        assert summary["test_accuracy"] > 0.5  # ten classes: chance is 0.1
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
def test_jax_data_parallel_over_two_devices_matches_one_device(tmp_path):
    script = REPOSITORY / "tests" / "helpers" / "jax_data_parallel_fit.py"
    results = {}
    for devices in (1, 2):
        environment = {**os.environ, "KERAS_BACKEND": "jax",
                       "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}"}
        output = tmp_path / f"devices{devices}.npz"
        finished = subprocess.run([sys.executable, str(script), str(output)], env=environment,
                                  capture_output=True, text=True, timeout=300)
        assert finished.returncode == 0, finished.stderr[-3000:]
        results[devices] = np.load(output)
    assert int(results[1]["devices"]) == 1 and int(results[2]["devices"]) == 2
    assert str(results[2]["distribution"]) == "DataParallel" and str(results[1]["distribution"]) == "None"
    np.testing.assert_allclose(results[2]["loss"], results[1]["loss"], rtol=1e-4)
    for index in range(int(results[1]["weights"])):
        np.testing.assert_allclose(results[2][f"w{index}"], results[1][f"w{index}"], rtol=1e-4, atol=1e-5)
