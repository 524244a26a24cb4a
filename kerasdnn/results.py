"""Results files: JSON written atomically, with NumPy numbers converted and NaN refused.

The bottom of the package: it imports nothing of kerasdnn.
"""

import json
import os
from typing import Any

import numpy as np


def write_json(path: str, payload: Any) -> str:
    """Writes `payload` as indented JSON, atomically, refusing NaN and infinity.

    The file is first written beside its final name and then renamed, so a
    crash never leaves a half-written results file behind.

    Args:
        path: Destination file.
        payload: A JSON-ready object without NaN or infinite floats.

    Returns:
        The path written.

    Raises:
        ValueError: If `payload` holds NaN or an infinite float.
    """
    temporary = f"{path}.partial"
    try:
        with open(temporary, "w") as handle:
            json.dump(payload, handle, indent=2, allow_nan=False, default=_json_default)
            handle.write("\n")
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"write_json(): cannot store {type(value).__name__} in JSON")
