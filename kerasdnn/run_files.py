"""The files of a run: its folder, its resume point, its results dict and the files written at its end.

What `kerasdnn.train` keeps under `output_dir` (see `kerasdnn.training`):
each file is written beside its final name and renamed into place, and the
backup (`kerasdnn.run_state`) is removed only after the last of them.
"""

import math
import os
import platform
import statistics
import tempfile
from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from kerasdnn import run_state
from kerasdnn.plotting import plot_history
from kerasdnn.results import write_json

# The files of a run, by role, under its output_dir.
OUTPUT_NAMES = {
    "results": "results.json",
    "history": "history.csv",
    "curves": "learning_curves.png",
    "model": "model.keras",
    "backup": "backup",
    "tensorboard": "tensorboard",
}


def prepare_output(function: str, output_dir: str | os.PathLike | None) -> dict[str, str] | None:
    """Creates `output_dir` and checks that it can be written; returns the run's file paths."""
    if output_dir is None:
        return None
    output_dir = os.fspath(output_dir)
    allowed = "a folder that can be created and written"
    if os.path.exists(output_dir) and not os.path.isdir(output_dir):
        raise ValueError(f"{function}(): output_dir must be {allowed}; received output_dir={output_dir!r} (a file)")
    try:
        os.makedirs(output_dir, exist_ok=True)
        # A file created and removed: the one check that sees permissions, a
        # read-only file system and a full disk alike.
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        raise ValueError(
            f"{function}(): output_dir must be {allowed}; received output_dir={output_dir!r} "
            f"({error.strerror or error})"
        ) from None
    return {key: os.path.join(output_dir, name) for key, name in OUTPUT_NAMES.items()}


def resume_point(
    function: str,
    paths: Mapping[str, str] | None,
    state: Any,
    run_fingerprint: Any,
    epochs: int,
    overwrite: bool,
) -> int:
    """Returns the epoch to start from: the epochs a backup of this very run holds, else 0.

    A fresh start removes the outputs of an earlier run in the folder, so
    that a kill mid-way never leaves an old `results.json` beside a new
    history.

    Raises:
        ValueError: If the backup belongs to a different run, or holds more
            epochs than requested, and `overwrite` is `False`.
        kerasdnn.run_state.DamagedRunError: If the backup cannot be read.
    """
    if paths is None:
        return 0
    state.clean()
    committed = state.committed_epoch()
    if committed and not overwrite:
        saved = state.saved_fingerprint()
        if saved is None:
            raise run_state.damaged(os.path.join(paths["backup"], run_state.FINGERPRINT), "missing", state.remedy)
        changed = run_state.differences(saved, run_fingerprint)
        remedy = "pass overwrite=True (--overwrite) to discard it and start afresh, or choose another output_dir"
        if changed:
            shown = "; ".join(changed[:3]) + (f"; and {len(changed) - 3} more" if len(changed) > 3 else "")
            raise ValueError(
                f"{function}(): {paths['backup']} holds {committed} epochs of a different run ({shown}); {remedy}"
            )
        if committed > epochs:
            raise ValueError(
                f"{function}(): {paths['backup']} holds {committed} finished epochs, more than the "
                f"epochs={epochs} requested; {remedy}"
            )
        state.verify()
        return committed
    state.start(run_fingerprint)
    for key in ("results", "model", "curves", "history"):
        if os.path.exists(paths[key]):
            run_state.before_file_operation("remove", paths[key])
            os.remove(paths[key])
    return 0


def finite(value: Any) -> float | None:
    """Returns `value` as a float, or `None` if it is NaN or infinite."""
    value = float(value)
    return value if math.isfinite(value) else None


# What a run's best epoch is ranked by, the first in the history: each
# metric and its sign (1: higher is better).
_RANKED = (("val_accuracy", 1), ("accuracy", 1), ("val_loss", -1), ("loss", -1))


def run_results(
    model: keras.Model,
    history: Mapping[str, list[Any]],
    test_metrics: Mapping[str, Any] | None,
    monitor: Any,
    optimizer: keras.optimizers.Optimizer,
    *,
    epochs: int,
    batch_size: int,
    drop_remainder: bool,
    seed: int,
    loss: Any,
    settings: dict[str, Any] | None,
    wall_seconds: float,
) -> dict[str, Any]:
    """The run's results dict, as `results.json` holds it (see `kerasdnn.train`)."""
    history = {key: [None if v is None else finite(v) for v in values] for key, values in history.items()}
    epoch_seconds = [s for s in history.pop("epoch_seconds", []) if s is not None]
    epochs_run = len(history.get("loss", []))
    final = {key: values[-1] for key, values in history.items() if values}
    # An accuracy where the run measures one, else a loss (as ModelCheckpoint's
    # default monitors), the validation split's first.
    monitored, sign = next(((key, sign) for key, sign in _RANKED if key in history), ("loss", -1))
    best = None
    scores = [(index, value) for index, value in enumerate(history.get(monitored, [])) if value is not None]
    if scores:
        # The first epoch that reaches the best score, as numpy.argmax picks.
        index, value = max(scores, key=lambda pair: (sign * pair[1], -pair[0]))
        best = {"epoch": index + 1, monitored: value}
    return {
        "model": model.name,
        "parameters": int(model.count_params()),
        "epochs": epochs,
        "epochs_run": epochs_run,
        "batch_size": batch_size,
        "drop_remainder": drop_remainder,
        "optimizer": describe_optimizer(optimizer),
        "loss": loss if isinstance(loss, str) else type(loss).__name__,
        "seed": seed,
        "backend": keras.backend.backend(),
        "diverged": monitor.diverged_at_step is not None,
        "diverged_at_epoch": monitor.diverged_at_epoch,
        "diverged_at_step": monitor.diverged_at_step,
        "final": final,
        "best": best,
        "test": None if test_metrics is None else {k: finite(v) for k, v in test_metrics.items()},
        "seconds_per_epoch": statistics.median(epoch_seconds) if epoch_seconds else None,
        "epoch_seconds": epoch_seconds,
        "train_seconds": sum(epoch_seconds),
        "wall_seconds": wall_seconds,
        "versions": versions(),
        "settings": settings or {},
        "history": history,
    }


def describe_optimizer(optimizer: keras.optimizers.Optimizer) -> dict[str, Any]:
    config = optimizer.get_config()
    described = {"name": type(optimizer).__name__}
    for key in ("learning_rate", "momentum", "nesterov", "clipnorm", "clipvalue"):
        value = config.get(key)
        if value is not None and value is not False:
            # A schedule is a config dict; keep its class name and settings.
            described[key] = value
    return described


def versions() -> dict[str, str]:
    """Versions of the packages that shaped the numbers, the backend's framework included."""
    import importlib.metadata

    from kerasdnn import __version__

    versions = {"kerasdnn": __version__, "keras": keras.__version__}
    backend = keras.backend.backend()
    for package in ("tensorflow", "jax", "torch"):
        if package == backend or package == "tensorflow":
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                pass
    return {**versions, "numpy": np.__version__, "python": platform.python_version()}


def write_outputs(
    model: keras.Model,
    results: dict[str, Any],
    history: dict[str, list[Any]],
    paths: Mapping[str, str],
    state: Any,
    save_model: bool,
) -> None:
    """Writes the run's files, each aside and then renamed, and only then removes the backup."""
    results["files"] = {"history": "history.csv", "curves": "learning_curves.png"}
    # The whole history, a diverged last epoch (never committed) included.
    state.write_history_csv(history)
    with run_state.replacing(paths["curves"]) as temporary:
        plot_history(results["history"], temporary, title=model.name)
    if save_model:
        with run_state.replacing(paths["model"]) as temporary:
            model.save(temporary)
        results["files"]["model"] = "model.keras"
    elif os.path.exists(paths["model"]):
        os.remove(paths["model"])
    write_json(paths["results"], results)
    state.discard()
