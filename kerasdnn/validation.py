"""Argument checks shared by every public function of kerasdnn.

Each check raises at call time with a message that names the function, the
argument, what is allowed and the value received, in the form Keras uses:

    dense_block(): dropout must be in [0, 1); received dropout=1.5
"""

import difflib
import numbers
from collections.abc import Sequence
from typing import Any


def _fail(function, message, error=ValueError):
    raise error(f"{function}(): {message}")


def check_number(
    function: str,
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    integer: bool = False,
) -> Any:
    """Checks that `value` is a real number (or an integer) inside an interval.

    Args:
        function: Name of the public function doing the check, for the message.
        name: Name of the argument being checked.
        value: The value received.
        low: Lower bound, or `None` for no bound. Defaults to `None`.
        high: Upper bound, or `None` for no bound. Defaults to `None`.
        low_inclusive: Whether `low` itself is allowed. Defaults to `True`.
        high_inclusive: Whether `high` itself is allowed. Defaults to `True`.
        integer: Whether only integers are allowed. Defaults to `False`.

    Returns:
        The value, unchanged.

    Raises:
        TypeError: If `value` is not a number (booleans are not numbers here).
        ValueError: If `value` is outside the interval or not finite.
    """
    kind = numbers.Integral if integer else numbers.Real
    what = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, kind):
        _fail(function, f"{name} must be {what}; received {name}={value!r}", TypeError)
    if value != value or value in (float("inf"), float("-inf")):
        _fail(function, f"{name} must be finite; received {name}={value!r}")
    too_low = low is not None and (value < low or (value == low and not low_inclusive))
    too_high = high is not None and (value > high or (value == high and not high_inclusive))
    if too_low or too_high:
        _fail(
            function,
            f"{name} must be {_interval(low, high, low_inclusive, high_inclusive)}; received {name}={value!r}",
        )
    return value


def _interval(low, high, low_inclusive, high_inclusive):
    if high is None:
        return f"{'>=' if low_inclusive else '>'} {low}"
    if low is None:
        return f"{'<=' if high_inclusive else '<'} {high}"
    left = "[" if low_inclusive else "("
    right = "]" if high_inclusive else ")"
    return f"in {left}{low}, {high}{right}"


def check_choice(function: str, name: str, value: Any, choices: Sequence[Any]) -> Any:
    """Checks that `value` is one of `choices`, suggesting close matches if not.

    Args:
        function: Name of the public function doing the check, for the message.
        name: Name of the argument being checked.
        value: The value received.
        choices: The allowed values (strings).

    Returns:
        The value, unchanged.

    Raises:
        ValueError: If `value` is not among `choices`.
    """
    if value in choices:
        return value
    raise unknown_name_error(function, name, value, choices)


def unknown_name_error(function: str, name: str, value: Any, choices: Sequence[Any]) -> ValueError:
    """Builds the `ValueError` for a name that is not one of `choices`.

    The message lists the close matches first (Python's `difflib`), then every
    allowed name, so a typo such as `"rleu"` points at `"relu"`.

    Args:
        function: Name of the public function, for the message.
        name: Name of the argument.
        value: The value received.
        choices: The allowed names.

    Returns:
        A `ValueError` ready to be raised.
    """
    choices = sorted(str(choice) for choice in choices)
    message = f"{name} must be one of {', '.join(choices)}; received {name}={value!r}"
    close = difflib.get_close_matches(str(value), choices, n=3, cutoff=0.6)
    if close:
        message += f" (did you mean {' or '.join(repr(c) for c in close)}?)"
    return ValueError(f"{function}(): {message}")


def check_type(function: str, name: str, value: Any, types: tuple[type, ...], description: str) -> Any:
    """Checks that `value` is an instance of `types`.

    Args:
        function: Name of the public function doing the check, for the message.
        name: Name of the argument being checked.
        value: The value received.
        types: A type or tuple of types accepted by `isinstance`.
        description: How the allowed types read in the message, such as
            `"a string or a keras.layers.Layer"`.

    Returns:
        The value, unchanged.

    Raises:
        TypeError: If `value` is not an instance of `types`.
    """
    if not isinstance(value, types):
        raise type_error(function, name, value, description)
    return value


def type_error(function: str, name: str, value: Any, description: str) -> TypeError:
    """Builds the `TypeError` for a value that is none of the types `description` names."""
    return TypeError(
        f"{function}(): {name} must be {description}; received {name}={value!r} of type {type(value).__name__}"
    )


def check_sizes(function: str, name: str, value: Any, *, allow_empty: bool = True) -> tuple[int, ...]:
    """Checks a sequence of layer sizes (units or filters): positive integers.

    Args:
        function: Name of the public function doing the check, for the message.
        name: Name of the argument being checked.
        value: The value received: a list or tuple of integers.
        allow_empty: Whether an empty sequence is allowed. Defaults to `True`.

    Returns:
        The sizes as a tuple.

    Raises:
        TypeError: If `value` is not a list or tuple of integers.
        ValueError: If a size is below 1, or the sequence is empty when
            `allow_empty` is `False`.
    """
    check_type(function, name, value, (list, tuple), "a list or tuple of integers")
    if not value and not allow_empty:
        _fail(function, f"{name} must not be empty; received {name}={value!r}")
    for size in value:
        if isinstance(size, bool) or not isinstance(size, numbers.Integral):
            _fail(function, f"{name} must hold integers; received {name}={value!r}", TypeError)
        if size < 1:
            _fail(function, f"{name} must hold integers >= 1; received {name}={value!r}")
    return tuple(value)


def keras_names(module: Any) -> list[str]:
    """Returns the snake_case identifiers a `keras.*` module exports.

    Used to list the valid names when an unknown one is received, without
    keeping a private copy of Keras's tables.

    Args:
        module: A public Keras module such as `keras.activations`.

    Returns:
        A sorted list of names such as `"relu"` or `"he_normal"`.
    """
    return sorted(
        name
        for name in dir(module)
        if name.islower()
        and not name.startswith("_")
        and name not in ("get", "serialize", "deserialize", "legacy", "schedules")
    )


def check_samples(
    function: str,
    name: str,
    x: Any,
    y: Any,
    *,
    input_shape: tuple[int | None, ...] | None = None,
    classes: int | None = None,
    labels: str | None = None,
) -> None:
    """Checks inputs and targets against the model before any training.

    Args:
        function: Name of the public function doing the check, for the message.
        name: The argument holding the data: `"x"` (with `y`) or a pair such
            as `"validation_data"`.
        x: Inputs, a NumPy array.
        y: Targets, a NumPy array.
        input_shape: The model's input shape, batch axis first (`None` for
            an unknown size), or `None` not to check it. Defaults to `None`.
        classes: Outputs of the model, or `None`. Defaults to `None`.
        labels: `"sparse"` (class indices in `[0, classes)`), `"one_hot"`
            (`classes` columns) or `None`. Defaults to `None`.

    Raises:
        TypeError: If an array does not hold numbers.
        ValueError: If the arrays are empty, differ in length, do not fit
            `input_shape`, or hold labels the model's outputs cannot take.
    """
    x_name, y_name = ("x", "y") if name == "x" else (f"{name}[0]", f"{name}[1]")
    for label, array in ((x_name, x), (y_name, y)):
        if array.dtype.kind not in "biuf":
            _fail(function, f"{label} must hold numbers; received {label} of dtype {array.dtype}", TypeError)
        if array.ndim == 0:
            _fail(function, f"{label} must be an array of samples; received a scalar")
    if len(x) == 0:
        _fail(function, f"{x_name} must hold at least one sample; received {x_name} of shape {x.shape}")
    if len(x) != len(y):
        _fail(function, f"{x_name} and {y_name} must hold as many samples; received {len(x)} and {len(y)}")
    if input_shape is not None:
        expected = tuple(input_shape[1:])
        fits = len(x.shape) - 1 == len(expected) and all(e is None or e == d for e, d in zip(expected, x.shape[1:]))
        if not fits:
            wanted = "(samples, " + ", ".join("?" if e is None else str(e) for e in expected) + ")"
            _fail(function, f"{x_name} must have shape {wanted} for this model; received {x_name} of shape {x.shape}")
    if not classes or labels is None:
        return
    if labels == "one_hot":
        if y.ndim != 2 or y.shape[1] != classes:
            _fail(
                function,
                f"{y_name} must be one-hot, of shape (samples, {classes}) for the model's {classes} "
                f"outputs; received {y_name} of shape {y.shape}",
            )
        return
    if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1):
        _fail(
            function,
            f"{y_name} must hold one class index per sample, of shape (samples,); received {y_name} of shape {y.shape}",
        )
    low, high = y.min().item(), y.max().item()
    whole = y.dtype.kind in "biu" or bool((y == y.astype("int64")).all())
    if not whole or low < 0 or high >= classes:
        _fail(
            function,
            f"{y_name} must hold class indices 0 to {classes - 1} for the model's {classes} outputs; "
            f"received {'values' if not whole else 'labels'} from {low!r} to {high!r}",
        )


def check_whole_batch(function: str, name: str, samples: int, batch_size: int) -> None:
    """Refuses `drop_remainder=True` where `samples` fill no whole batch (an epoch would have no step).

    Args:
        function: Name of the public function doing the check, for the message.
        name: The argument that holds the samples.
        samples: How many there are.
        batch_size: Samples per batch.

    Raises:
        ValueError: If `samples` is below `batch_size`.
    """
    if samples < batch_size:
        raise ValueError(
            f"{function}(): drop_remainder=True leaves no batch: {name} has {samples} samples, "
            f"fewer than batch_size={batch_size}"
        )


def check_same_length(function: str, x: Any, y: Any) -> None:
    """Refuses inputs and targets of different lengths.

    Args:
        function: Name of the public function doing the check, for the message.
        x: Inputs.
        y: Targets.

    Raises:
        ValueError: If `len(x) != len(y)`.
    """
    if len(x) != len(y):
        raise ValueError(f"{function}(): x and y must hold the same number of samples; received {len(x)} and {len(y)}")
