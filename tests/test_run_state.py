"""A run's backup on disk, checked function by function (fast; kills at each file operation are in test_run_faults)."""

import csv
import hashlib
import json
import os
import zlib

import keras
import numpy as np
import pytest

from kerasdnn import run_state

pytestmark = [pytest.mark.xdist_group("run_state"), pytest.mark.core]


def _model(units=4, dropout=0.0, name=None):
    layers = [keras.Input((3,)), keras.layers.Dense(units, name=name)]
    if dropout:
        layers.append(keras.layers.Dropout(dropout, seed=1))
    layers.append(keras.layers.Dense(2))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model


def _backup(tmp_path):
    return run_state.RunState(str(tmp_path / "backup"), str(tmp_path / "history.csv"))


def _keys(value):
    """Every dict key at any depth of a JSON-ready value."""
    if isinstance(value, dict):
        return set(value).union(*map(_keys, value.values()))
    if isinstance(value, list):
        return set().union(*map(_keys, value))
    return set()


def _dicts(value):
    """Every dict at any depth of a JSON-ready value, the value itself included."""
    if isinstance(value, dict):
        return [value, *(found for item in value.values() for found in _dicts(item))]
    if isinstance(value, list):
        return [found for item in value for found in _dicts(item)]
    return []


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


# Fingerprints.


def test_data_fingerprint_reads_shape_dtype_and_every_byte():
    x = np.arange(24, dtype="float32").reshape(4, 6)
    assert run_state.data_fingerprint(None) is None
    assert run_state.data_fingerprint(x) == {"shape": [4, 6], "dtype": "float32", "crc32": zlib.crc32(x.tobytes())}
    # A transposed view is read in its own (C) order, not its buffer's.
    assert run_state.data_fingerprint(x.T)["crc32"] == zlib.crc32(np.ascontiguousarray(x.T).tobytes())
    changed = x.copy()
    changed[3, 5] += 1  # one sample's last value
    assert run_state.data_fingerprint(changed)["crc32"] != run_state.data_fingerprint(x)["crc32"]
    # The last byte of a large array counts as much as the first (a few MB: more than any read block).
    large = np.zeros((3000, 784), "float32")
    last_changed = large.copy()
    last_changed[-1, -1] = 1.0
    assert run_state.data_fingerprint(last_changed) != run_state.data_fingerprint(large)
    assert run_state.data_fingerprint(large.copy()) == run_state.data_fingerprint(large)
    labels = np.array([1, 0, 1], "int64")
    assert run_state.data_fingerprint((x, labels)) == [
        run_state.data_fingerprint(x),
        run_state.data_fingerprint(labels),
    ]
    assert run_state.data_fingerprint([None, labels]) == [None, run_state.data_fingerprint(labels)]

    class Dataset:
        element_spec = ("spec", 7)

    assert run_state.data_fingerprint(Dataset()) == {"dataset": "('spec', 7)"}


def test_fingerprint_ignores_names_and_holds_what_decides_the_run():
    first = run_state.fingerprint(_model(name="one"), keras.optimizers.Adam(learning_rate=0.01), seed=0, batch_size=32)
    keras.backend.clear_session()  # Keras numbers unnamed layers on: other names, the same run
    second = run_state.fingerprint(_model(name="two"), keras.optimizers.Adam(learning_rate=0.01), seed=0, batch_size=32)
    assert first == second
    assert (first["seed"], first["batch_size"]) == (0, 32)
    assert first["model"]["class_name"] == "Sequential"
    # The keys a backup written by an earlier kerasdnn holds, sorted at every depth (two files diff cleanly).
    assert sorted(first) == ["batch_size", "model", "optimizer", "seed"]
    assert sorted(first["model"]) == ["class_name", "config", "weights"]
    assert all(list(mapping) == sorted(mapping) for mapping in _dicts(first))
    assert first["model"]["weights"] == [[3, 4], [4], [4, 2], [2]]
    assert not {"name", "inbound_nodes", "input_layers", "output_layers"} & _keys(first["model"])
    assert "trainable" in _keys(first["model"])  # the layers' own configs stay
    assert first["optimizer"]["class_name"] == "Adam"
    assert first["optimizer"]["config"]["learning_rate"] == pytest.approx(0.01)
    assert "name" not in first["optimizer"]["config"]
    assert run_state.differences(first, second) == []
    # Each decisive thing, changed alone, is a difference.
    wider = run_state.fingerprint(_model(units=5), keras.optimizers.Adam(learning_rate=0.01), seed=0, batch_size=32)
    assert any(line.startswith("model.") for line in run_state.differences(first, wider))
    faster = run_state.fingerprint(_model(), keras.optimizers.Adam(learning_rate=0.02), seed=0, batch_size=32)
    assert run_state.differences(first, faster) == ["optimizer.config.learning_rate: 0.01 in the backup, 0.02 now"]
    sgd = run_state.fingerprint(_model(), keras.optimizers.SGD(learning_rate=0.01), seed=0, batch_size=32)
    assert "optimizer.class_name: 'Adam' in the backup, 'SGD' now" in run_state.differences(first, sgd)
    other_seed = run_state.fingerprint(_model(), keras.optimizers.Adam(learning_rate=0.01), seed=1, batch_size=32)
    assert run_state.differences(first, other_seed) == ["seed: 0 in the backup, 1 now"]
    # JSON-ready: tuples become lists, other objects their repr.
    odd = run_state.fingerprint(_model(), keras.optimizers.Adam(), shape=(1, 2), thing=range(2))
    assert (odd["shape"], odd["thing"]) == ([1, 2], "range(0, 2)")


def test_fingerprint_of_a_subclassed_model_without_a_config_keeps_its_weights_shapes():
    class Net(keras.Model):  # an argument Keras cannot serialize itself: get_config raises NotImplementedError
        def __init__(self, layer):
            super().__init__()
            self.dense = layer

        def call(self, x):
            return self.dense(x)

    model = Net(keras.layers.Dense(3))
    model(np.zeros((1, 2), "float32"))
    assert run_state.fingerprint(model, keras.optimizers.SGD())["model"] == {
        "class_name": "Net",
        "weights": [[2, 3], [3]],
    }


def test_differences_names_each_path_with_both_values():
    old = {"a": {"b": [1, 2.5, 3]}, "c": "x", "gone": 1, "list": [1, 2]}
    new = {"a": {"b": [1, 2.75, 4]}, "c": "x", "new": None, "list": [1, 2, 3]}
    assert run_state.differences(old, new) == [
        "a.b[1]: 2.5 in the backup, 2.75 now",
        "a.b[2]: 3 in the backup, 4 now",
        "gone: 1 in the backup, None now",
        "list: [1, 2] in the backup, [1, 2, 3] now",  # lists of other lengths: compared whole
    ]
    # Rates are float32 in an optimizer's config: shown to 7 significant digits.
    assert run_state.differences({"r": float(np.float32(0.001))}, {"r": 0.5}) == ["r: 0.001 in the backup, 0.5 now"]
    assert run_state.differences(1, 2) == [": 1 in the backup, 2 now"]
    # Keys of several types, sorted by their text; a dict against another kind of value, compared whole.
    assert run_state.differences({1: "a", "b": 2}, {1: "b", "b": 3}) == [
        "1: 'a' in the backup, 'b' now",
        "b: 2 in the backup, 3 now",
    ]
    assert run_state.differences({"a": 1}, None) == [": {'a': 1} in the backup, None now"]
    assert run_state.differences([1], {"a": 1}) == [": [1] in the backup, {'a': 1} now"]


def test_random_variables_are_the_seed_generators_states_alone():
    assert run_state.random_variables(_model()) == []
    model = _model(dropout=0.5)
    variables = run_state.random_variables(model)
    assert len(variables) == 1 and variables[0].path.endswith("seed_generator_state")
    assert all(id(variable) not in {id(weight) for weight in model.weights} for variable in variables)


# The backup.


def test_an_absent_or_empty_backup_holds_no_epoch(tmp_path):
    backup = _backup(tmp_path)
    assert (backup.committed_epoch(), backup.saved_fingerprint()) == (0, None)
    assert (
        backup.remedy == f"delete {tmp_path / 'backup'} to start the run afresh, or pass overwrite=True (--overwrite)"
    )
    os.makedirs(tmp_path / "backup" / "epoch-12x")  # not an epoch folder
    (tmp_path / "backup" / "epoch-0007").write_text("a file")
    os.makedirs(tmp_path / "backup" / "epoch-0003")
    os.makedirs(tmp_path / "backup" / "epoch-12345")  # more than four digits: still an epoch
    os.makedirs(tmp_path / "backup" / "epoch-001")  # fewer: not
    assert backup.committed_epoch() == 12345


def test_start_writes_the_fingerprint_into_a_fresh_backup(tmp_path, monkeypatch):
    backup = _backup(tmp_path)
    os.makedirs(tmp_path / "backup" / "epoch-0004")
    operations = []
    monkeypatch.setattr(
        run_state, "before_file_operation", lambda operation, path: operations.append((operation, path))
    )
    backup.start({"seed": 3})
    retired = str(tmp_path / ".backup.removing")
    fingerprint = str(tmp_path / "backup" / "fingerprint.json")
    assert operations == [("rename", retired), ("remove", retired), ("write", fingerprint)]
    assert sorted(os.listdir(tmp_path / "backup")) == ["fingerprint.json"]
    assert json.loads((tmp_path / "backup" / "fingerprint.json").read_text()) == {"seed": 3}
    assert backup.saved_fingerprint() == {"seed": 3}
    assert not (tmp_path / ".backup.removing").exists()


def test_commit_writes_each_file_with_its_checksum_and_keeps_the_last_epoch_only(tmp_path):
    backup = _backup(tmp_path)
    backup.start({})
    model = _model(dropout=0.5)
    history = {"loss": [0.5], "val_loss": [None]}
    backup.commit(model, 1, history)
    assert sorted(os.listdir(tmp_path / "backup")) == ["epoch-0001", "fingerprint.json"]
    history = {"loss": [0.5, 0.25], "val_loss": [None, 0.75]}
    backup.commit(model, 2, history)
    assert sorted(os.listdir(tmp_path / "backup")) == ["epoch-0002", "fingerprint.json"]
    folder = tmp_path / "backup" / "epoch-0002"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == {
        "finished_epochs": 2,
        "files": {name: _sha256(folder / name) for name in ("model.weights.h5", "random_state.npz", "history.json")},
    }
    assert sorted(os.listdir(folder)) == ["history.json", "manifest.json", "model.weights.h5", "random_state.npz"]
    assert json.loads((folder / "history.json").read_text()) == history
    with np.load(folder / "random_state.npz") as saved:
        # The seed generator's state, and torch's global generator on PyTorch only.
        assert sorted(saved.files) == (["0", "torch"] if keras.backend.backend() == "torch" else ["0"])
        state = keras.ops.convert_to_numpy(run_state.random_variables(model)[0])
        np.testing.assert_array_equal(saved["0"], state)
    # history.csv as CSVLogger writes it: epoch first, the other columns sorted, NA for a missing value.
    with open(tmp_path / "history.csv", newline="") as handle:
        assert list(csv.reader(handle)) == [["epoch", "loss", "val_loss"], ["0", "0.5", "NA"], ["1", "0.25", "0.75"]]
    assert backup.verify() == 2


def test_commit_writes_aside_then_renames_in_the_order_a_kill_can_survive(tmp_path, monkeypatch):
    backup = _backup(tmp_path)
    backup.start({})
    model = _model()
    backup.commit(model, 1, {"loss": [1.0]})
    operations = []
    monkeypatch.setattr(
        run_state,
        "before_file_operation",
        lambda operation, path: operations.append((operation, os.path.relpath(path, tmp_path))),
    )
    backup.commit(model, 2, {"loss": [1.0, 0.5]})
    partial = os.path.join("backup", ".epoch-0002.partial")
    assert operations == [
        ("write", os.path.join(partial, "model.weights.h5")),
        ("write", os.path.join(partial, "random_state.npz")),
        ("write", os.path.join(partial, "history.json")),
        ("write", os.path.join(partial, "manifest.json")),
        ("rename", os.path.join("backup", "epoch-0002")),
        ("rename", os.path.join("backup", ".epoch-0001.removing")),
        ("remove", os.path.join("backup", ".epoch-0001.removing")),
        ("write", "history.csv"),
        ("rename", "history.csv"),
    ]


def test_load_restores_the_weights_the_optimizer_and_the_random_state(tmp_path):
    backup = _backup(tmp_path)
    backup.start({})
    model = _model(dropout=0.5)
    model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=1, verbose=0)
    backup.commit(model, 1, {"loss": [0.5]})
    os.remove(tmp_path / "history.csv")
    if keras.backend.backend() == "torch":
        # Keras's PyTorch dropout draws from torch's global generator: restored too.
        import torch

        committed = torch.get_rng_state().clone()
        torch.rand(7)
    fresh = _model(dropout=0.5)
    fresh.optimizer.build(fresh.trainable_variables)
    assert backup.load(fresh) == {"loss": [0.5]}
    for saved, loaded in zip(model.weights, fresh.weights):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(loaded))
    for saved, loaded in zip(model.optimizer.variables, fresh.optimizer.variables):
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(saved), keras.ops.convert_to_numpy(loaded))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(run_state.random_variables(model)[0]),
        keras.ops.convert_to_numpy(run_state.random_variables(fresh)[0]),
    )
    assert (tmp_path / "history.csv").read_text().splitlines() == ["epoch,loss", "0,0.5"]
    if keras.backend.backend() == "torch":
        assert torch.equal(torch.get_rng_state(), committed)
    # An optimizer not yet built (TensorFlow builds it at the first update) is built first.
    unbuilt = _model(dropout=0.5)
    assert backup.load(unbuilt) == {"loss": [0.5]} and unbuilt.optimizer.built
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(unbuilt.optimizer.variables[0]),
        keras.ops.convert_to_numpy(model.optimizer.variables[0]),
    )


def test_damaged_states_name_the_file_and_the_remedy(tmp_path):
    backup = _backup(tmp_path)
    remedy = backup.remedy
    backup.start({})
    model = _model()
    folder = tmp_path / "backup" / "epoch-0001"
    with pytest.raises(run_state.DamagedRunError) as raised:
        backup.verify()  # started, nothing committed: epoch-0000 has no manifest
    assert str(raised.value) == f"{tmp_path / 'backup' / 'epoch-0000'} is damaged (manifest.json is missing); {remedy}"
    backup.commit(model, 1, {"loss": [1.0]})
    weights = (folder / "model.weights.h5").read_bytes()
    (folder / "model.weights.h5").write_bytes(weights[:-1] + bytes([weights[-1] ^ 1]))
    with pytest.raises(run_state.DamagedRunError) as raised:
        backup.load(model)
    assert str(raised.value) == (
        f"{folder / 'model.weights.h5'} is damaged (missing, or its checksum differs from the manifest's); {remedy}"
    )
    (folder / "model.weights.h5").write_bytes(weights)
    os.remove(folder / "history.json")
    with pytest.raises(run_state.DamagedRunError, match="history.json is damaged \\(missing, or its checksum"):
        backup.verify()
    backup.commit(model, 2, {"loss": [1.0, 0.5]})
    folder = tmp_path / "backup" / "epoch-0002"
    manifest = json.loads((folder / "manifest.json").read_text())
    for wrong in ({**manifest, "finished_epochs": 1}, {"finished_epochs": 2}, [manifest]):
        (folder / "manifest.json").write_text(json.dumps(wrong))
        with pytest.raises(run_state.DamagedRunError) as raised:
            backup.verify()
        assert str(raised.value) == f"{folder / 'manifest.json'} is damaged (it does not describe epoch 2); {remedy}"
    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(run_state.DamagedRunError) as raised:
        backup.verify()
    assert str(raised.value).startswith(f"{folder / 'manifest.json'} is damaged (not readable JSON: ")
    assert str(raised.value).endswith(f"); {remedy}")
    (tmp_path / "backup" / "fingerprint.json").write_bytes(b"\xff\xfe")
    with pytest.raises(run_state.DamagedRunError, match="fingerprint.json is damaged \\(not readable JSON: "):
        backup.saved_fingerprint()


def test_weights_that_do_not_load_name_their_file(tmp_path):
    backup = _backup(tmp_path)
    backup.start({})
    backup.commit(_model(), 1, {"loss": [1.0]})
    with pytest.raises(run_state.DamagedRunError) as raised:
        backup.load(_model(units=5))  # another architecture: the file is fine, the model is not its
    message = str(raised.value)
    assert message.startswith(
        f"{tmp_path / 'backup' / 'epoch-0001' / 'model.weights.h5'} is damaged (its weights do not load into this model: "
    )
    assert message.endswith(f"); {backup.remedy}")


def test_discard_and_clean_leave_no_half_backup(tmp_path, monkeypatch):
    backup = _backup(tmp_path)
    backup.start({"seed": 0})
    backup.commit(_model(), 1, {"loss": [1.0]})
    (tmp_path / "other.txt").write_text("kept")
    operations = []
    monkeypatch.setattr(
        run_state, "before_file_operation", lambda operation, path: operations.append((operation, path))
    )
    backup.discard()
    retired = str(tmp_path / ".backup.removing")
    assert operations == [("rename", retired), ("remove", retired)]
    assert sorted(os.listdir(tmp_path)) == ["history.csv", "other.txt"]
    backup.discard()  # nothing there: nothing done
    assert len(operations) == 2
    # What a kill leaves: a folder being removed beside the backup, folders being written in it.
    os.makedirs(tmp_path / ".backup.removing" / "epoch-0001")
    os.makedirs(tmp_path / "backup" / ".epoch-0002.partial")
    os.makedirs(tmp_path / "backup" / ".epoch-0001.removing")
    os.makedirs(tmp_path / "backup" / "epoch-0001")
    (tmp_path / "backup" / "fingerprint.json").write_text("{}")
    (tmp_path / "backup" / ".DS_Store").write_text("a file a file browser left: not ours, no error")
    backup.clean()
    assert sorted(os.listdir(tmp_path)) == ["backup", "history.csv", "other.txt"]
    assert sorted(os.listdir(tmp_path / "backup")) == [".DS_Store", "epoch-0001", "fingerprint.json"]
    # A stale folder under the retired name is cleared before the rename.
    os.makedirs(tmp_path / ".backup.removing" / "stale")
    backup.discard()
    assert sorted(os.listdir(tmp_path)) == ["history.csv", "other.txt"]
    _backup(tmp_path / "nowhere").clean()  # no backup folder: nothing to clean, no error


def test_replacing_keeps_the_extension_and_the_old_file_on_failure(tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("old")
    with run_state.replacing(str(target)) as partial:
        assert partial == str(tmp_path / ".model.partial.keras")
        with open(partial, "w") as handle:
            handle.write("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new" and sorted(os.listdir(tmp_path)) == ["model.keras"]
    with pytest.raises(RuntimeError), run_state.replacing(str(target)) as partial:
        with open(partial, "w") as handle:
            handle.write("half")
        raise RuntimeError("killed")
    assert target.read_text() == "new" and sorted(os.listdir(tmp_path)) == ["model.keras"]


def test_replacing_unique_gives_each_writer_its_own_temporary_name(tmp_path, monkeypatch):
    operations = []
    monkeypatch.setattr(
        run_state, "before_file_operation", lambda operation, path: operations.append((operation, path))
    )
    target = tmp_path / "mnist.npz"
    with (
        run_state.replacing(str(target), unique=True) as first,
        run_state.replacing(str(target), unique=True) as second,
    ):
        assert first != second
        for partial in (first, second):
            assert os.path.dirname(partial) == str(tmp_path)
            assert os.path.basename(partial).startswith(".mnist.partial-") and partial.endswith(".npz")
        with open(second, "w") as handle:
            handle.write("second")
        with open(first, "w") as handle:
            handle.write("first")
    # The inner writer renames first; the outer one's file is the one left.
    assert target.read_text() == "first" and sorted(os.listdir(tmp_path)) == ["mnist.npz"]
    assert operations == [("rename", str(target))] * 2
    with pytest.raises(RuntimeError), run_state.replacing(str(target), unique=True):
        raise RuntimeError("killed")
    assert target.read_text() == "first" and sorted(os.listdir(tmp_path)) == ["mnist.npz"]


def test_file_sha256_reads_the_whole_file_in_blocks(tmp_path):
    path = tmp_path / "big.bin"
    data = os.urandom((1 << 20) + 17)  # more than one block
    path.write_bytes(data)
    assert run_state.file_sha256(str(path)) == hashlib.sha256(data).hexdigest()
    (tmp_path / "empty").write_bytes(b"")
    assert run_state.file_sha256(str(tmp_path / "empty")) == hashlib.sha256(b"").hexdigest()
