import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import kerasdnn
from kerasdnn import optimizers

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("optimizers")


def _is_keras_class(optimizer, cls):
    # On PyTorch, Keras builds its backend's own subclass of each, of the same name.
    return isinstance(optimizer, cls) and type(optimizer).__name__ == cls.__name__


@pytest.mark.parametrize(
    "name, cls, momentum, nesterov",
    [
        ("sgd", keras.optimizers.SGD, 0.0, False),
        ("momentum", keras.optimizers.SGD, 0.9, False),
        ("nesterov", keras.optimizers.SGD, 0.9, True),
        ("adagrad", keras.optimizers.Adagrad, None, None),
        ("rmsprop", keras.optimizers.RMSprop, None, None),
        ("adadelta", keras.optimizers.Adadelta, None, None),
        ("adam", keras.optimizers.Adam, None, None),
        ("AdamW", keras.optimizers.AdamW, None, None),
    ],
)
def test_names_resolve_with_rate_and_clipping(name, cls, momentum, nesterov):
    optimizer = optimizers.get(name, learning_rate=0.05, clipnorm=1.0)
    assert _is_keras_class(optimizer, cls)
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert optimizer.clipnorm == 1.0 and optimizer.clipvalue is None
    assert optimizers.get(name, clipvalue=0.5).clipvalue == 0.5
    if momentum is not None:
        assert optimizer.momentum == momentum and optimizer.nesterov == nesterov


def test_the_default_is_keras_adam_with_its_own_settings():
    optimizer = optimizers.get()
    assert _is_keras_class(optimizer, keras.optimizers.Adam)
    # (Each optimizer is named apart, "adam", "adam_1", ...)
    config, default = optimizer.get_config(), keras.optimizers.Adam().get_config()
    assert {**config, "name": None} == {**default, "name": None}


def test_instance_is_returned_or_copied_with_overrides():
    adam = keras.optimizers.Adam(0.1)
    assert optimizers.get(adam) is adam
    copy = optimizers.get(adam, clipvalue=0.5)
    assert copy is not adam and copy.clipvalue == 0.5 and float(copy.learning_rate) == pytest.approx(0.1)


@pytest.mark.parametrize("name", ["adam", "sgd", "nesterov", "rmsprop"])
def test_a_schedule_reaches_the_optimizer(name):
    schedule = keras.optimizers.schedules.CosineDecay(0.1, decay_steps=10)
    optimizer = optimizers.get(name, learning_rate=schedule, clipnorm=1.0)
    assert optimizer.clipnorm == 1.0
    variable = keras.Variable(np.zeros(3, "float32"))
    rates = []
    for _ in range(3):
        rates.append(float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
        for _ in range(3):
            optimizer.apply([keras.ops.ones(3)], [variable])
    assert rates == pytest.approx([float(schedule(step)) for step in (0, 3, 6)], rel=1e-5)
    assert rates[0] > rates[1] > rates[2]


def test_a_schedule_reaches_the_optimizer_through_train():
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    schedule = keras.optimizers.schedules.CosineDecay(0.05, decay_steps=20)
    model = kerasdnn.mlp((4,), units=(8,), classes=2)
    result = kerasdnn.train(
        model, x, (x[:, 0] > 0).astype(int), epochs=2, batch_size=16, learning_rate=schedule, verbose=0
    )
    # 4 batches an epoch: the rate logged after each epoch is the schedule's
    # value at that step count.
    assert int(model.optimizer.iterations) == 8
    assert result["history"]["learning_rate"] == pytest.approx([float(schedule(4)), float(schedule(8))], rel=1e-5)
    assert result["optimizer"]["learning_rate"]["class_name"] == "CosineDecay"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"identifier": "adm"},
            ValueError,
            r"^get\(\): optimizer must be one of .*; received optimizer='adm' \(did you mean 'adam'",
        ),
        ({"learning_rate": 0}, ValueError, r"^get\(\): learning_rate must be > 0; received learning_rate=0$"),
        ({"clipnorm": -1.0}, ValueError, r"^get\(\): clipnorm must be > 0; received clipnorm=-1.0$"),
        (
            {"clipnorm": 1.0, "clipvalue": 0.5},
            ValueError,
            r"^get\(\): pass at most one of clipnorm and clipvalue; received clipnorm=1.0, clipvalue=0.5$",
        ),
        (
            {"identifier": 3},
            TypeError,
            r"^get\(\): optimizer must be a name, a config dict or a keras.optimizers.Optimizer; received optimizer=3 of type int$",
        ),
    ],
)
def test_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        optimizers.get(**kwargs)


@pytest.mark.core
def test_a_model_trained_by_train_opens_in_plain_keras(tmp_path):
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    model = kerasdnn.mlp((4,), units=(8,), classes=2, dropout=0.1)
    kerasdnn.train(model, x, (x[:, 0] > 0).astype(int), epochs=1, output_dir=tmp_path, verbose=0)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "expected.npy", keras.ops.convert_to_numpy(model(x, training=False)))
    # A new interpreter that never imports kerasdnn.
    script = (
        "import sys, numpy as np, keras\n"
        f"model = keras.models.load_model({str(tmp_path / 'model.keras')!r})\n"
        f"outputs = keras.ops.convert_to_numpy(model(np.load({str(tmp_path / 'x.npy')!r}), training=False))\n"
        f"np.testing.assert_allclose(outputs, np.load({str(tmp_path / 'expected.npy')!r}), rtol=1e-5, atol=1e-6)\n"
        "assert isinstance(model.optimizer, keras.optimizers.Adam) and 'kerasdnn' not in sys.modules\n"
    )
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]


def _zero_gradient_loss(y_true, y_pred):
    return 0.0 * keras.ops.sum(y_pred)


@pytest.mark.core
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_coupled_weight_decay_reaches_every_parameter_through_fit(name, tmp_path):
    # A loss with zero gradient leaves only the decay: one SGD step of rate
    # 0.1 and decay 0.5 scales every parameter, bias and BatchNorm's γ and β
    # included, by 1 − 0.1·0.5; Adam normalizes the decayed gradient, so each
    # parameter moves against its sign by the rate.
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(2, bias_initializer="ones"),
            keras.layers.BatchNormalization(beta_initializer="ones"),
        ]
    )
    before = [np.array(weight) for weight in model.trainable_weights]
    optimizer = optimizers.get(name, learning_rate=0.1, coupled_weight_decay=0.5)
    assert type(optimizer).__name__ == f"Coupled{type(optimizers.get(name)).__name__}"
    model.compile(optimizer=optimizer, loss=_zero_gradient_loss)
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), batch_size=4, epochs=1, verbose=0)
    for old, new in zip(before, model.trainable_weights):
        expected = 0.95 * old if name == "sgd" else old - 0.1 * np.sign(old)
        # (Adam's ε, against a decayed gradient of ~0.03, moves the step by ~1e-5.)
        np.testing.assert_allclose(np.array(new), expected, rtol=1e-4, atol=1e-4)
    # Registered, so the saved model opens after `import kerasdnn`.
    model.save(tmp_path / "coupled.keras")
    restored = keras.saving.load_model(
        tmp_path / "coupled.keras", custom_objects={"_zero_gradient_loss": _zero_gradient_loss}
    )
    assert restored.optimizer.get_config()["coupled_weight_decay"] == 0.5


def test_coupled_weight_decay_names_the_optimizers_it_applies_to():
    with pytest.raises(
        ValueError,
        match=r"^get\(\): coupled_weight_decay applies to sgd, momentum, nesterov, adagrad, "
        r"rmsprop, adadelta, adam \(as PyTorch's weight_decay; AdamW decays decoupled\); "
        r"received optimizer AdamW$",
    ):
        optimizers.get("adamw", coupled_weight_decay=1e-3)
    # Nadam is no subclass of any of them.
    with pytest.raises(ValueError, match=r"^get\(\): coupled_weight_decay applies to .*; received optimizer Nadam$"):
        optimizers.get("nadam", coupled_weight_decay=1e-3)
    with pytest.raises(
        ValueError, match=r"^get\(\): coupled_weight_decay must be >= 0; received coupled_weight_decay=-1$"
    ):
        optimizers.get("adam", coupled_weight_decay=-1)


def test_coupled_weight_decay_follows_the_variables_each_apply_names():
    # Built for a, b and c, then applied to b and a only, in that order, and
    # a without a gradient: b decays by its own value, a and c stay.
    a, b, c = (keras.Variable(np.array([value]), name=name) for value, name in ((1.0, "a"), (2.0, "b"), (4.0, "c")))
    optimizer = optimizers.get("sgd", learning_rate=1.0, coupled_weight_decay=0.5)
    optimizer.build([a, b, c])
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['a'\]"):
        optimizer.apply([keras.ops.zeros(1), None], [b, a])
    assert [float(variable.numpy()[0]) for variable in (a, b, c)] == [1.0, 1.0, 4.0]


@pytest.mark.parametrize(
    "epochs, samples, batch_size, drop, decay_steps",
    [
        # The deck's run: 55,000 images in batches of 128 are 429 full
        # batches and one of 88, so 430 steps an epoch, or 429 without it.
        (15, 55_000, 128, False, 6450),
        (15, 55_000, 128, True, 6435),
        (3, 10, 2, False, 15),  # batches that divide the samples
        (3, 10, 2, True, 15),
        (3, 11, 2, False, 18),  # the last batch of one sample is a step too
        (3, 11, 2, True, 15),  # unless it is left out
        (1, 5, 8, False, 1),  # a batch larger than the data is one step
    ],
)
def test_cosine_schedule_decays_to_zero_over_the_steps_of_the_run(epochs, samples, batch_size, drop, decay_steps):
    schedule = optimizers.cosine_schedule(
        2e-3, epochs=epochs, samples=samples, batch_size=batch_size, drop_remainder=drop
    )
    config = schedule.get_config()
    assert (config["initial_learning_rate"], config["decay_steps"], config["alpha"]) == (2e-3, decay_steps, 0.0)
    # Halfway the cosine is at half the rate, and at the last step at 0.
    assert float(schedule(0)) == pytest.approx(2e-3)
    assert float(schedule(decay_steps / 2)) == pytest.approx(1e-3)
    assert float(schedule(decay_steps)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "epochs, samples, batch_size, error, message",
    [
        (0, 10, 2, ValueError, "epochs must be >= 1; received epochs=0"),
        (1, 0, 2, ValueError, "samples must be >= 1; received samples=0"),
        (1, 10, 0, ValueError, "batch_size must be >= 1; received batch_size=0"),
        (1, 10, 2.5, TypeError, "batch_size must be an integer; received batch_size=2.5"),
        (1.0, 10, 2, TypeError, "epochs must be an integer; received epochs=1.0"),
        (1, True, 2, TypeError, "samples must be an integer; received samples=True"),
    ],
    ids=["epochs-0", "samples-0", "batch_size-0", "batch_size-float", "epochs-float", "samples-bool"],
)
def test_cosine_schedule_refuses_counts_that_are_not_positive_integers(epochs, samples, batch_size, error, message):
    with pytest.raises(error, match=rf"^cosine_schedule\(\): {re.escape(message)}$"):
        optimizers.cosine_schedule(0.1, epochs=epochs, samples=samples, batch_size=batch_size)


@pytest.mark.parametrize(
    "drop_remainder, error, message",
    [
        (True, ValueError, "drop_remainder=True leaves no batch: samples has 5 samples, fewer than batch_size=8"),
        (1, TypeError, "drop_remainder must be True or False; received drop_remainder=1 of type int"),
    ],
)
def test_cosine_schedule_refuses_a_drop_remainder_that_leaves_no_step(drop_remainder, error, message):
    with pytest.raises(error, match=rf"^cosine_schedule\(\): {re.escape(message)}$"):
        optimizers.cosine_schedule(0.1, epochs=1, samples=5, batch_size=8, drop_remainder=drop_remainder)


def test_a_coupled_class_takes_its_base_optimizers_arguments():
    # As keras.optimizers.SGD(0.25, momentum=0.5): positionally and by keyword.
    cls = type(optimizers.get("sgd", coupled_weight_decay=0.5))
    optimizer = cls(0.25, momentum=0.5, coupled_weight_decay=0.1)
    assert float(optimizer.learning_rate) == 0.25 and optimizer.momentum == 0.5
    assert optimizer.coupled_weight_decay == 0.1
