"""Compare one `itsm` command at two commits, run after run, on the same desk.

On a machine whose load comes and goes, two benchmark runs minutes apart can differ by more
than the change being measured. Here each round runs the command once with the old code and
once with the new, alternately, so both see the same load; the table gives the minimum and
the median of each and the change.

    mkdir -p /tmp/old && git archive OLD_COMMIT itsm | tar -x -C /tmp/old
    python scripts/bench.py --sizes 10000 --kb 40 --keep /tmp/desks --skip ...   # a desk to measure
    cp -a /tmp/desks/desk-10000 /tmp/desk-old                   # each code keeps its own index
    python scripts/bench_compare.py --old /tmp/old --new . --desk-old /tmp/desk-old \\
        --desk-new /tmp/desks/desk-10000 -- diagnose <ref>

`--old` and `--new` are folders holding an `itsm` package, put first on PYTHONPATH. Run
`git update-index --refresh` in a copied desk first: a copy changes every file's inode, and
until git's index is refreshed each `git status` re-reads every file.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from tabulate import tabulate

NOW = "2026-11-26T09:00:00Z"


def run(code: Path, desk: Path, args: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(code), ITSM_NOW=NOW, ITSM_ACTOR="Bench Runner")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "itsm", *args], cwd=desk, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="folder holding the old itsm package")
    parser.add_argument("--new", type=Path, required=True, help="folder holding the new itsm package")
    parser.add_argument("--desk-old", type=Path, required=True, help="the desk the old code runs in")
    parser.add_argument("--desk-new", type=Path, required=True, help="the desk the new code runs in")
    parser.add_argument("--rounds", type=int, default=11, help="measured rounds, after one warm-up round")
    parser.add_argument("command", nargs="+", help="the itsm command and its arguments")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {"old": [], "new": []}
    for round_number in range(args.rounds + 1):
        for name, code, desk in (("old", args.old, args.desk_old), ("new", args.new, args.desk_new)):
            elapsed = run(code.resolve(), desk, args.command)
            if round_number:
                times[name].append(elapsed)
    rows = [[name, f"{min(v) * 1000:,.0f}", f"{statistics.median(v) * 1000:,.0f}"] for name, v in times.items()]
    rows.append(["change", f"{(min(times['new']) / min(times['old']) - 1) * 100:+.1f} %",
                 f"{(statistics.median(times['new']) / statistics.median(times['old']) - 1) * 100:+.1f} %"])
    print(f"itsm {' '.join(args.command)}: {args.rounds} rounds, old and new alternately\n")
    print(tabulate(rows, headers=["code", "min ms", "median ms"], tablefmt="github"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
