"""Command-line arguments, plain-text tables and recipe endings shared by the recipes and the `kerasdnn` command.

Light on purpose: the command imports it before it knows whether a
subcommand needs Keras.
"""

import argparse
import os
from collections.abc import Mapping, Sequence
from typing import Any


class RecipeParser(argparse.ArgumentParser):
    """An `ArgumentParser` that resolves a recipe's smoke mode once, after parsing.

    In a smoke run (`--smoke`) `epochs` becomes the recipe's smoke epochs,
    `train_samples` and `test_samples` the smoke sizes of `kerasdnn.data`
    and `seeds` its first seed (unless `--seeds` names others); in a full
    run they keep the recipe's defaults, so the recipe's code reads one
    value and never tests the mode. Unless `--no-compile-cache` is given,
    JAX's compiled steps are kept in the user's cache folder
    (`kerasdnn.compilation`), so a second run skips XLA's compilation
    (tracing the step still happens).
    """

    def __init__(self, *args: Any, full_run: dict[str, Any], smoke_run: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._full_run, self._smoke_run = full_run, smoke_run
        self._full_run_only: list[argparse.Action] = []

    def add_full_run_option(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """Adds an option that only a full run may take (`--export-weights`): with `--smoke` it is refused."""
        action = self.add_argument(*args, **kwargs)
        self._full_run_only.append(action)
        return action

    def parse_args(self, args: Sequence[str] | None = None, namespace: Any = None) -> argparse.Namespace:  # type: ignore[override]
        """Parses the command line, then applies the run's sizes (`train_samples`, `test_samples`, smoke epochs and seeds)."""
        parsed = super().parse_args(args, namespace)
        for action in self._full_run_only:
            if parsed.smoke and getattr(parsed, action.dest) != action.default:
                self.error(f"{action.option_strings[0]} takes a full run; it cannot be combined with --smoke")
        if getattr(parsed, "no_compile_cache", None) is False:  # the option is there, and not given
            from kerasdnn import compilation

            compilation.use_compilation_cache()
        for key, value in (self._smoke_run if parsed.smoke else self._full_run).items():
            setattr(parsed, key, value)
        # The recipe's own seeds shrink to the first; seeds asked for are kept,
        # so that a smoke run can check a recipe's loop over seeds.
        if parsed.smoke and hasattr(parsed, "seeds") and parsed.seeds == self.get_default("seeds"):
            parsed.seeds = parsed.seeds[:1]
        return parsed


def recipe_parser(
    description: str | None,
    *,
    epochs: int | None,
    batch_size: int | None,
    learning_rate: float | None = None,
    output_dir: str | None,
    train_samples: int | None = None,
    test_samples: int | None = None,
    smoke_epochs: int = 1,
    seeds: Sequence[int] | None = None,
) -> RecipeParser:
    """Returns a `RecipeParser` with the options every recipe has.

    Options: `--epochs`, `--batch-size`, `--learning-rate` (when the recipe
    has one rate), `--data-dir`, `--output-dir`, `--seed` (or `--seeds`),
    `--results-dir`, `--smoke` and `--no-compile-cache`. The parsed arguments also hold
    `train_samples` and `test_samples`: the recipe's in a full run, a few
    hundred in a smoke run, which also trains `smoke_epochs` epochs with
    one seed unless `--seeds` is given.

    Args:
        description: The recipe's docstring, shown by `--help`.
        epochs: Default number of epochs of the full run, or `None` when
            the recipe sets it.
        batch_size: Default batch size, or `None` when the recipe sets it.
        learning_rate: Default learning rate, or `None` for no such option.
            Defaults to `None`.
        output_dir: Default output folder.
        train_samples: Training samples of the full run. Defaults to
            `None`: the whole split.
        test_samples: Test samples of the full run. Defaults to `None`:
            the whole split.
        smoke_epochs: Epochs of a smoke run. Defaults to `1`.
        seeds: Default seeds of a recipe that repeats its runs over seeds
            and reports mean and standard deviation (then `--seeds`
            replaces `--seed`). Defaults to `None`: one `--seed`, 0.

    Returns:
        The parser; recipes may add their own options before parsing.
    """
    from kerasdnn.data import SMOKE_TEST_SAMPLES, SMOKE_TRAIN_SAMPLES

    parser = RecipeParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        full_run={"train_samples": train_samples, "test_samples": test_samples},
        smoke_run={"train_samples": SMOKE_TRAIN_SAMPLES, "test_samples": SMOKE_TEST_SAMPLES, "epochs": smoke_epochs},
    )
    epochs_default = epochs or "set by the recipe"
    parser.add_argument(
        "--epochs", type=positive_int, default=epochs, help=f"epochs to train (default: {epochs_default})"
    )
    batch_default = batch_size or "set by the recipe"
    parser.add_argument(
        "--batch-size", type=positive_int, default=batch_size, help=f"samples per batch (default: {batch_default})"
    )
    if learning_rate is not None:
        parser.add_argument(
            "--learning-rate",
            type=positive_float,
            default=learning_rate,
            help="initial learning rate (default: %(default)s)",
        )
    parser.add_argument(
        "--data-dir",
        default=None,
        help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own, downloading on first use)",
    )
    output_default = output_dir or "runs/ and the run's name"
    parser.add_argument(
        "--output-dir", default=output_dir, help=f"where the run's files go (default: {output_default})"
    )
    if seeds is None:
        parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default: %(default)s)")
    else:
        parser.add_argument(
            "--seeds",
            type=non_negative_int,
            nargs="+",
            default=list(seeds),
            help="random seeds, one run each; results report their mean and standard deviation "
            f"(default: {' '.join(map(str, seeds))}; a smoke run takes the first unless --seeds is given)",
        )
    parser.add_argument(
        "--results-dir",
        default=None,
        help="where a full run writes its summary JSON (default: recipes/results, the README table's source)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"quick check: {SMOKE_TRAIN_SAMPLES} training samples, {smoke_epochs} epoch(s); leaves recipes/results alone",
    )
    add_compile_cache_option(parser)
    return parser


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


def finish_ladder(
    recipe_file: str,
    rows: Sequence[Mapping[str, Any]],
    args: argparse.Namespace,
    *,
    source: str,
    reproduces: str,
    metric: str,
    title: str,
    ylim: tuple[float, float],
) -> str | None:
    """Ends a ladder recipe: prints its table, draws reference vs ours (± std) and writes its results.

    Args:
        recipe_file: The recipe's `__file__`.
        rows: The rows `kerasdnn.zoo.train_ladder` returned.
        args: The recipe's parsed arguments.
        source: The references' name in the figure's legend.
        reproduces: What the ladder reproduces, one line.
        metric: What the numbers measure (also the figure's y label).
        title: The figure's title.
        ylim: `(bottom, top)` of the figure's y axis.

    Returns:
        The results file written, or `None` in a smoke run.
    """
    from kerasdnn.plotting import plot_comparison
    from kerasdnn.results import finish_recipe, ladder_summary

    print(
        format_table(rows, ["model", "reference", "ours", "std", "difference", "reproduced", "epochs", "train_seconds"])
    )
    names = [row["model"] for row in rows]
    plot_comparison(
        names,
        {source: [row["reference"] for row in rows], "kerasdnn": [row["ours"] for row in rows]},
        os.path.join(args.output_dir, "ladder.png"),
        ylabel=metric,
        title=title,
        ylim=ylim,
        errors={"kerasdnn": [row["std"] for row in rows]},
    )
    name = os.path.splitext(os.path.basename(recipe_file))[0]
    summary = ladder_summary(rows, recipe=name, reproduces=reproduces, metric=metric)
    payload = {"summary": summary, "rungs": rows, "settings": vars(args)}
    return finish_recipe(recipe_file, payload, args, output_name="ladder.json", figure="ladder.png")


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
