"""Command-line arguments and plain-text tables shared by the recipes and the `kerasdnn` command.

Light on purpose: the command imports it before it knows whether a
subcommand needs Keras.
"""

import argparse
import os


def recipe_parser(description, *, epochs, batch_size, learning_rate=None, output_dir):
    """Returns an `argparse.ArgumentParser` with the options every recipe has.

    Options: `--epochs`, `--batch-size`, `--learning-rate` (when the recipe
    has one rate), `--data-dir`, `--output-dir`, `--seed`, `--results-dir`
    and `--smoke`.

    Args:
        description: The recipe's docstring, shown by `--help`.
        epochs: Default number of epochs of the full run, or `None` when
            the recipe sets it.
        batch_size: Default batch size, or `None` when the recipe sets it.
        learning_rate: Default learning rate, or `None` for no such option.
            Defaults to `None`.
        output_dir: Default output folder.

    Returns:
        The parser; recipes may add their own options before parsing.
    """
    from kerasdnn.data import SMOKE_TRAIN_SAMPLES

    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    epochs_default = epochs or "set by the recipe"
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"epochs to train (default: {epochs_default})")
    batch_default = batch_size or "set by the recipe"
    parser.add_argument("--batch-size", type=positive_int, default=batch_size, help=f"samples per batch (default: {batch_default})")
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=positive_float, default=learning_rate, help="initial learning rate (default: %(default)s)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own, downloading on first use)",
    )
    output_default = output_dir or "runs/ and the run's name"
    parser.add_argument("--output-dir", default=output_dir, help=f"where the run's files go (default: {output_default})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--results-dir",
        default=None,
        help="where a full run writes its summary JSON (default: recipes/results, the README table's source)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"quick check: {SMOKE_TRAIN_SAMPLES} training samples, 1 epoch; leaves recipes/results alone",
    )
    return parser


def positive_int(text):
    """Parses a command-line integer >= 1 (an `argparse` type)."""
    return _int_at_least(text, 1)


def non_negative_int(text):
    """Parses a command-line integer >= 0 (an `argparse` type)."""
    return _int_at_least(text, 0)


def _int_at_least(text, low):
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise argparse.ArgumentTypeError(f"must be an integer >= {low}; received {text}")
    return value


def positive_float(text):
    """Parses a finite command-line number > 0 (an `argparse` type)."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0; received {text}")
    return value


def format_table(rows, columns):
    """Formats dicts as a plain-text table with aligned columns.

    Args:
        rows: A list of dicts.
        columns: The keys to show, in order; also the header.

    Returns:
        The table as a string (no trailing newline).
    """
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(column), *(len(line[i]) for line in cells)) for i, column in enumerate(columns)]
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
