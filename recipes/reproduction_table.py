"""Regenerates the reproduction table in README.md from recipes/results/*.json.

    python recipes/reproduction_table.py           # rewrite README.md
    python recipes/reproduction_table.py --check   # exit 1 if README.md is stale

The numbers come only from the results files that full recipe runs wrote.
"""

import argparse
import pathlib
import sys

from kerasdnn.reporting import replace_table, reproduction_table

repository = pathlib.Path(__file__).resolve().parents[1]
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--check", action="store_true", help="only check that README.md is up to date")
args = parser.parse_args()

readme = repository / "README.md"
current = readme.read_text()
updated = replace_table(current, reproduction_table(repository / "recipes" / "results"))
if args.check:
    if updated != current:
        sys.exit("README.md's reproduction table is stale: run python recipes/reproduction_table.py")
elif updated != current:
    readme.write_text(updated)
    print(f"updated {readme}")
