import keras
import pytest

from kerasdnn import optimizers


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
    assert type(optimizer) is cls
    assert float(optimizer.learning_rate) == pytest.approx(0.05)
    assert optimizer.clipnorm == 1.0 and optimizer.clipvalue is None
    assert optimizers.get(name, clipvalue=0.5).clipvalue == 0.5
    if momentum is not None:
        assert optimizer.momentum == momentum and optimizer.nesterov == nesterov


def test_instance_is_returned_or_copied_with_overrides():
    adam = keras.optimizers.Adam(0.1)
    assert optimizers.get(adam) is adam
    copy = optimizers.get(adam, clipvalue=0.5)
    assert copy is not adam and copy.clipvalue == 0.5 and float(copy.learning_rate) == pytest.approx(0.1)


def test_schedule_is_accepted():
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, decay_steps=10)
    assert optimizers.get("adam", learning_rate=schedule).learning_rate is not None


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"identifier": "adm"}, ValueError, r"^get\(\): optimizer must be one of .*; received optimizer='adm' \(did you mean 'adam'"),
        ({"learning_rate": 0}, ValueError, r"^get\(\): learning_rate must be > 0; received learning_rate=0$"),
        ({"clipnorm": -1.0}, ValueError, r"^get\(\): clipnorm must be > 0; received clipnorm=-1.0$"),
        ({"clipnorm": 1.0, "clipvalue": 0.5}, ValueError, r"^get\(\): pass at most one of clipnorm and clipvalue; received clipnorm=1.0, clipvalue=0.5$"),
        ({"identifier": 3}, TypeError, r"^get\(\): optimizer must be a name, a config dict or a keras.optimizers.Optimizer; received optimizer=3 of type int$"),
    ],
)
def test_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        optimizers.get(**kwargs)
