"""Regenerates what the recipes' results files say: README.md's reproduction table and each recipe's Result.

    python recipes/reproduction_table.py           # rewrite README.md and the recipes' "## Result" blocks
    python recipes/reproduction_table.py --check   # exit 1 if any of them is stale

The numbers come only from the results files that full recipe runs wrote.
"""

import argparse
import pathlib
import sys

from kerasdnn.results import replace_result_comment, replace_table, reproduction_table, result_comments

repository = pathlib.Path(__file__).resolve().parents[1]
results = repository / "recipes" / "results"
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--check", action="store_true", help="only check that the files are up to date")
args = parser.parse_args()

targets = {repository / "README.md": lambda text: replace_table(text, reproduction_table(results))}
for recipe, comment in result_comments(results).items():
    targets[repository / "recipes" / f"{recipe}.py"] = lambda text, comment=comment: replace_result_comment(
        text, comment
    )

stale = []
for path, regenerate in targets.items():
    current = path.read_text()
    updated = regenerate(current)
    if updated != current:
        stale.append(path.relative_to(repository))
        if not args.check:
            path.write_text(updated)
            print(f"updated {path}")
if args.check and stale:
    sys.exit(f"stale: {', '.join(map(str, stale))}: run python recipes/reproduction_table.py")
