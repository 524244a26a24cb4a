"""The decks' small generated tasks: XOR, a linear regression and a sequence sum.

For the networks that need no image set (decks 000/003's XOR nets, the Hanbat
deck's `Dense(1, input_dim=3)` regression, the `LSTM(32) → BN → Dense(1)` net).
`kerasdnn.data` re-exports them.
"""

import numpy as np

from kerasdnn import validation

# Light: NumPy only (kerasdnn.hints imports Keras).
ArrayPair = tuple[np.ndarray, np.ndarray]

__all__ = ["SYNTHETIC", "synthetic_arrays"]

# Small generated tasks of the decks, for networks that need no image set.
SYNTHETIC = {
    "xor": {"input_shape": (2,), "classes": 1},
    "linear_regression": {"input_shape": (3,), "classes": 1},
    "sequence_sum": {"input_shape": (20, 1), "classes": 1},
}


def synthetic_arrays(name: str, *, samples: int = 1000, seed: int = 0) -> tuple[ArrayPair, ArrayPair]:
    """Generates one of the decks' small tasks as `((x_train, y_train), (x_test, y_test))`.

    - `"xor"`: the four points of XOR, the same four for training and test
      (decks 000/003: a net without a hidden nonlinearity cannot fit them).
    - `"linear_regression"`: `y = x · (1, 2, 3) + 4` plus small noise on three
      features uniform in [0, 1), the Hanbat deck's `Dense(1, input_dim=3)` task.
    - `"sequence_sum"`: sequences of 20 values uniform in [0, 1) whose target
      is their sum, a regression task for the `LSTM(32) → BN → Dense(1)` net.

    Args:
        name: One of `"xor"`, `"linear_regression"`, `"sequence_sum"`.
        samples: Training samples (the test split has a quarter as many);
            ignored for `"xor"`. Defaults to `1000`.
        seed: Seed of the generator. Defaults to `0`.

    Returns:
        `((x_train, y_train), (x_test, y_test))` as float32 arrays.

    Raises:
        ValueError: If `name` is unknown or `samples` is below 4.
    """
    function = "synthetic_arrays"
    validation.check_choice(function, "name", name, tuple(SYNTHETIC))
    validation.check_number(function, "samples", samples, low=4, integer=True)
    if name == "xor":
        x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], np.float32)
        y = np.array([[0], [1], [1], [0]], np.float32)
        return (x, y), (x.copy(), y.copy())
    generator = np.random.default_rng(seed)
    total = samples + samples // 4
    if name == "linear_regression":
        x = generator.uniform(size=(total, 3)).astype(np.float32)
        y = x @ np.array([[1.0], [2.0], [3.0]], np.float32) + 4.0
        y += generator.normal(scale=0.01, size=y.shape).astype(np.float32)
    else:
        x = generator.uniform(size=(total, 20, 1)).astype(np.float32)
        y = x.sum(axis=1)
    return (x[:samples], y[:samples]), (x[samples:], y[samples:])
