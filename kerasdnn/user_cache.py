"""kerasdnn's folder in the user's cache, for what a later run may reuse: compiled steps, decoded datasets."""

import os


def folder(*parts: str) -> str:
    """`$XDG_CACHE_HOME/kerasdnn/PARTS`, else `~/.cache/kerasdnn/PARTS` (never the repository).

    Args:
        *parts: The path inside kerasdnn's cache folder (`"jax"`, `"datasets"`).

    Returns:
        The folder's path; it is not created here.
    """
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kerasdnn", *parts)
