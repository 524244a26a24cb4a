"""The recipes' command line: the options every recipe has, and the smoke mode resolved once after parsing."""

import argparse
from collections.abc import Sequence
from typing import Any

from kerasdnn.console import add_compile_cache_option, non_negative_int, positive_float, positive_int


class RecipeParser(argparse.ArgumentParser):
    """An `ArgumentParser` that resolves a recipe's smoke mode once, after parsing.

    In a smoke run (`--smoke`) `epochs` becomes the recipe's smoke epochs,
    `train_samples` and `test_samples` the smoke sizes of `kerasdnn.data`
    and `seeds` its first seed (unless `--seeds` names others); in a full
    run they keep the recipe's defaults, so the recipe's code reads one
    value and never tests the mode; a recipe's own sizes do the same
    (`add_sized_option`). Unless `--no-compile-cache` is given,
    JAX's compiled steps are kept in the user's cache folder
    (`kerasdnn.compilation`), so a second run skips XLA's compilation
    (tracing the step still happens).
    """

    def __init__(self, *args: Any, full_run: dict[str, Any], smoke_run: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._full_run, self._smoke_run = full_run, smoke_run
        self._full_run_only: list[argparse.Action] = []
        self._smoke_values: list[tuple[argparse.Action, Any]] = []

    def add_sized_option(self, *args: Any, smoke: Any, help: str, **kwargs: Any) -> argparse.Action:
        """Adds a recipe's own size (`--members`, `--steps`): a smoke run takes `smoke` unless the option is given.

        Args:
            *args: The option's names, as `add_argument` takes them.
            smoke: The value of a smoke run.
            help: What the option sets; its full-run default and `smoke` are appended.
            **kwargs: As `add_argument` takes them (`type`, `default`, `nargs`).

        Returns:
            The option's `argparse.Action`.
        """
        shown = " ".join(map(str, smoke)) if isinstance(smoke, (list, tuple)) else smoke
        action = self.add_argument(*args, help=f"{help} (default: %(default)s; --smoke: {shown})", **kwargs)
        self._smoke_values.append((action, smoke))
        return action

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
        for action, value in self._smoke_values:
            if parsed.smoke and getattr(parsed, action.dest) == action.default:
                setattr(parsed, action.dest, value)
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
        help="folder with prepared tfds datasets (default: $TFDS_DATA_DIR, else tfds's own, downloading on first use)",
    )
    output_default = output_dir or "runs/ and the run's name"
    parser.add_argument(
        "--output-dir", default=output_dir, help=f"where the run's files go (default: {output_default})"
    )
    if seeds is None:
        parser.add_argument("--seed", type=non_negative_int, default=0, help="random seed (default: %(default)s)")
    else:
        action = parser.add_argument(
            "--seeds",
            type=non_negative_int,
            nargs="+",
            default=list(seeds),
            help="random seeds, one run each; results report their mean and standard deviation "
            f"(default: {' '.join(map(str, seeds))}; a smoke run takes the first unless --seeds is given)",
        )
        # Seeds asked for are kept, so that a smoke run can check a recipe's loop over seeds.
        parser._smoke_values.append((action, list(seeds[:1])))
    parser.add_argument(
        "--results-dir",
        help="where a full run writes its summary JSON (default: recipes/results, the README table's source)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"quick check: {SMOKE_TRAIN_SAMPLES} training samples, {smoke_epochs} epoch(s); leaves recipes/results alone",
    )
    add_compile_cache_option(parser)
    return parser
