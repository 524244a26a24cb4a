"""Plots written as PNG files by the training helper and the recipes."""

import math


def _pyplot():
    import matplotlib

    # Files only: never open a window, also on machines without a display.
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def plot_history(history, path, *, title=None):
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
    pyplot = _pyplot()
    metrics = [
        name for name in history
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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return path
