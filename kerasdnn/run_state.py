"""A training run's state on disk, committed once per epoch, so that a killed run resumes exactly or says why not.

`kerasdnn.train` keeps its backup under `output_dir/backup/`:

    backup/
        fingerprint.json      what decides the run: model, optimizer, loss, seed, batch size, epochs, data
        epoch-0003/           the whole state after epoch 3
            model.weights.h5  weights and optimizer state
            random_state.npz  the dropout layers' seed generators (and torch's global generator)
            history.json      the history rows of epochs 1 to 3
            manifest.json     the epoch count and each file's SHA-256, written last

Each epoch's state is written into a folder beside its final name and then
renamed into place (a rename is atomic on POSIX file systems); only then is
the previous epoch's folder removed. A kill at any instant therefore leaves
the previous epoch's state or the new one, never a mix of the two, and the
history, the weights and the epoch count always agree. `history.csv` beside
the backup is rewritten from the committed state after every commit.
"""

import contextlib
import csv
import hashlib
import json
import os
import re
import shutil
import tempfile
import zlib
from collections.abc import Iterator
from typing import Any

import keras
import numpy as np

from kerasdnn.results import write_json

FINGERPRINT = "fingerprint.json"
MANIFEST = "manifest.json"
WEIGHTS = "model.weights.h5"
RANDOM_STATE = "random_state.npz"
HISTORY = "history.json"
_EPOCH_FOLDER = re.compile(r"^epoch-(\d{4,})$")


def before_file_operation(operation: str, path: str) -> None:
    """Called before every write, rename and removal of a run's files; does nothing.

    The one place a test (or a curious user) can stop a run at an exact
    file operation, to check that a kill there loses nothing.

    Args:
        operation: What is about to happen: `"write"`, `"rename"` or `"remove"`.
        path: The file or folder it happens to.
    """


class DamagedRunError(ValueError):
    """A run's saved state cannot be read; the message names the file and the remedy."""


def damaged(path: str, reason: str, remedy: str) -> DamagedRunError:
    """Builds the error for a file that cannot be read, naming it and what to do.

    Args:
        path: The damaged file.
        reason: What is wrong with it.
        remedy: What the user should do.

    Returns:
        A `DamagedRunError` ready to be raised.
    """
    return DamagedRunError(f"{path} is damaged ({reason}); {remedy}")


def file_sha256(path: str) -> str:
    """Returns the SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_fingerprint(value: Any) -> Any:
    """Shapes, dtypes and a CRC-32 of arrays; a dataset's element spec.

    CRC-32 of the whole buffer runs at memory speed (MNIST's training images,
    172 MB, in a fraction of a second), so a changed sample is seen.
    """
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return [data_fingerprint(item) for item in value]
    if hasattr(value, "element_spec"):
        return {"dataset": str(value.element_spec)}
    array = np.ascontiguousarray(value)
    return {"shape": list(array.shape), "dtype": str(array.dtype), "crc32": zlib.crc32(array.data)}


# Names do not change what a run computes, and Keras numbers unnamed layers
# per process, so the graph's links (which hold those names) are left out;
# the layers' own configs in order, and the weights' shapes, stay.
_NAMING_KEYS = {"name", "inbound_nodes", "input_layers", "output_layers"}


def _without_names(config):
    if isinstance(config, dict):
        return {key: _without_names(value) for key, value in config.items() if key not in _NAMING_KEYS}
    if isinstance(config, list):
        return [_without_names(value) for value in config]
    return config


def _json_ready(value):
    return json.loads(json.dumps(value, sort_keys=True, default=repr))


def fingerprint(model: keras.Model, optimizer: keras.optimizers.Optimizer, **decisive: Any) -> dict[str, Any]:
    """What a backup must match to be resumed.

    Args:
        model: The model being trained (its architecture, not its weights).
        optimizer: The resolved optimizer (its class and every config value,
            the learning rate or schedule included).
        **decisive: The other settings that decide the run (loss, seed,
            batch size, epochs, `data_fingerprint`s of the data).

    Returns:
        A JSON-ready dict.
    """
    architecture = {"class_name": type(model).__name__, "weights": [list(w.shape) for w in model.weights]}
    try:
        architecture["config"] = model.get_config()
    except NotImplementedError:  # a subclassed model without get_config: its weights' shapes only
        pass
    return _json_ready(
        {
            "model": _without_names(architecture),
            "optimizer": {"class_name": type(optimizer).__name__, "config": _without_names(optimizer.get_config())},
            **decisive,
        }
    )


def differences(old: Any, new: Any, path: str = "") -> list[str]:
    """The paths at which two JSON-ready values differ, with both values."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new), key=str):
            found += differences(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
        return found
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        found = []
        for index, (a, b) in enumerate(zip(old, new)):
            found += differences(a, b, f"{path}[{index}]")
        return found
    return [] if old == new else [f"{path}: {_shown(old)} in the backup, {_shown(new)} now"]


def _shown(value):
    # Rates are float32 in the optimizer's config: 0.001, not 0.0010000000474974513.
    return f"{value:.7g}" if isinstance(value, float) else repr(value)


def random_variables(model: keras.Model) -> list[Any]:
    """The model's variables that are neither weights nor optimizer state: seed generators' states."""
    weights = {id(weight) for weight in model.weights}
    return [variable for variable in model.variables if id(variable) not in weights]


class RunState:
    """The backup folder of one run: its fingerprint and its last committed epoch.

    Args:
        directory: The backup folder (`output_dir/backup`).
        history_csv: The `history.csv` kept beside it, rewritten after every commit.
    """

    def __init__(self, directory: str, history_csv: str) -> None:
        self.directory = directory
        self.history_csv = history_csv
        self.remedy = f"delete {directory} to start the run afresh, or pass overwrite=True (--overwrite)"

    # Reading.

    def committed_epoch(self) -> int:
        """The epochs the last committed state holds; 0 when there is none."""
        if not os.path.isdir(self.directory):
            return 0
        epochs = [int(m.group(1)) for m in map(_EPOCH_FOLDER.match, os.listdir(self.directory)) if m]
        return max(epochs, default=0)

    def saved_fingerprint(self) -> Any:
        """The fingerprint the backup was started with, or `None`."""
        path = os.path.join(self.directory, FINGERPRINT)
        if not os.path.isfile(path):
            return None
        return self._read_json(path)

    def _read_json(self, path):
        try:
            with open(path) as handle:
                return json.load(handle)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise damaged(path, f"not readable JSON: {error}", self.remedy) from None

    def _epoch_folder(self, epoch):
        return os.path.join(self.directory, f"epoch-{epoch:04d}")

    def verify(self) -> int:
        """Checks the last committed epoch's files against its manifest; returns the epoch.

        Raises:
            DamagedRunError: If a file of the state is missing, altered or unreadable.
        """
        epoch = self.committed_epoch()
        folder = self._epoch_folder(epoch)
        manifest_path = os.path.join(folder, MANIFEST)
        if not os.path.isfile(manifest_path):
            raise damaged(folder, f"{MANIFEST} is missing", self.remedy)
        manifest = self._read_json(manifest_path)
        if not isinstance(manifest, dict) or manifest.get("finished_epochs") != epoch or "files" not in manifest:
            raise damaged(manifest_path, f"it does not describe epoch {epoch}", self.remedy)
        for name, digest in manifest["files"].items():
            path = os.path.join(folder, name)
            if not os.path.isfile(path) or file_sha256(path) != digest:
                raise damaged(path, "missing, or its checksum differs from the manifest's", self.remedy)
        return epoch

    def load(self, model: keras.Model) -> dict[str, list[Any]]:
        """Loads the last committed epoch into `model` (weights, optimizer, random state); returns its history.

        Raises:
            DamagedRunError: If a file of the state is missing, altered or unreadable.
        """
        folder = self._epoch_folder(self.verify())
        optimizer = model.optimizer
        if not optimizer.built:  # TensorFlow builds it at the first update
            optimizer.build(model.trainable_variables)
        weights_path = os.path.join(folder, WEIGHTS)
        try:
            model.load_weights(weights_path)
        except Exception as error:  # h5py and Keras raise many kinds here
            raise damaged(weights_path, f"its weights do not load into this model: {error}", self.remedy) from None
        with np.load(os.path.join(folder, RANDOM_STATE)) as saved:
            for index, variable in enumerate(random_variables(model)):
                variable.assign(saved[str(index)])
            if "torch" in saved:
                import torch

                torch.set_rng_state(torch.from_numpy(saved["torch"]))
        history = self._read_json(os.path.join(folder, HISTORY))
        self.write_history_csv(history)
        return history

    # Writing.

    def start(self, run_fingerprint: Any) -> None:
        """Starts an empty backup for a new run: removes any old one, writes the fingerprint."""
        self.discard()
        os.makedirs(self.directory)
        path = os.path.join(self.directory, FINGERPRINT)
        before_file_operation("write", path)
        write_json(path, run_fingerprint)

    def commit(self, model: keras.Model, epoch: int, history: dict[str, list[Any]]) -> None:
        """Writes the state after `epoch` finished epochs aside, renames it into place, drops the previous one."""
        final = self._epoch_folder(epoch)
        partial = os.path.join(self.directory, f".epoch-{epoch:04d}.partial")
        self._remove(partial)
        os.makedirs(partial)
        files = {}
        weights = os.path.join(partial, WEIGHTS)
        before_file_operation("write", weights)
        model.save_weights(weights)
        files[WEIGHTS] = file_sha256(weights)
        states = {str(i): keras.ops.convert_to_numpy(v) for i, v in enumerate(random_variables(model))}
        if keras.backend.backend() == "torch":
            # Keras's PyTorch dropout draws unseeded masks from torch's global
            # generator, not from the layer's seed generator.
            import torch

            states["torch"] = torch.get_rng_state().numpy()
        random_state = os.path.join(partial, RANDOM_STATE)
        before_file_operation("write", random_state)
        np.savez(random_state, **states)
        files[RANDOM_STATE] = file_sha256(random_state)
        history_path = os.path.join(partial, HISTORY)
        before_file_operation("write", history_path)
        write_json(history_path, history)
        files[HISTORY] = file_sha256(history_path)
        manifest = os.path.join(partial, MANIFEST)
        before_file_operation("write", manifest)
        write_json(manifest, {"finished_epochs": epoch, "files": files})
        before_file_operation("rename", final)
        os.rename(partial, final)
        for name in os.listdir(self.directory):
            match = _EPOCH_FOLDER.match(name)
            if match and int(match.group(1)) < epoch:
                self._remove(os.path.join(self.directory, name))
        self.write_history_csv(history)

    def write_history_csv(self, history: dict[str, list[Any]]) -> None:
        """Writes `history.csv` (an `epoch` column, then the others sorted, as `keras.callbacks.CSVLogger`) atomically."""
        columns = sorted(history)
        rows = len(next(iter(history.values()), []))
        before_file_operation("write", self.history_csv)
        with replacing(self.history_csv) as partial, open(partial, "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["epoch", *columns])
            for index in range(rows):
                writer.writerow([index, *("NA" if history[c][index] is None else history[c][index] for c in columns)])

    def discard(self) -> None:
        """Removes the backup: renamed first, so a kill while deleting leaves no half backup behind."""
        self._remove(self.directory)

    def _remove(self, path):
        if not os.path.exists(path):
            return
        retired = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.removing")
        shutil.rmtree(retired, ignore_errors=True)
        before_file_operation("rename", retired)
        os.rename(path, retired)
        before_file_operation("remove", retired)
        shutil.rmtree(retired, ignore_errors=True)

    def clean(self) -> None:
        """Removes what a kill left half-done: folders being written or removed."""
        parent = os.path.dirname(self.directory)
        shutil.rmtree(os.path.join(parent, f".{os.path.basename(self.directory)}.removing"), ignore_errors=True)
        if os.path.isdir(self.directory):
            for name in os.listdir(self.directory):
                if name.startswith("."):
                    shutil.rmtree(os.path.join(self.directory, name), ignore_errors=True)


@contextlib.contextmanager
def replacing(path: str, unique: bool = False) -> Iterator[str]:
    """Yields a temporary name beside `path` (same extension) and renames it onto `path` on success.

    Keras and Matplotlib pick the format from the extension, so the
    temporary name keeps it: `model.keras` is written as `.model.partial.keras`.

    Args:
        path: The file to write.
        unique: Whether the temporary name is one no other process uses
            (`.model.partial-<random>.keras`), for a file that several
            processes may write at once; the fixed name otherwise, which a
            resumed run recognizes as its own leftover.
    """
    folder, name = os.path.split(path)
    stem, extension = os.path.splitext(name)
    if unique:
        handle, temporary = tempfile.mkstemp(suffix=extension, prefix=f".{stem}.partial-", dir=folder or None)
        os.close(handle)
    else:
        temporary = os.path.join(folder, f".{stem}.partial{extension}")
    try:
        yield temporary
        before_file_operation("rename", path)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
