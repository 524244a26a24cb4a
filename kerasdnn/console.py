"""Command-line argument types and plain-text tables, for the `kerasdnn` command and the recipes.

Light on purpose: the command imports it before it knows whether a
subcommand needs Keras.
"""

import argparse
from collections.abc import Mapping, Sequence
from typing import Any


def add_compile_cache_option(parser: argparse.ArgumentParser) -> None:
    """Adds `--no-compile-cache`, which keeps JAX from reusing (and writing) compiled steps in the user's cache."""
    parser.add_argument(
        "--no-compile-cache",
        action="store_true",
        help="compile every step afresh (default: JAX's compiled steps are kept in "
        "~/.cache/kerasdnn/jax and reused by later runs)",
    )


def positive_int(text: str) -> int:
    """Parses a command-line integer >= 1 (an `argparse` type)."""
    return _int_at_least(text, 1)


def non_negative_int(text: str) -> int:
    """Parses a command-line integer >= 0 (an `argparse` type)."""
    return _int_at_least(text, 0)


def port(text: str) -> int:
    """Parses a command-line TCP port, an integer in [1, 65535] (an `argparse` type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be an integer in [1, 65535]; received {text}")
    return value


def _int_at_least(text, low):
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be an integer >= {low}; received {text}")
    return value


def positive_float(text: str) -> float:
    """Parses a finite command-line number > 0 (an `argparse` type)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0; received {text}")
    return value


def format_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """Formats dicts as a plain-text table with aligned columns.

    Args:
        rows: A list of dicts.
        columns: The keys to show, in order; also the header.

    Returns:
        The table as a string (no trailing newline).
    """
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column), *(len(line[i]) for line in cells)]) for i, column in enumerate(columns)]
    lines = ["  ".join(column.ljust(width) for column, width in zip(columns, widths))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)) for line in cells]
    return "\n".join(lines)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        # Four significant digits: 0.9864, 362.3, 9.103e+11, 2.1e-05.
        return f"{value:.4g}"
    return str(value)
