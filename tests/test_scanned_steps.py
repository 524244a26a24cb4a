"""The scanned training steps on JAX train exactly what Keras's loop of single steps trains, in fewer calls."""

import re

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import scanned_steps, tuning

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


def test_scan_train_steps_refuses_a_model_it_cannot_scan(monkeypatch):
    model = _classifier()
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=1)
    assert not scanned_steps.can_scan(model)
    message = (
        "scan_train_steps(): the model must be compiled with jit_compile on the JAX backend, without a distribution "
        f"and with steps_per_execution > 1; received steps_per_execution=1 on {keras.backend.backend()}"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        scanned_steps.scan_train_steps(model)
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4, run_eagerly=True)
    assert not scanned_steps.can_scan(model)
    model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=4, jit_compile=False)
    assert not scanned_steps.can_scan(model)
    for steps in (2, 4):  # two steps a call are the fewest worth a scan
        model.compile(loss="sparse_categorical_crossentropy", steps_per_execution=steps)
        assert scanned_steps.can_scan(model) is (keras.backend.backend() == "jax")
    # Keras's own distribution (data parallelism over devices) shards the batches its loop feeds.
    monkeypatch.setattr(keras.distribution, "distribution", lambda: object())
    assert not scanned_steps.can_scan(model)


def _trial(monkeypatch, scanned, preferred):
    """Fits one search trial (batch 16, two epochs, cosine) on 200 samples, counting the scanned calls."""
    import keras_tuner

    from kerasdnn import hypermodel as hypermodel_module

    monkeypatch.setattr(kerasdnn.training, "default_steps_per_execution", lambda multi_worker=False: preferred)
    if not scanned:
        monkeypatch.setattr(hypermodel_module.scanned_steps, "can_scan", lambda model: False)
    calls = []
    scan = hypermodel_module.scanned_steps.scan_train_steps

    def counted(model):
        scan(model)
        train_function = model.train_function

        def counting(state, iterator):
            calls.append(model.steps_per_execution)
            return train_function(state, iterator)

        model.train_function = counting

    monkeypatch.setattr(hypermodel_module.scanned_steps, "scan_train_steps", counted)
    x, y = _data()
    hp = keras_tuner.HyperParameters()
    hypermodel = tuning.MLPHyperModel((8,), classes=3, batch_size=16, schedule="cosine", dropout=0.3, depth=1)
    keras.utils.set_random_seed(0)
    model = hypermodel.build(hp)
    history = hypermodel.fit(hp, model, x, y, epochs=2, verbose=0, validation_data=(x[:50], y[:50]))
    monkeypatch.undo()
    return model, history.history, calls


@jax_only
def test_a_search_trial_on_jax_scans_executions_that_divide_its_epoch(monkeypatch):
    # 12 whole batches of 16 and one of 8: asked for 5 a call, the trial runs
    # 4 (12's divisors nearest 5 are 4 and 6, the shorter wins): three scanned
    # calls and the last batch alone, each epoch.
    scanned, scanned_history, calls = _trial(monkeypatch, True, 5)
    single, single_history, _ = _trial(monkeypatch, False, 5)
    assert scanned.steps_per_execution == 4 and len(calls) == 2 * 4
    for ours, theirs in zip(scanned.get_weights(), single.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    assert scanned_history == single_history
    assert int(scanned.optimizer.iterations) == int(single.optimizer.iterations) == 2 * 13
