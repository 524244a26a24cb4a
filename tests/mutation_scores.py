"""Prints the mutation score of each module from `mutmut results`, leaving out the mutants judged equivalent.

Run after `mutmut run` (see tests/README.md):

    python tests/mutation_scores.py

A mutant is killed when a test failed or timed out on it. Equivalent
mutants (no test can tell them from the original: the same behaviour) are
listed with their reason, one per line, in tests/mutation_equivalent.txt;
the score is killed / (killed + survived); mutants no selected test reaches
("not reached") and mutants not yet run ("not run") are counted apart.
"""

import collections
import pathlib
import re
import subprocess
import sys

EQUIVALENT = pathlib.Path(__file__).with_name("mutation_equivalent.txt")
KILLED = {"killed", "timeout"}


def equivalent_mutants(path=EQUIVALENT):
    """`{mutant name: reason}` from the equivalents file (`name: reason` lines, `#` comments)."""
    listed = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, reason = line.split(":", 1)
            listed[name.strip()] = reason.strip()
    return listed


def module_of(mutant):
    """`kerasdnn.data` for `kerasdnn.data.xǁEpochShuffledArraysǁ__init____mutmut_3` or `kerasdnn.data.x_load__mutmut_1`."""
    return re.sub(r"\.x[_ǁ].*$", "", mutant)


def main():
    listing = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    equivalent = equivalent_mutants()
    counts = collections.defaultdict(collections.Counter)
    for line in listing.splitlines():
        if ":" not in line:
            continue
        name, status = (part.strip() for part in line.rsplit(":", 1))
        module = module_of(name)
        counts[module]["equivalent" if name in equivalent and status not in KILLED else status] += 1
    print(
        f"{'module':28} {'killed':>7} {'survived':>8} {'equivalent':>10} {'not reached':>11} {'not run':>7} "
        f"{'score':>6}"
    )
    for module, count in sorted(counts.items()):
        killed = sum(count[status] for status in KILLED)
        judged = killed + count["survived"]
        score = f"{100 * killed / judged:.1f}%" if judged else "-"
        print(
            f"{module:28} {killed:7} {count['survived']:8} {count['equivalent']:10} {count['no tests']:11} "
            f"{count['not checked']:7} {score:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
