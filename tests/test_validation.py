import re

import keras
import numpy as np
import pytest

from kerasdnn import validation

# One pytest-xdist worker runs this file (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("validation")


def test_range_message_names_function_argument_interval_and_value():
    with pytest.raises(ValueError) as error:
        validation.check_number("dense_block", "dropout", 1.5, low=0, high=1, high_inclusive=False)
    assert str(error.value) == "dense_block(): dropout must be in [0, 1); received dropout=1.5"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"low": 1, "integer": True}, "f(): n must be >= 1; received n=0"),
        ({"low": 0, "low_inclusive": False}, "f(): n must be > 0; received n=0"),
        ({"high": -1}, "f(): n must be <= -1; received n=0"),
    ],
)
def test_one_sided_bounds(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message.replace('(', '[(]').replace(')', '[)]')}$"):
        validation.check_number("f", "n", 0, **kwargs)


@pytest.mark.parametrize("value", [True, "3", None, 2.5])
def test_integers_reject_other_types(value):
    with pytest.raises(TypeError, match=r"^f\(\): n must be an integer; received n="):
        validation.check_number("f", "n", value, integer=True)


def test_nan_is_rejected():
    with pytest.raises(ValueError, match=r"^f\(\): x must be finite; received x=nan$"):
        validation.check_number("f", "x", float("nan"))


def test_unknown_name_lists_choices_and_close_match():
    with pytest.raises(ValueError) as error:
        validation.check_choice("mlp", "order", "dense_bn_activaton_dropout", ("dense_bn_activation_dropout", "x"))
    assert str(error.value) == (
        "mlp(): order must be one of dense_bn_activation_dropout, x; "
        "received order='dense_bn_activaton_dropout' (did you mean 'dense_bn_activation_dropout'?)"
    )


def test_sizes():
    assert validation.check_sizes("mlp", "units", [3, 4]) == (3, 4)
    with pytest.raises(ValueError, match=r"^mlp\(\): units must hold integers >= 1; received units=\(3, 0\)$"):
        validation.check_sizes("mlp", "units", (3, 0))
    with pytest.raises(
        TypeError, match=r"^mlp\(\): units must be a list or tuple of integers; received units=3 of type int$"
    ):
        validation.check_sizes("mlp", "units", 3)
    with pytest.raises(ValueError, match=r"^lstm\(\): units must not be empty; received units=\(\)$"):
        validation.check_sizes("lstm", "units", (), allow_empty=False)


def test_other_types_are_refused_as_not_numbers():
    with pytest.raises(TypeError, match=r"^f\(\): x must be a number; received x='3'$"):
        validation.check_number("f", "x", "3")


@pytest.mark.parametrize(
    "kwargs, value, interval",
    [
        ({"high": 1, "high_inclusive": False}, 1, "< 1"),
        ({"low": 0, "high": 1, "low_inclusive": False}, 0, "in (0, 1]"),
        ({"low": 0, "high": 1}, 2, "in [0, 1]"),
        ({"low": 0, "high": 1, "low_inclusive": False, "high_inclusive": False}, 1, "in (0, 1)"),
    ],
)
def test_intervals_read_as_written_in_mathematics(kwargs, value, interval):
    with pytest.raises(ValueError) as error:
        validation.check_number("f", "x", value, **kwargs)
    assert str(error.value) == f"f(): x must be {interval}; received x={value}"


def test_close_matches_are_at_most_three_joined_by_or():
    error = validation.unknown_name_error("f", "activation", "relu", ["relu1", "relu2", "relu3", "relu4", "tanh"])
    assert str(error) == (
        "f(): activation must be one of relu1, relu2, relu3, relu4, tanh; "
        "received activation='relu' (did you mean 'relu4' or 'relu3' or 'relu2'?)"
    )


def test_sizes_must_be_integers():
    with pytest.raises(TypeError, match=r"^mlp\(\): units must hold integers; received units=\(3, 2\.5\)$"):
        validation.check_sizes("mlp", "units", (3, 2.5))
    with pytest.raises(TypeError, match=r"^mlp\(\): units must hold integers; received units=\[True\]$"):
        validation.check_sizes("mlp", "units", [True])


def test_keras_names_leave_out_the_submodules_and_serialization():
    # keras.optimizers exports only get, (de)serialize and the legacy and
    # schedules modules in lower case: none of them an optimizer's name.
    assert validation.keras_names(keras.optimizers) == []
    assert "relu" in validation.keras_names(keras.activations)
    assert "get" not in validation.keras_names(keras.activations)


def _check(x, y, **kwargs):
    return validation.check_samples("train", "x", np.asarray(x), np.asarray(y), **kwargs)


@pytest.mark.parametrize(
    "x, y, kwargs",
    [
        ([[0.5]], [0], {"input_shape": (None, 1), "classes": 2, "labels": "sparse"}),  # one sample
        ([[0.5], [1.5]], [[0], [1]], {"classes": 2, "labels": "sparse"}),  # a column of labels
        ([[0.5], [1.5]], [0.0, 1.0], {"classes": 2, "labels": "sparse"}),  # whole floats
        ([[0.5], [1.5]], [[1, 0], [0, 1]], {"classes": 2, "labels": "one_hot"}),
        (np.zeros((2, 4, 3)), [0, 1], {"input_shape": (None, None, 3)}),
        ([[0.5], [1.5]], [5, 7], {"classes": 2}),  # labels=None: not checked
    ],
    ids=["one-sample", "column", "whole-floats", "one-hot", "unknown-axis", "unchecked"],
)
def test_samples_the_model_can_take_pass(x, y, kwargs):
    assert _check(x, y, **kwargs) is None


@pytest.mark.parametrize(
    "x, y, kwargs, error, message",
    [
        (["a", "b"], [0, 1], {}, TypeError, "x must hold numbers; received x of dtype <U1"),
        ([1.0], ["a"], {}, TypeError, "y must hold numbers; received y of dtype <U1"),
        (1.0, [0], {}, ValueError, "x must be an array of samples; received a scalar"),
        (np.zeros((0, 2)), np.zeros(0), {}, ValueError, "x must hold at least one sample; received x of shape (0, 2)"),
        (
            np.zeros((2, 4, 2)),
            [0, 1],
            {"input_shape": (None, None, 3)},
            ValueError,
            "x must have shape (samples, ?, 3) for this model; received x of shape (2, 4, 2)",
        ),
        # An image without its channel axis: every axis it has fits, one is missing.
        (
            np.zeros((2, 28, 28)),
            [0, 1],
            {"input_shape": (None, 28, 28, 1)},
            ValueError,
            "x must have shape (samples, 28, 28, 1) for this model; received x of shape (2, 28, 28)",
        ),
        (
            [[0.5], [1.5]],
            np.zeros((2, 1, 1)),
            {"classes": 2, "labels": "sparse"},
            ValueError,
            "y must hold one class index per sample, of shape (samples,); received y of shape (2, 1, 1)",
        ),
        (
            [[0.5], [1.5]],
            [[0, 1], [1, 0]],
            {"classes": 2, "labels": "sparse"},
            ValueError,
            "y must hold one class index per sample, of shape (samples,); received y of shape (2, 2)",
        ),
        (
            [[0.5], [1.5]],
            [-1, 1],
            {"classes": 2, "labels": "sparse"},
            ValueError,
            "y must hold class indices 0 to 1 for the model's 2 outputs; received labels from -1 to 1",
        ),
        (
            [[0.5], [1.5]],
            [0.5, 1.0],
            {"classes": 2, "labels": "sparse"},
            ValueError,
            "y must hold class indices 0 to 1 for the model's 2 outputs; received values from 0.5 to 1.0",
        ),
        (
            # Integers beyond int64 are still labels, however many classes.
            [[0.5]],
            np.array([2**63], dtype="uint64"),
            {"classes": 2, "labels": "sparse"},
            ValueError,
            "y must hold class indices 0 to 1 for the model's 2 outputs; "
            "received labels from 9223372036854775808 to 9223372036854775808",
        ),
        (
            [[0.5], [1.5]],
            [0, 1],
            {"classes": 2, "labels": "one_hot"},
            ValueError,
            "y must be one-hot, of shape (samples, 2) for the model's 2 outputs; received y of shape (2,)",
        ),
    ],
    ids=[
        "x-not-numbers",
        "y-not-numbers",
        "scalar",
        "empty",
        "input-shape",
        "input-rank",
        "labels-3d",
        "labels-two-columns",
        "negative-label",
        "fractional-labels",
        "uint64-labels",
        "one-hot-shape",
    ],
)
def test_samples_the_model_cannot_take_are_refused_before_training(x, y, kwargs, error, message):
    with pytest.raises(error, match=rf"^train\(\): {re.escape(message)}$"):
        _check(x, y, **kwargs)


def test_a_pair_of_arrays_is_named_by_its_argument_and_position():
    with pytest.raises(ValueError, match=r"^fit\(\): validation_data\[0\] must hold at least one sample"):
        validation.check_samples("fit", "validation_data", np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(TypeError, match=r"^fit\(\): validation_data\[1\] must hold numbers"):
        validation.check_samples("fit", "validation_data", np.zeros((1, 2)), np.array(["a"]))


def test_inclusive_bounds_take_the_bound_itself():
    assert validation.check_number("f", "x", 1, low=0, high=1) == 1
    assert validation.check_number("f", "x", 0, low=0, high=1) == 0
