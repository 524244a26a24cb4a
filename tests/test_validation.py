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
