"""The scanned training steps on JAX train exactly what Keras's loop of single steps trains, in fewer calls."""

import re

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import scanned_steps

pytestmark = [pytest.mark.xdist_group("train_options"), pytest.mark.core]
jax_only = pytest.mark.skipif(keras.backend.backend() != "jax", reason="the scanned steps are JAX's")


@pytest.mark.parametrize(
    "batches, preferred, expected",
    [
        (429, 32, 33),  # the headline: 429 = 3 × 11 × 13
        (430, 32, 43),  # 2 × 5 × 43: the only divisor between 16 and 64
        (64, 32, 32),
        (96, 32, 32),
        (30, 32, 30),
        (1023, 32, 31),  # 31 × 33: a tie goes to the shorter execution
        (431, 32, 32),  # a prime: no divisor near, the preferred length
        (1072, 32, 16),  # 16 × 67: the shortest length looked at
        (5, 1, 1),  # lengths from 0: the empty one is no divisor
        # The bounds, half and twice the preferred length: 11 × 97 (11 is
        # below 16), 19 × 23 (19 is at most 20), 23 × 29 and 25 × 29 (past
        # twice 10 and 12).
        (1067, 32, 32),
        (437, 10, 19),
        (667, 10, 10),
        (725, 12, 12),
        (48, 10, 8),  # of 48's divisors from 5 to 20 (6, 8, 12, 16), 8 and 12 tie
        (0, 32, 32),
    ],
)
def test_execution_steps_is_the_divisor_of_the_epoch_nearest_the_preferred(batches, preferred, expected):
    assert scanned_steps.execution_steps(batches, preferred) == expected


def _classifier():
    return kerasdnn.mlp((8,), units=(16,), classes=3, dropout=0.3)


def _data(samples=200):
    generator = np.random.default_rng(0)
    return generator.normal(size=(samples, 8)).astype("float32"), generator.integers(0, 3, samples)


class _BatchLogs(keras.callbacks.Callback):
    """The logs each call's end reports to the callbacks (the progress bar, TerminateOnNaN)."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append((batch, dict(logs)))


def _train(monkeypatch, scanned, **options):
    x, y = _data()
    if not scanned:
        monkeypatch.setattr(kerasdnn.training, "can_scan", lambda model: False)
    keras.utils.set_random_seed(0)
    model, batch_logs = _classifier(), _BatchLogs()
    run = kerasdnn.train(
        model,
        x,
        y,
        epochs=3,
        batch_size=16,
        verbose=0,
        validation_data=(x[:50], y[:50]),
        callbacks=[batch_logs],
        **options,
    )
    monkeypatch.undo()
    return model, {**run, "batch_logs": batch_logs.logs}


@jax_only
@pytest.mark.parametrize(
    "steps_per_execution, drop_remainder, steps",
    [(4, False, 13), (5, False, 13), (13, False, 13), (4, True, 12), (3, True, 12)],
)
def test_scanned_steps_train_the_weights_and_history_of_single_steps(
    monkeypatch, steps_per_execution, drop_remainder, steps
):
    # 200 samples in batches of 16: 12 whole batches and one of 8, so some
    # executions are scanned and the last runs single steps (at 13, a whole
    # execution whose batches differ in shape), or, on whole batches only,
    # every execution is scanned (the epoch's logs are then a scan's); with dropout.
    options = {"steps_per_execution": steps_per_execution, "drop_remainder": drop_remainder}
    scanned, scanned_run = _train(monkeypatch, True, **options)
    single, single_run = _train(monkeypatch, False, **options)
    for ours, theirs in zip(scanned.get_weights(), single.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert scanned_run["history"] == single_run["history"]
    assert scanned_run["batch_logs"] == single_run["batch_logs"] and scanned_run["batch_logs"]
    assert int(scanned.optimizer.iterations) == int(single.optimizer.iterations) == 3 * steps


@jax_only
def test_train_on_jax_runs_each_execution_of_whole_batches_as_one_scanned_call(monkeypatch):
    import jax

    calls = {"scanned": 0, "single": 0}
    compile_function = jax.jit

    def counting(function, **options):
        compiled = compile_function(function, **options)
        kind = {"scanned": "scanned", "train_step": "single"}.get(getattr(function, "__name__", None))
        if kind is None:
            return compiled

        def call(*arguments):
            calls[kind] += 1
            return compiled(*arguments)

        return call

    monkeypatch.setattr(jax, "jit", counting)
    x, y = _data()
    kerasdnn.train(_classifier(), x, y, epochs=2, batch_size=16, steps_per_execution=4, verbose=0)
    # 13 batches an epoch: 3 scanned executions of 4, then the one of 8 samples alone.
    assert calls == {"scanned": 2 * 3, "single": 2 * 1}


@jax_only
def test_train_on_jax_chooses_an_execution_length_that_divides_the_epoch():
    x, y = _data(48)
    model = _classifier()
    kerasdnn.train(model, x, y, epochs=1, batch_size=1, verbose=0)
    assert model.steps_per_execution == 24  # of 48's divisors from 16 to 64, nearest 32
    kerasdnn.train(model, x, y, epochs=1, batch_size=1, steps_per_execution=5, verbose=0)
    assert model.steps_per_execution == 5  # a value given is kept
    # 48 whole batches of 2 and a last one of 1: the length divides the 48
    # whole ones (24), not the 49 batches (49 itself).
    x, y = _data(97)
    kerasdnn.train(model, x, y, epochs=1, batch_size=2, verbose=0)
    assert model.steps_per_execution == 24


def test_scan_train_steps_refuses_a_model_it_cannot_scan(monkeypatch):
    model = _classifier()
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=1)
    assert not scanned_steps.can_scan(model)
    message = (
        "scan_train_steps(): the model must be compiled with jit_compile on the JAX backend, without a distribution, "
        "with steps_per_execution > 1 and, on the CPU, without convolutions; received steps_per_execution=1 on "
        f"{keras.backend.backend()}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        scanned_steps.scan_train_steps(model)
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4, run_eagerly=True)
    assert not scanned_steps.can_scan(model)
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4)
    model.run_eagerly = True  # set after compile, with jit_compile still on
    assert not scanned_steps.can_scan(model)
    assert model.jit_compile or keras.backend.backend() != "jax"
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4, jit_compile=False)
    assert not scanned_steps.can_scan(model)
    for steps in (2, 4):  # two steps a call are the fewest worth a scan
        model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=steps)
        assert scanned_steps.can_scan(model) is (keras.backend.backend() == "jax")
    # Keras's own distribution (data parallelism over devices) shards the batches its loop feeds.
    monkeypatch.setattr(keras.distribution, "distribution", lambda: object())
    assert not scanned_steps.can_scan(model)


@jax_only
def test_a_model_with_convolutions_keeps_keras_loop_on_the_cpu(monkeypatch):
    import jax

    # XLA's CPU backend runs a convolution inside a scan's loop far slower
    # (the Hanbat BN-CNN 12× in benchmarks/backends.py); other platforms do not.
    cnn = kerasdnn.cnn((8, 8, 1), filters=(4,), classes=3)
    wrapped = keras.Sequential([keras.Input((2, 8, 8, 1)), keras.layers.TimeDistributed(keras.layers.Conv2D(2, 3))])
    nested = keras.Sequential([keras.Input((8, 8, 1)), kerasdnn.cnn((8, 8, 1), filters=(4,), classes=3)])
    mlp = _classifier()
    for model in (cnn, wrapped, nested, mlp):
        model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4)
    assert jax.default_backend() == "cpu"
    assert [scanned_steps.can_scan(model) for model in (cnn, wrapped, nested, mlp)] == [False, False, False, True]
    monkeypatch.setattr(jax, "default_backend", lambda: "gpu")
    assert all(scanned_steps.can_scan(model) for model in (cnn, wrapped, nested, mlp))
