"""Command-line arguments, tables and result files shared by the recipes."""

import argparse
import os

import keras

from kerasdnn.training import write_json

# What --smoke trains on: enough to exercise every line of a recipe in
# seconds, far too little to mean anything.
SMOKE_TRAIN_SAMPLES = 512
SMOKE_TEST_SAMPLES = 256


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
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1; received {text}")
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


def record_result(path, payload, *, smoke, results_dir=None):
    """Writes a recipe's summary JSON to `path`, except in smoke runs.

    The files under `recipes/results/` are what the README's reproduction
    table is generated from, so only full runs may write them.

    Args:
        path: The results file, such as `recipes/results/mnist_bn.json`.
        payload: A JSON-ready dict.
        smoke: Whether this is a smoke run (then nothing is written).
        results_dir: Another folder to write the file into (`--results-dir`),
            keeping its name. Defaults to `None`: `path` itself.

    Returns:
        The path written, or `None` in a smoke run.
    """
    if smoke:
        return None
    # Which backend ran is part of every result: the same seed draws other
    # numbers on another backend.
    payload = {**payload, "backend": payload.get("backend") or keras.backend.backend()}
    if results_dir is not None:
        path = os.path.join(results_dir, os.path.basename(path))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return write_json(path, payload)


TABLE_START = "<!-- reproduction-table:start (generated by recipes/reproduction_table.py) -->"
TABLE_END = "<!-- reproduction-table:end -->"


def reproduction_table(results_dir):
    """Builds the README's reproduction table from the recipes' results files.

    Each `*.json` file under `results_dir` that has a `"summary"` entry gives
    one row: `recipe`, `reproduces`, `metric`, `reference`, `ours`,
    `epochs` and `train_seconds`.

    Args:
        results_dir: The folder of results files, `recipes/results`.

    Returns:
        The table as Markdown, rows sorted by recipe name.
    """
    lines = [
        "| recipe | reproduces | metric | reference | ours | epochs | training time | backend |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for _, results, summary in _summaries(results_dir):
        lines.append(
            f"| `{summary['recipe']}` | {summary['reproduces']} | {summary['metric']} | "
            f"{summary['reference']} | {_number(summary['ours'])} | {summary['epochs']} | "
            f"{summary['train_seconds']:.0f} s | {_backend(results)} |"
        )
    return "\n".join(lines)


# A results file is written by the recipe of the same name, except these.
RECIPE_OF_RESULTS = {"fashion_bn": "mnist_bn", "tune_fashion_mnist": "tune_mnist"}
RESULT_HEADER = "## Result"
DISCUSSION_HEADER = "## Discussion"


def result_comments(results_dir):
    """Builds each recipe's closing `## Result` comment from its results files.

    Returns:
        `{recipe name: comment text}`; a recipe that writes two results files
        (`mnist_bn`, `tune_mnist`) gets a line for each.
    """
    lines = {}
    for stem, results, summary in _summaries(results_dir):
        backend = _backend(results)
        seed = results.get("seed", results.get("settings", {}).get("seed", 0))
        lines.setdefault(RECIPE_OF_RESULTS.get(stem, stem), []).append(
            f"# recipes/results/{stem}.json (seed {seed}, {backend} backend, 2-core CPU): {summary['metric']}: "
            f"{_number(summary['ours'])}; reference {summary['reference']}; {summary['epochs']} epochs, "
            f"{summary['train_seconds']:.0f} s of training."
        )
    header = f"{RESULT_HEADER}\n# Generated by recipes/reproduction_table.py from the results files; do not edit.\n"
    return {recipe: header + "\n".join(_wrap_comment(line) for line in entries) + "\n" for recipe, entries in lines.items()}


def _summaries(results_dir):
    """Yields `(name, results, summary)` for each results file that has a summary, by name."""
    import glob
    import json

    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as handle:
            results = json.load(handle)
        if results.get("summary"):
            yield os.path.splitext(os.path.basename(path))[0], results, results["summary"]


def _backend(results):
    return results.get("backend") or "tensorflow (not recorded)"


def _wrap_comment(line, width=79):
    import textwrap

    return "\n".join(textwrap.wrap(line, width=width, initial_indent="", subsequent_indent="#   "))


def replace_result_comment(text, comment):
    """Returns a recipe's source with its `## Result` block (up to `## Discussion` or the end) replaced.

    Raises:
        ValueError: If the recipe has no `## Result` block.
    """
    if RESULT_HEADER not in text:
        raise ValueError(f"replace_result_comment(): the recipe must contain a {RESULT_HEADER!r} block")
    head, rest = text.split(RESULT_HEADER, 1)
    tail = rest[rest.index(DISCUSSION_HEADER):] if DISCUSSION_HEADER in rest else ""
    return f"{head}{comment}" + (f"\n{tail}" if tail else "")


def _number(value):
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def replace_table(text, table):
    """Returns `text` with the part between the table markers replaced by `table`.

    Raises:
        ValueError: If the markers are missing.
    """
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f"replace_table(): text must contain the markers {TABLE_START!r} and {TABLE_END!r}")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


def ladder_summary(rows, *, recipe, reproduces, metric):
    """Builds the reproduction-table summary of a ladder from `zoo.train_ladder` rows.

    Args:
        rows: The rows `kerasdnn.zoo.train_ladder` returned.
        recipe: The recipe's name.
        reproduces: What it reproduces, one line.
        metric: What the numbers measure.

    Returns:
        A summary dict: reference and measured values and epochs per rung,
        joined with " / ", and the total training time.
    """
    return {
        "recipe": recipe,
        "reproduces": reproduces,
        "metric": metric,
        "reference": " / ".join(_number(row["reference"]) for row in rows),
        "ours": " / ".join(_number(row["ours"]) for row in rows),
        "epochs": " / ".join(str(row["epochs"]) for row in rows),
        "train_seconds": sum(row["train_seconds"] for row in rows),
    }
