"""Plots written as PNG files by the training helper and the recipes."""

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any


def pyplot_module() -> Any:
    """Returns `matplotlib.pyplot` set to draw into files only (the Agg backend)."""
    import matplotlib

    # Files only: never open a window, also on machines without a display.
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def _save(figure, path):
    """Writes `figure` to `path` as PNG (making its folder) and frees it; returns `path`."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot_module().close(figure)
    return path


def plot_history(history: Mapping[str, Sequence[float | None]], path: str, *, title: str | None = None) -> str:
    """Plots loss and each metric per epoch, training beside validation.

    Args:
        history: A dict mapping a log name (`"loss"`, `"val_accuracy"`, ...)
            to its list of per-epoch values, as `keras.callbacks.History`
            holds them. Missing (`None`) values are left as gaps.
        path: Where to write the PNG file.
        title: Figure title. Defaults to `None`.

    Returns:
        The path written.
    """
    pyplot = pyplot_module()
    metrics = [
        name
        for name in history
        if not name.startswith("val_") and name not in ("epoch", "epoch_seconds", "learning_rate")
    ]
    figure, axes = pyplot.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.6), squeeze=False)
    for axis, metric in zip(axes[0], metrics):
        for name, style in ((metric, "-"), (f"val_{metric}", "--")):
            values = history.get(name)
            if values:
                epochs = range(1, len(values) + 1)
                axis.plot(epochs, [math.nan if v is None else v for v in values], style, label=name)
        axis.set_xlabel("epoch")
        axis.set_title(metric)
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_comparison(
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    path: str,
    *,
    ylabel: str,
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    errors: Mapping[str, Sequence[float | None]] | None = None,
) -> str:
    """Draws grouped bars: one group per label, one bar per series.

    Used for "reference vs ours" charts: `series={"reference": [...],
    "kerasdnn": [...]}`. A `None` value leaves its bar out.

    Args:
        labels: Names of the groups (the x axis).
        series: A dict mapping a series name to one value per label.
        path: Where to write the PNG file.
        ylabel: Label of the y axis.
        title: Figure title. Defaults to `None`.
        ylim: `(bottom, top)` of the y axis. Defaults to `None` (automatic).
        errors: A dict mapping some series names to one error-bar half-length
            per label (a standard deviation over seeds; `None` draws none).
            Defaults to `None`.

    Returns:
        The path written.
    """
    errors = errors or {}
    pyplot = pyplot_module()
    figure, axis = pyplot.subplots(figsize=(max(6, 1.2 * len(labels)), 4))
    width = 0.8 / len(series)
    for index, (name, values) in enumerate(series.items()):
        positions = [i + (index - (len(series) - 1) / 2) * width for i in range(len(labels))]
        spreads = errors.get(name) or [None] * len(values)
        kept = [(p, v, e or 0.0) for p, v, e in zip(positions, values, spreads) if v is not None]
        if kept:
            axis.bar(
                [p for p, _, _ in kept],
                [v for _, v, _ in kept],
                width,
                label=name,
                yerr=[e for _, _, e in kept] if name in errors else None,
                capsize=3,
            )
    axis.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axis.set_ylabel(ylabel)
    if ylim:
        axis.set_ylim(*ylim)
    if title:
        axis.set_title(title)
    axis.grid(axis="y", alpha=0.3)
    axis.legend()
    return _save(figure, path)


def plot_curves(
    curves: Mapping[str, Sequence[float | None]],
    path: str,
    *,
    ylabel: str,
    xlabel: str = "epoch",
    title: str | None = None,
    logy: bool = False,
) -> str:
    """Plots several per-epoch series on one axis, one line each.

    Args:
        curves: A dict mapping a label to its list of values; `None` values
            (a diverged run's NaN) are left as gaps.
        path: Where to write the PNG file.
        ylabel: Label of the y axis.
        xlabel: Label of the x axis. Defaults to `"epoch"`.
        title: Figure title. Defaults to `None`.
        logy: Whether the y axis is logarithmic. Defaults to `False`.

    Returns:
        The path written.
    """
    pyplot = pyplot_module()
    figure, axis = pyplot.subplots(figsize=(7, 4.2))
    for label, values in curves.items():
        axis.plot(range(1, len(values) + 1), [math.nan if v is None else v for v in values], label=label)
    if logy:
        axis.set_yscale("log")
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    if title:
        axis.set_title(title)
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small")
    return _save(figure, path)


def plot_image_grid(
    images: Sequence[Any], titles: Sequence[str], path: str, *, columns: int = 10, title: str | None = None
) -> str:
    """Draws grayscale images in a grid, each with a short title.

    Args:
        images: Arrays of shape `(height, width)` or `(height, width, 1)`.
        titles: One string per image.
        path: Where to write the PNG file.
        columns: Images per row. Defaults to `10`.
        title: Figure title. Defaults to `None`.

    Returns:
        The path written.
    """
    pyplot = pyplot_module()
    rows = max(1, math.ceil(len(images) / columns))
    figure, axes = pyplot.subplots(rows, columns, figsize=(1.3 * columns, 1.5 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, image, caption in zip(axes.flat, images, titles):
        axis.imshow(image.squeeze(), cmap="gray")
        axis.set_title(caption, fontsize=8)
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_confusion_matrix(
    matrix: Any, path: str, *, labels: Sequence[str] | None = None, title: str | None = None
) -> str:
    """Draws a confusion matrix (rows: true class, columns: predicted) with counts.

    Args:
        matrix: A square array of counts.
        path: Where to write the PNG file.
        labels: Class names. Defaults to `None` (0, 1, ...).
        title: Figure title. Defaults to `None`.

    Returns:
        The path written.
    """
    pyplot = pyplot_module()
    size = len(matrix)
    labels = labels or [str(index) for index in range(size)]
    figure, axis = pyplot.subplots(figsize=(0.6 * size + 2, 0.6 * size + 1.5))
    axis.imshow(matrix, cmap="Blues")
    for row in range(size):
        for column in range(size):
            value = int(matrix[row][column])
            if value:
                color = "white" if value > matrix.max() / 2 else "black"
                axis.text(column, row, value, ha="center", va="center", fontsize=7, color=color)
    axis.set_xticks(range(size), labels)
    axis.set_yticks(range(size), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    if title:
        axis.set_title(title)
    return _save(figure, path)


def plot_decision_boundaries(
    classifiers: Mapping[str, Any], points: Any, path: str, *, title: str | None = None, resolution: int = 200
) -> str:
    """Shades what each classifier predicts over the square around `points`.

    Args:
        classifiers: A dict mapping a panel title to `(predict, targets)`,
            where `predict` maps an `(n, 2)` array to n scores in [0, 1] and
            `targets` are the points' true classes (0 or 1).
        points: The `(n, 2)` training inputs, drawn on every panel.
        path: Where to write the PNG file.
        title: Figure title. Defaults to `None`.
        resolution: Grid points per axis. Defaults to `200`.

    Returns:
        The path written.
    """
    import numpy as np

    pyplot = pyplot_module()
    low, high = points.min() - 0.5, points.max() + 0.5
    axis_values = np.linspace(low, high, resolution)
    grid = np.array([[x, y] for y in axis_values for x in axis_values], dtype=np.float32)
    figure, axes = pyplot.subplots(1, len(classifiers), figsize=(3.4 * len(classifiers), 3.4), squeeze=False)
    for axis, (name, (predict, targets)) in zip(axes[0], classifiers.items()):
        scores = np.asarray(predict(grid)).reshape(resolution, resolution)
        axis.contourf(
            axis_values, axis_values, scores, levels=[0, 0.5, 1], colors=["#dde6f5", "#f5dede"], extend="both"
        )
        axis.contour(axis_values, axis_values, scores, levels=[0.5], colors="black", linewidths=1)
        for target, marker in ((0, "o"), (1, "s")):
            chosen = np.asarray(targets).ravel() == target
            axis.scatter(points[chosen, 0], points[chosen, 1], marker=marker, s=60, label=f"class {target}")
        axis.set_title(name)
        axis.legend(fontsize="small", loc="center")
    if title:
        figure.suptitle(title)
    return _save(figure, path)
