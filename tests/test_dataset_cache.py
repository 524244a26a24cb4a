"""A full tensorflow-datasets read kept decoded in the user's cache: reused, named by the tfds copy, rebuilt when damaged."""

import os
import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import kerasdnn
from kerasdnn import sources

# One pytest-xdist worker runs this file and test_data (setup.cfg: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("data")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """The user's cache folder, in tmp_path; returns where the dataset entries go."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user_cache"))
    return tmp_path / "user_cache" / "kerasdnn" / "datasets"


@pytest.fixture
def fake_tfds(tmp_path, monkeypatch):
    """A tfds folder holding one file for `mnist`, read as 6 training and 4 test images; returns the reads made."""
    copy = tmp_path / "tfds" / "mnist" / "3.0.1"
    copy.mkdir(parents=True)
    (copy / "mnist-train.tfrecord-00000-of-00001").write_bytes(b"records")
    reads = []

    def read_split(builder, split, samples):
        assert builder == "builder"  # the one _prepared_builder made
        reads.append((split, samples))
        count = {"train": 6, "test": 4}[split]
        images = np.arange(count * 28 * 28, dtype=np.uint8).reshape(count, 28, 28, 1) + (split == "test")
        return images[:samples], np.arange(count, dtype=np.int64)[:samples]

    monkeypatch.setattr(sources, "_prepared_builder", lambda function, name, data_dir, download: "builder")
    monkeypatch.setattr(sources, "_read_split", read_split)
    return str(tmp_path / "tfds"), copy, reads


def _load(data_dir, **arguments):
    return kerasdnn.load_arrays("mnist", data_dir=data_dir, normalization="none", **arguments)


def _assert_same(first, second):
    for a, b in zip((*first[0], *first[1]), (*second[0], *second[1])):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_the_real_copy_read_from_the_cache_equals_tfds_read_and_needs_no_tensorflow(cache, tmp_path):
    data_dir = tmp_path / "tfds"
    shutil.copytree(pathlib.Path(os.environ["TFDS_DATA_DIR"]) / "mnist", data_dir / "mnist")
    read = _load(str(data_dir), cache=False)
    assert not cache.exists()  # cache=False writes nothing
    assert [path.suffix for path in cache.parent.glob("*")] == []
    _assert_same(_load(str(data_dir)), read)  # read through tfds, and written
    (entry,) = cache.iterdir()
    assert entry.name.startswith("mnist-") and entry.suffix == ".npz"
    # A fresh process reads the entry with NumPy alone: TensorFlow is never imported.
    program = (
        "import sys, numpy as np, kerasdnn\n"
        f"(x, y), (xt, yt) = kerasdnn.load_arrays('mnist', data_dir={str(data_dir)!r}, normalization='none')\n"
        "print(x.shape, int(x.sum()), int(y.sum()), xt.shape, int(xt.sum()), int(yt.sum()), 'tensorflow' in sys.modules)\n"
    )
    finished = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=os.environ)
    assert finished.returncode == 0, finished.stderr[-3000:]
    (x, y), (x_test, y_test) = read
    assert finished.stdout.split("\n")[0] == (
        f"{x.shape} {int(x.sum())} {int(y.sum())} {x_test.shape} {int(x_test.sum())} {int(y_test.sum())} False"
    )


def test_an_entry_is_written_by_a_full_read_only_and_serves_any_sample_count(cache, fake_tfds):
    data_dir, _, reads = fake_tfds
    (x, y), (x_test, y_test) = _load(data_dir, train_samples=2)
    assert reads == [("train", 2), ("test", None)] and not cache.exists()  # tfds read only what was asked
    full = _load(data_dir)
    assert reads[2:] == [("train", None), ("test", None)] and len(list(cache.iterdir())) == 1
    (x_cut, y_cut), (x_test_cut, y_test_cut) = _load(data_dir, train_samples=2, test_samples=3)
    assert len(reads) == 4  # from the entry, not from tfds
    np.testing.assert_array_equal(x_cut, full[0][0][:2])
    np.testing.assert_array_equal(x_cut, x)
    assert y_cut.tolist() == [0, 1] and y_test_cut.tolist() == [0, 1, 2] and x_test_cut.shape == (3, 28, 28, 1)
    np.testing.assert_array_equal(x_test_cut, full[1][0][:3])
    _, (x_test, _) = _load(data_dir, test_samples=3, cache=False)
    assert reads[4:] == [("train", None), ("test", 3)] and x_test.shape == (3, 28, 28, 1)


def _replace_entry(entry, value):
    # An entry that holds other images than tfds gives: read from it, a load shows them.
    np.savez(
        entry,
        **{
            key: np.full(shape, value)
            for key, shape in (
                ("x_train", (2, 28, 28, 1)),
                ("y_train", (2,)),
                ("x_test", (1, 28, 28, 1)),
                ("y_test", (1,)),
            )
        },
    )


def test_the_entry_is_read_with_cache_on_and_ignored_with_cache_off(cache, fake_tfds):
    data_dir, _, reads = fake_tfds
    _load(data_dir)
    (entry,) = cache.iterdir()
    _replace_entry(entry, 7)
    (x, y), (x_test, y_test) = _load(data_dir)
    assert x.shape == (2, 28, 28, 1) and float(x.max()) == 7 and y.dtype == np.int64 and y_test.tolist() == [7]
    (x, _), _ = _load(data_dir, cache=False)
    assert x.shape == (6, 28, 28, 1) and len(reads) == 4
    assert list(cache.iterdir()) == [entry]  # and nothing written


@pytest.mark.parametrize("change", ["touched", "resized", "added", "renamed", "another_folder"])
def test_a_tfds_copy_changed_or_moved_is_read_anew_into_another_entry(cache, fake_tfds, tmp_path, change):
    data_dir, copy, reads = fake_tfds
    _load(data_dir)
    (entry,) = cache.iterdir()
    _replace_entry(entry, 7)
    record = copy / "mnist-train.tfrecord-00000-of-00001"
    if change == "touched":
        os.utime(record, ns=(0, record.stat().st_mtime_ns + 1_000_000_000))
    elif change == "resized":
        record.write_bytes(b"recordz!")  # one more byte
    elif change == "added":
        (copy / "mnist-test.tfrecord-00000-of-00001").write_bytes(b"records")
    elif change == "renamed":  # the same bytes and modification time under another name
        record.rename(copy / "mnist-test.tfrecord-00000-of-00001")
    else:
        shutil.copytree(tmp_path / "tfds", tmp_path / "moved", copy_function=shutil.copy2)
        data_dir = str(tmp_path / "moved")
    (x, _), _ = _load(data_dir)
    assert x.shape == (6, 28, 28, 1) and len(reads) == 4  # read through tfds again
    assert len(list(cache.iterdir())) == 2


def test_an_entry_is_named_by_dataset_and_digest_and_kept_whatever_else_changes(
    cache, fake_tfds, tmp_path, monkeypatch
):
    data_dir, _, reads = fake_tfds
    _load(data_dir)
    (entry,) = cache.iterdir()
    assert re.fullmatch(r"mnist-[0-9a-f]{16}\.npz", entry.name)
    _replace_entry(entry, 7)
    # Another dataset's files in the same folder, and another working
    # directory, are not this copy: its entry is still the one read.
    (tmp_path / "tfds" / "fashion_mnist" / "3.0.1").mkdir(parents=True)
    (tmp_path / "tfds" / "fashion_mnist" / "3.0.1" / "fashion_mnist-train.tfrecord").write_bytes(b"other")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    (x, _), _ = _load(data_dir)
    assert float(x.max()) == 7 and len(reads) == 2 and list(cache.iterdir()) == [entry]


def test_without_a_data_folder_the_entry_follows_tfds_own_folder_in_the_home(cache, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("TFDS_DATA_DIR", raising=False)
    reads = []
    monkeypatch.setattr(sources, "_prepared_builder", lambda function, name, data_dir, download: "builder")
    monkeypatch.setattr(
        sources,
        "_read_split",
        lambda builder, split, samples: (
            reads.append(split) or (np.zeros((2, 28, 28, 1), np.uint8), np.zeros(2, np.int64))
        ),
    )
    _load(None)
    assert reads == ["train", "test"] and not cache.exists()  # no tfds copy in ~/tensorflow_datasets: no entry
    (home / "tensorflow_datasets" / "mnist" / "3.0.1").mkdir(parents=True)
    (home / "tensorflow_datasets" / "mnist" / "3.0.1" / "mnist-train.tfrecord").write_bytes(b"records")
    _load(None)
    (entry,) = cache.iterdir()
    _load(None)
    assert len(reads) == 4  # the second read came from the entry


def test_a_cache_entry_written_at_once_by_another_process_is_left_to_it(cache, fake_tfds):
    data_dir, _, reads = fake_tfds
    entry = pathlib.Path(sources._cache_path("mnist", data_dir))
    cache.mkdir(parents=True)
    # Another process (a search's worker) caching the same copy, under the
    # name a writer of fixed temporary names would use too.
    other = cache / f".{entry.stem}.partial.npz"
    other.write_bytes(b"another process, writing")
    expected = _load(data_dir)
    assert other.read_bytes() == b"another process, writing"
    assert sorted(path.name for path in cache.iterdir()) == sorted([other.name, entry.name])
    _assert_same(_load(data_dir), expected)
    assert len(reads) == 2  # the second load from the entry written beside the other process's file


def test_a_damaged_entry_is_named_read_anew_and_rewritten(cache, fake_tfds):
    data_dir, _, reads = fake_tfds
    expected = _load(data_dir)
    (entry,) = cache.iterdir()
    entry.write_bytes(entry.read_bytes()[:100])  # cut short, as by a full disk
    with pytest.warns(UserWarning) as caught:
        line = sys._getframe().f_lineno + 1
        got = kerasdnn.load_arrays("mnist", data_dir=data_dir, normalization="none")
    (warning,) = caught
    assert str(warning.message).startswith(f"load_arrays('mnist'): the cached copy {entry} is damaged (")
    assert str(warning.message).endswith("); reading it through tensorflow-datasets again and caching it anew")
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampolines are frames outside kerasdnn
        assert (warning.filename, warning.lineno) == (__file__, line)  # the first line outside kerasdnn
    _assert_same(got, expected)
    assert len(reads) == 4 and list(cache.iterdir()) == [entry]
    _assert_same(_load(data_dir), expected)
    assert len(reads) == 4  # the rewritten entry is read


def test_a_cache_folder_that_cannot_be_written_only_costs_the_read(tmp_path, monkeypatch, fake_tfds):
    data_dir, _, reads = fake_tfds
    (tmp_path / "not_a_folder").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not_a_folder"))
    for _ in range(2):
        (x, _), _ = _load(data_dir)
        assert x.shape == (6, 28, 28, 1)
    assert len(reads) == 4
    assert sorted(path.name for path in tmp_path.iterdir()) == ["not_a_folder", "tfds"]  # no temporary file left


def test_an_entry_is_written_aside_and_renamed_so_a_failed_write_leaves_nothing(cache, fake_tfds, monkeypatch):
    data_dir, _, _ = fake_tfds

    def full_disk(path, **arrays):
        with open(path, "wb") as handle:
            handle.write(b"PK")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    (x, _), _ = _load(data_dir)
    assert x.shape == (6, 28, 28, 1) and list(cache.iterdir()) == []
