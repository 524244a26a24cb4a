"""Weight and activity penalties: Keras regularizers, or plain strengths."""

import numbers

import keras

from kerasdnn import validation
from kerasdnn.hints import RegularizerLike


def get(identifier: RegularizerLike) -> keras.regularizers.Regularizer | None:
    """Resolves a regularizer from a Keras identifier or from l1/l2 strengths.

    Example:

    >>> kerasdnn.regularizers.get((0.01, 0.01))  # the deck's l1_l2(0.01, 0.01)
    >>> kerasdnn.regularizers.get(1e-3)          # L2 weight decay 0.001
    >>> kerasdnn.regularizers.get("l1")          # anything keras.regularizers.get takes

    Args:
        identifier: `None`; a number, read as an L2 strength (weight decay);
            a pair `(l1, l2)` of strengths; or anything
            `keras.regularizers.get` accepts (a name, a config dict, a
            `keras.regularizers.Regularizer`).

    Returns:
        A `keras.regularizers.Regularizer`, or `None`.

    Raises:
        ValueError: If a strength is negative or a name is unknown.
        TypeError: If the identifier has none of the forms above.
    """
    return _get(identifier, "get")


def _get(identifier, function, name="kernel_regularizer"):
    """`get`, its errors naming the builder called (`function`) and its argument (`name`)."""
    if identifier is None:
        return None
    if isinstance(identifier, numbers.Real) and not isinstance(identifier, bool):
        validation.check_number(function, name, identifier, low=0)
        return keras.regularizers.L2(identifier)
    if isinstance(identifier, (tuple, list)):
        if len(identifier) != 2:
            raise ValueError(
                f"{function}(): {name} given as strengths must be a pair (l1, l2); received {name}={identifier!r}"
            )
        l1, l2 = identifier
        validation.check_number(function, f"{name}[0] (l1)", l1, low=0)
        validation.check_number(function, f"{name}[1] (l2)", l2, low=0)
        return keras.regularizers.L1L2(l1=l1, l2=l2)
    if isinstance(identifier, str) and identifier not in validation.keras_names(keras.regularizers):
        raise validation.unknown_name_error(function, name, identifier, validation.keras_names(keras.regularizers))
    try:
        return keras.regularizers.get(identifier)
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"{function}(): {name} must be None, an L2 strength, a pair (l1, l2) "
            f"or a Keras regularizer; received {name}={identifier!r}"
        ) from error
