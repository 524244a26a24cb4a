"""The end of a recipe: its results JSON and figure, the summary of a ladder and the verdicts the table shows.

Only full runs write `recipes/results/`, the source of the README's
reproduction table; smoke runs write their output folder alone.
"""

import argparse
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kerasdnn.console import format_table
from kerasdnn.results import write_json


def record_result(
    path: str, payload: dict[str, Any], *, smoke: bool, results_dir: str | None = None, figure: str | None = None
) -> str | None:
    """Writes a recipe's summary JSON to `path`, and its main figure beside it, except in smoke runs.

    The files under `recipes/results/` are what the README's reproduction
    table is generated from, so only full runs may write them.

    Args:
        path: The results file, such as `recipes/results/mnist_bn.json`.
        payload: A JSON-ready dict.
        smoke: Whether this is a smoke run (then nothing is written).
        results_dir: Another folder to write the files into (`--results-dir`),
            keeping their names. Defaults to `None`: `path`'s own folder.
        figure: A PNG the run drew, copied to `path` with `.png` for `.json`
            (the README's table links it). Defaults to `None`.

    Returns:
        The path written, or `None` in a smoke run.
    """
    if smoke:
        return None
    import keras

    from kerasdnn.run_state import replacing

    # Which backend ran is part of every result: the same seed draws other
    # numbers on another backend.
    payload = {**payload, "backend": payload.get("backend") or keras.backend.backend()}
    if results_dir is not None:
        path = os.path.join(results_dir, os.path.basename(path))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if figure is not None:
        with replacing(figure_path(path)) as temporary:  # the committed figure whole, old or new
            shutil.copyfile(figure, temporary)
    return write_json(path, payload)


def finish_recipe(
    recipe_file: str,
    payload: dict[str, Any],
    args: argparse.Namespace,
    *,
    name: str | None = None,
    output_dir: str | None = None,
    output_name: str | None = None,
    figure: str | None = None,
) -> str | None:
    """Ends a recipe: its payload into its output folder and, in a full run, into `recipes/results/` with its figure.

    Smoke runs write the output folder's copy too, so what a recipe reports
    can be checked on a smoke run.

    Example (the last line of most recipes):

    >>> finish_recipe(__file__, payload, args, figure="ladder.png")

    Args:
        recipe_file: The recipe's `__file__`.
        payload: A JSON-ready dict with a `"summary"`.
        args: The recipe's parsed arguments (`output_dir`, `smoke`,
            `results_dir`).
        name: The results file's name, `NAME.json`. Defaults to `None`: the
            recipe file's name.
        output_dir: The run's output folder. Defaults to `None`:
            `args.output_dir`.
        output_name: The file name in the output folder. Defaults to `None`:
            `NAME.json`.
        figure: The run's main figure: a path relative to the output folder,
            or an absolute one. Defaults to `None`.

    Returns:
        The results file written, or `None` in a smoke run.
    """
    name = name or os.path.splitext(os.path.basename(recipe_file))[0]
    output_dir = output_dir or args.output_dir
    write_json(os.path.join(output_dir, output_name or f"{name}.json"), payload)
    return record_result(
        os.path.join(os.path.dirname(os.path.abspath(recipe_file)), "results", f"{name}.json"),
        payload,
        smoke=args.smoke,
        results_dir=args.results_dir,
        figure=None if figure is None else os.path.join(output_dir, figure),
    )


def train_rungs(
    networks: Mapping[str, Callable[[], Any]],
    train_rung: Callable[[str, Any, int], Mapping[str, Any]],
    seeds: Sequence[int],
) -> list[dict[str, Any]]:
    """Trains each rung of a ladder once per seed and compares its runs with the zoo record of its name.

    Args:
        networks: `{zoo name: function building the rung's network}`, in ladder order.
        train_rung: `train_rung(name, model, seed)` trains one rung's network
            for one seed and returns `kerasdnn.train`'s results.
        seeds: Random seeds, one run of every rung each; Keras's seed is set
            to each before its network is built.

    Returns:
        One row per rung: `model`, the keys of `kerasdnn.zoo.compare_with_record`
        and `seeds`, as `finish_ladder` takes them.
    """
    import keras

    from kerasdnn import zoo

    rows = []
    for name, build_model in networks.items():
        runs = []
        for seed in seeds:
            keras.utils.set_random_seed(seed)  # the same seed, the same initial weights, shuffles and dropout masks
            runs.append(train_rung(name, build_model(), seed))
        rows.append({"model": name, **zoo.compare_with_record(zoo.model_info(name), runs), "seeds": list(seeds)})
    return rows


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
        rows: The rows `train_rungs` (or `kerasdnn.zoo.train_ladder`) returned.
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


def ladder_summary(rows: Sequence[Mapping[str, Any]], *, recipe: str, reproduces: str, metric: str) -> dict[str, Any]:
    """Builds the reproduction-table summary of a ladder from `zoo.train_ladder` rows.

    Args:
        rows: The rows `train_rungs` (or `kerasdnn.zoo.train_ladder`) returned.
        recipe: The recipe's name.
        reproduces: What it reproduces, one line.
        metric: What the numbers measure.

    Returns:
        A summary dict: reference and measured values (mean ± std) and
        epochs per rung, joined with " / ", the seeds, a verdict (how many
        rungs reproduce their reference, and by how much the others miss)
        and the total training time.
    """
    judged = [row for row in rows if row["reproduced"] is not None]
    outside = [f"{row['model']} {100 * row['difference']:+.2f}" for row in judged if not row["reproduced"]]
    verdict = f"{len(judged) - len(outside)} of {len(judged)} rungs reproduce"
    return {
        "recipe": recipe,
        "reproduces": reproduces,
        "metric": metric,
        "reference": " / ".join(_number(row["reference"]) for row in rows),
        "ours": " / ".join(spread_text(row["ours"], row["std"]) for row in rows),
        "seeds": rows[0]["seeds"],
        "verdict": verdict + (f"; outside (points): {', '.join(outside)}" if outside else ""),
        "epochs": " / ".join(str(row["epochs"]) for row in rows),
        "train_seconds": sum(row["train_seconds"] for row in rows),
    }


def first_epoch(values: Sequence[float | None], reached: Callable[[float], bool]) -> int | None:
    """The first epoch, counted from 1 as Keras's logs count them, whose value has `reached`; `None` if none has.

    Example:

    >>> first_epoch([0.3, 0.08, 0.04, 0.03], lambda error: error < 0.05)
    3

    Args:
        values: One value per epoch, as a history holds them (`None` for a
            missing one, which never counts).
        reached: Whether a value is there.

    Returns:
        The epoch, or `None`.
    """
    return next((epoch for epoch, value in enumerate(values, 1) if value is not None and reached(value)), None)


def spread_text(mean: float | None, std: float | None) -> str:
    """Formats a mean and its standard deviation as `"0.9868 ± 0.0007"` (the mean alone without a std)."""
    return _number(mean) if std is None else f"{_number(mean)} ± {std:.4f}"


def target_verdict(spread: Mapping[str, Any], target: float) -> str:
    """One line on whether a mean over seeds reaches a target, as the reproduction table shows it."""
    reached = spread["mean"] is not None and spread["mean"] >= target
    return f"target ≥ {target}: {'met' if reached else 'missed'}"


def improvement_verdict(tuned: Mapping[str, Any], untuned: Mapping[str, Any]) -> str:
    """One line on whether tuning pays: the tuned mean beats the untuned one by more than the larger std.

    Example:

    >>> improvement_verdict({"mean": 0.9874, "std": 0.0008}, {"mean": 0.9869, "std": 0.0010})
    'tuned − untuned +0.0005 ≤ larger std 0.0010: does not pay'

    Args:
        tuned: A `seed_statistics` dict of the tuned configuration.
        untuned: A `seed_statistics` dict of the untuned default.

    Returns:
        The verdict, as the reproduction table shows it.
    """
    if tuned["mean"] is None or untuned["mean"] is None:
        return "tuned − untuned: not measured"
    margin = tuned["mean"] - untuned["mean"]
    noise = max(tuned["std"] or 0.0, untuned["std"] or 0.0)
    pays = margin > noise
    return f"tuned − untuned {margin:+.4f} {'>' if pays else '≤'} larger std {noise:.4f}: {'pays' if pays else 'does not pay'}"


def figure_path(results_path: str) -> str:
    """The main figure committed beside a results file: `NAME.png` for `NAME.json`."""
    return os.path.splitext(results_path)[0] + ".png"


def _number(value):
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
