"""Plants hand-written bugs one at a time on copies of the repository and says which the given tests catch.

A developer tool, like `mutation_scores.py`: mutmut's mutants are
mechanical, a planted bug is the kind a person would write. `EDITS` is a
Python file defining `edits`, a list of `(path, old, new)`: each `old` must
occur exactly once in its file. For each edit, in a fresh copy of the
repository with that edit alone, the tests are run (`-x`, stopping at the
first failure) and one line is printed: caught, MISSED, or ERROR where
pytest could not run them.

    python tests/plant.py EDITS.py tests/test_zoo.py tests/test_cli.py
    python tests/plant.py --backend tensorflow --core EDITS.py tests/test_distribute.py

The copy comes first on `PYTHONPATH`, so the `kerasdnn` commands that
tests start as subprocesses run the planted code too, not the installed one.
"""

import argparse
import os
import runpy
import shutil
import subprocess
import sys
import tempfile

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("edits", help="a Python file defining edits = [(path, old, new), ...]")
parser.add_argument("tests", nargs="+", help="the test files to run against each planted copy")
parser.add_argument("--backend", default="jax", help="KERAS_BACKEND of the test runs (default: %(default)s)")
parser.add_argument("--core", action="store_true", help="run only the core subset, as .ci/run does on other backends")
args = parser.parse_args()

edits = runpy.run_path(args.edits)["edits"]
for index, (path, old, new) in enumerate(edits):
    with tempfile.TemporaryDirectory(prefix="plant") as folder:
        copy = os.path.join(folder, "repository")
        shutil.copytree(REPOSITORY, copy, ignore=shutil.ignore_patterns("mutants", ".git", "__pycache__"))
        with open(os.path.join(copy, path)) as handle:
            text = handle.read()
        if text.count(old) != 1:
            print(index, f"BAD EDIT: found {text.count(old)} times in {path}: {old[:60]!r}", flush=True)
            continue
        with open(os.path.join(copy, path), "w") as handle:
            handle.write(text.replace(old, new))
        environment = {**os.environ, "KERAS_BACKEND": args.backend, "PYTHONPATH": copy}
        command = [sys.executable, "-m", "pytest", "-q", "-n", "2", "-x", *(["-m", "core"] if args.core else [])]
        finished = subprocess.run([*command, *args.tests], cwd=copy, env=environment, capture_output=True)
        # pytest exits 1 when a test failed, and 2 when -x then stopped the
        # run; 2 for any other reason, and 3 to 5, say it could not run them.
        failed = finished.returncode == 1 or (finished.returncode == 2 and b" failed" in finished.stdout)
        verdict = "MISSED" if finished.returncode == 0 else "caught" if failed else "ERROR"
        if verdict == "ERROR":
            print(finished.stdout.decode()[-2000:], file=sys.stderr)
        print(index, verdict, path, repr(old[:50]), "->", repr(new[:50]), flush=True)
