"""Command-line arguments, tables and result files shared by the recipes."""

import argparse
import os

from kerasdnn.training import write_json

# What --smoke trains on: enough to exercise every line of a recipe in
# seconds, far too little to mean anything.
SMOKE_TRAIN_SAMPLES = 512
SMOKE_TEST_SAMPLES = 256


def recipe_parser(description, *, epochs, batch_size, learning_rate=None, output_dir):
    """Returns an `argparse.ArgumentParser` with the options every recipe has.

    Options: `--epochs`, `--batch-size`, `--learning-rate` (when the recipe
    has one rate), `--data-dir`, `--output-dir`, `--seed` and `--smoke`.

    Args:
        description: The recipe's docstring, shown by `--help`.
        epochs: Default number of epochs of the full run.
        batch_size: Default batch size.
        learning_rate: Default learning rate, or `None` for no such option.
            Defaults to `None`.
        output_dir: Default output folder.

    Returns:
        The parser; recipes may add their own options before parsing.
    """
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--epochs", type=_positive_int, default=epochs, help="epochs to train (default: %(default)s)")
    parser.add_argument("--batch-size", type=_positive_int, default=batch_size, help="samples per batch (default: %(default)s)")
    if learning_rate is not None:
        parser.add_argument("--learning-rate", type=_positive_float, default=learning_rate, help="initial learning rate (default: %(default)s)")
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own, downloading on first use)",
    )
    parser.add_argument("--output-dir", default=output_dir, help="where the run's files go (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"quick check: {SMOKE_TRAIN_SAMPLES} training samples, 1 epoch; leaves recipes/results alone",
    )
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; received {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
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
        return f"{value:.4f}"
    return str(value)


def record_result(path, payload, *, smoke):
    """Writes a recipe's summary JSON to `path`, except in smoke runs.

    The files under `recipes/results/` are what the README's reproduction
    table is generated from, so only full runs may write them.

    Args:
        path: The results file, such as `recipes/results/mnist_bn.json`.
        payload: A JSON-ready dict.
        smoke: Whether this is a smoke run (then nothing is written).

    Returns:
        The path written, or `None` in a smoke run.
    """
    if smoke:
        return None
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return write_json(path, payload)
