"""The package's layering: the library never leans on the recipes' harness."""

import ast
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
