"""Numbers measured once per seed: their spread, and whether they reproduce what a source reports.

Example:

>>> spread = seed_statistics([0.9861, 0.9874, 0.9869])
>>> reproduces(spread, reference=0.9870, band=band("mnist", "test_accuracy"))
True
"""

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

# How far a mean accuracy over seeds may sit from the source's and still
# reproduce it, when two standard deviations are narrower: half a point on
# MNIST, a point on Fashion-MNIST (its classes overlap more, and the decks
# report single runs).
BANDS = {"mnist": 0.005, "fashion_mnist": 0.01}


def band(dataset: str, metric: str) -> float | None:
    """The reproduction band of an accuracy on `dataset`, or `None` (other metrics, other data)."""
    return BANDS.get(dataset) if "accuracy" in metric else None


def seed_statistics(values: Sequence[float | None]) -> dict[str, Any]:
    """Mean and sample standard deviation of one figure measured once per seed.

    Example:

    >>> seed_statistics([0.9861, 0.9874, 0.9869])
    {'mean': 0.9868, 'std': 0.00065..., 'values': [0.9861, 0.9874, 0.9869], 'runs': 3}

    Args:
        values: One number per seed; `None` for a seed that produced none
            (a diverged run), left out of the statistics.

    Returns:
        `{"mean", "std", "values", "runs"}`: `std` is `None` with fewer than
        two numbers, `mean` with none.
    """
    numbers = [value for value in values if value is not None]
    return {
        "mean": statistics.fmean(numbers) if numbers else None,
        "std": statistics.stdev(numbers) if len(numbers) > 1 else None,
        "values": list(values),
        "runs": len(numbers),
    }


def reproduces(spread: Mapping[str, Any], reference: float | None, band: float | None) -> bool | None:
    """Whether a mean over seeds reproduces a reference: |mean − reference| ≤ max(2·std, band).

    Args:
        spread: A `seed_statistics` dict.
        reference: What the source reports, or `None`.
        band: The smallest tolerated distance (`band()`), or `None`.

    Returns:
        `True` or `False`, or `None` where there is nothing to judge (no
        reference, no band or no measurement).
    """
    if reference is None or band is None or spread["mean"] is None:
        return None
    return abs(spread["mean"] - reference) <= max(2 * (spread["std"] or 0.0), band)
