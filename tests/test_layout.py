"""The package's layering: the library never leans on the recipes' harness."""

import ast
import os
import pathlib
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.xdist_group("layout"), pytest.mark.core]

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "kerasdnn"
HARNESS = PACKAGE / "experiments"
LONGEST_MODULE = 400


def _imported_modules(path):
    """The absolute names of the modules a file imports, at any depth of its code."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _library_files():
    return sorted(path for path in PACKAGE.rglob("*.py") if HARNESS not in path.parents)


def test_nothing_in_the_library_imports_the_recipes_harness():
    assert len(_library_files()) > 30  # the walk found the package
    leaning = {
        str(path.relative_to(PACKAGE)): sorted(name for name in _imported_modules(path) if "experiments" in name)
        for path in _library_files()
    }
    assert {path: names for path, names in leaning.items() if names} == {}


def test_the_import_walk_sees_imports_inside_functions(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def later():\n    from kerasdnn.experiments import recording\n    import kerasdnn.experiments.tables\n"
    )
    assert _imported_modules(planted) >= {"kerasdnn.experiments.recording", "kerasdnn.experiments.tables"}


def test_no_module_is_longer_than_the_limit():
    lengths = {str(path.relative_to(PACKAGE)): len(path.read_text().splitlines()) for path in PACKAGE.rglob("*.py")}
    assert {path: lines for path, lines in lengths.items() if lines > LONGEST_MODULE} == {}


def test_the_zoo_and_the_generated_tasks_import_without_keras():
    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, kerasdnn.zoo, kerasdnn.synthetic\n"
            "kerasdnn.synthetic.synthetic_arrays('xor')\n"
            "print(len(kerasdnn.zoo.list_models()), 'keras' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.split()[-1] == "False"


TESTS = pathlib.Path(__file__).resolve().parent


def test_the_suite_refuses_a_keras_imported_with_another_backend():
    # mutmut's fork server imports Keras before tests/conftest.py runs; with
    # no KERAS_BACKEND set that Keras is TensorFlow's, and the tests would run
    # there while the suite believes it runs on JAX.
    environment = {key: value for key, value in os.environ.items() if key != "KERAS_BACKEND"}
    finished = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, keras, pytest\n"
            f"sys.exit(pytest.main(['-q', '-n', '0', '-p', 'no:cacheprovider', '--collect-only', {str(TESTS / 'test_layout.py')!r}]))",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    assert finished.returncode != 0
    assert (
        "Keras was imported with the tensorflow backend before tests/conftest.py chose jax; "
        "set KERAS_BACKEND=jax before starting the run"
    ) in finished.stdout + finished.stderr


def test_a_process_forked_after_the_mutation_preload_trains_and_reads_a_dataset():
    # The fork server forks one process per mutant after importing these
    # modules; a thread pool started by them would leave the children hung.
    modules = [
        line.strip()
        for line in (TESTS / "mutation_preload.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    script = (
        "import importlib, os, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    import keras, numpy, tensorflow\n"
        "    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n"
        "    model.compile(optimizer='sgd', loss='mse')\n"
        "    model.fit(numpy.ones((4, 3)), numpy.ones((4, 2)), verbose=0)\n"
        "    assert len(list(tensorflow.data.Dataset.range(4).batch(2))) == 2\n"
        "    os._exit(0)\n"
        "sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KERAS_BACKEND": "jax"},
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
