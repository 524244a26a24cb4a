"""Result files: atomic JSON, the recipes' summaries, and the tables generated from them.

The bottom of the package: it imports nothing of kerasdnn, and Keras only to
name the backend a result came from.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import textwrap
from collections.abc import Mapping, Sequence
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

    # Which backend ran is part of every result: the same seed draws other
    # numbers on another backend.
    payload = {**payload, "backend": payload.get("backend") or keras.backend.backend()}
    if results_dir is not None:
        path = os.path.join(results_dir, os.path.basename(path))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if figure is not None:
        shutil.copyfile(figure, figure_path(path))
    return write_json(path, payload)


def finish_recipe(
    recipe_file: str,
    payload: dict[str, Any],
    args: argparse.Namespace,
    *,
    output_name: str | None = None,
    figure: str | None = None,
) -> str | None:
    """Ends a recipe: its payload into its output folder and, in a full run, into `recipes/results/` with its figure.

    Example (the last line of most recipes):

    >>> finish_recipe(__file__, payload, args, figure="ladder.png")

    Args:
        recipe_file: The recipe's `__file__`; its name names the results file.
        payload: A JSON-ready dict with a `"summary"`.
        args: The recipe's parsed arguments (`output_dir`, `smoke`,
            `results_dir`).
        output_name: The file name in `args.output_dir`. Defaults to `None`:
            `NAME.json`.
        figure: The run's main figure, a file name in `args.output_dir`.
            Defaults to `None`.

    Returns:
        The results file written, or `None` in a smoke run.
    """
    name = os.path.splitext(os.path.basename(recipe_file))[0]
    write_json(os.path.join(args.output_dir, output_name or f"{name}.json"), payload)
    return record_result(
        os.path.join(os.path.dirname(os.path.abspath(recipe_file)), "results", f"{name}.json"),
        payload,
        smoke=args.smoke,
        results_dir=args.results_dir,
        figure=None if figure is None else os.path.join(args.output_dir, figure),
    )


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


TABLE_START = "<!-- reproduction-table:start (generated by recipes/reproduction_table.py) -->"
TABLE_END = "<!-- reproduction-table:end -->"


def reproduction_table(results_dir: str | os.PathLike, figures_url: str = "recipes/results") -> str:
    """Builds the README's reproduction table from the recipes' results files.

    Each `*.json` file under `results_dir` that has a `"summary"` entry gives
    one row: `recipe`, `reproduces`, `metric`, `reference`, `ours` (with
    `± std` over the summary's `seeds`), the number of seeds, the
    summary's `verdict` (reproduced or not, a target met or not),
    `epochs`, `train_seconds`, the backend and a link to the run's main
    figure (`NAME.png` beside `NAME.json`) where there is one.

    Args:
        results_dir: The folder of results files, `recipes/results`.
        figures_url: The same folder as the README links it. Defaults to
            `"recipes/results"`.

    Returns:
        The table as Markdown, rows sorted by recipe name.
    """
    lines = [
        "| recipe | reproduces | metric | reference | ours (mean ± std) | seeds | verdict | epochs | training time "
        "| backend | figure |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for stem, results, summary in _summaries(results_dir):
        figure = f"{stem}.png"
        link = f"[{figure}]({figures_url}/{figure})" if os.path.exists(os.path.join(results_dir, figure)) else "-"
        lines.append(
            f"| `{summary['recipe']}` | {summary['reproduces']} | {summary['metric']} | "
            f"{summary['reference']} | {_ours(summary)} | {len(_seeds(results))} | {summary.get('verdict') or '-'} | "
            f"{summary['epochs']} | {summary['train_seconds']:.0f} s | {_backend(results)} | {link} |"
        )
    return "\n".join(lines)


# A results file is written by the recipe of the same name, except these.
RECIPE_OF_RESULTS = {"fashion_bn": "mnist_bn", "tune_fashion_mnist": "tune_mnist"}
RESULT_HEADER = "## Result"
DISCUSSION_HEADER = "## Discussion"


def result_comments(results_dir: str | os.PathLike) -> dict[str, str]:
    """Builds each recipe's closing `## Result` comment from its results files.

    Returns:
        `{recipe name: comment text}`; a recipe that writes two results files
        (`mnist_bn`, `tune_mnist`) gets a line for each.
    """
    lines: dict[str, list[str]] = {}
    for stem, results, summary in _summaries(results_dir):
        seeds = _seeds(results)
        verdict = f" ({summary['verdict']})" if summary.get("verdict") else ""
        lines.setdefault(RECIPE_OF_RESULTS.get(stem, stem), []).append(
            f"# recipes/results/{stem}.json ({'seed' if len(seeds) == 1 else 'seeds'} {' '.join(map(str, seeds))}, "
            f"{_backend(results)} backend, 2-core CPU): {summary['metric']}: {_ours(summary)}{verdict}; "
            f"reference {summary['reference']}; {summary['epochs']} epochs, {summary['train_seconds']:.0f} s of training."
        )
    header = f"{RESULT_HEADER}\n# Generated by recipes/reproduction_table.py from the results files; do not edit.\n"
    return {
        recipe: header + "\n".join(_wrap_comment(line) for line in entries) + "\n" for recipe, entries in lines.items()
    }


def _summaries(results_dir):
    """Yields `(name, results, summary)` for each results file that has a summary, by name."""
    for path in sorted(glob.glob(os.path.join(results_dir, "*.json"))):
        with open(path) as handle:
            results = json.load(handle)
        if results.get("summary"):
            yield os.path.splitext(os.path.basename(path))[0], results, results["summary"]


def _seeds(results):
    """The seeds a results file holds: its summary's, else the one seed of a single run."""
    return results["summary"].get("seeds") or [results.get("seed", results.get("settings", {}).get("seed", 0))]


def _ours(summary):
    ours = summary["ours"]
    return ours if isinstance(ours, str) else spread_text(ours, summary.get("std"))


def _backend(results):
    return results.get("backend") or "tensorflow (not recorded)"


def _wrap_comment(line, width=79):
    return "\n".join(textwrap.wrap(line, width=width, initial_indent="", subsequent_indent="#   "))


def replace_result_comment(text: str, comment: str) -> str:
    """Returns a recipe's source with its `## Result` block (up to `## Discussion` or the end) replaced.

    Raises:
        ValueError: If the recipe has no `## Result` block.
    """
    if RESULT_HEADER not in text:
        raise ValueError(f"replace_result_comment(): the recipe must contain a {RESULT_HEADER!r} block")
    head, rest = text.split(RESULT_HEADER, 1)
    tail = rest[rest.index(DISCUSSION_HEADER) :] if DISCUSSION_HEADER in rest else ""
    return f"{head}{comment}" + (f"\n{tail}" if tail else "")


def _number(value):
    return "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)


def replace_table(text: str, table: str) -> str:
    """Returns `text` with the part between the table markers replaced by `table`.

    Raises:
        ValueError: If the markers are missing.
    """
    if TABLE_START not in text or TABLE_END not in text:
        raise ValueError(f"replace_table(): text must contain the markers {TABLE_START!r} and {TABLE_END!r}")
    head, rest = text.split(TABLE_START, 1)
    _, tail = rest.split(TABLE_END, 1)
    return f"{head}{TABLE_START}\n{table}\n{TABLE_END}{tail}"


def ladder_summary(rows: Sequence[Mapping[str, Any]], *, recipe: str, reproduces: str, metric: str) -> dict[str, Any]:
    """Builds the reproduction-table summary of a ladder from `zoo.train_ladder` rows.

    Args:
        rows: The rows `kerasdnn.zoo.train_ladder` returned.
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
