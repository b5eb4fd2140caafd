"""What naming a holiday region costs: the `holidays` package's import, a region's first
year, and `itsm list` on a small desk with `holidays: {country: DE, subdivision: BE}`, cold
(no `.itsm/holidays.json`: the package is imported) and warm (the cache answers), against
the same desk with the dates typed as a list (the floor).

    .venv/bin/python scripts/bench_holidays.py --tickets 20 --repeat 15

Every run is a fresh process; bytecode is cached in a temporary PYTHONPYCACHEPREFIX that a
warm-up run fills (as an installed itsm runs). Prints median (minimum) in ms, wall
and CPU (user + system: what the command costs, whatever else the machine is doing).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from itsm.operations import desk_init

WEEK = "{mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}"
HOURS = f"business_hours:\n  timezone: Europe/Berlin\n  days: {WEEK}\n"
REGION = HOURS + "  holidays:\n    country: DE\n    subdivision: BE\n"
LISTED = HOURS + ("  holidays: ['2026-01-01', '2026-03-08', '2026-04-03', '2026-04-06', '2026-05-01', "
                  "'2026-05-14', '2026-05-25', '2026-10-03', '2026-12-25', '2026-12-26']\n")


def timed(command: list[str], env: dict[str, str], cwd: Path,
          before: Callable[[], None] | None = None) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run: on a shared machine the CPU time
    is what the command costs, the wall time what a person waits."""
    if before:
        before()
    start, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall * 1000, (after.ru_utime - cpu.ru_utime + after.ru_stime - cpu.ru_stime) * 1000


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f})"


Case = tuple[str, list[str], Path, Callable[[], None] | None]  # name, command, cwd, before each run


def alternating(repeat: int, cases: list[Case], env: dict[str, str]) -> list[tuple[str, tuple[str, str]]]:
    """Each case once per round, round after round: load that comes and goes on a shared
    machine then weighs on every case alike. The first round is the warm-up."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name, *_ in cases}
    for round_ in range(repeat + 1):
        for name, command, cwd, before in cases:
            result = timed(command, env, cwd, before)
            if round_:
                runs[name].append(result)
    return [(name, (summary([w for w, _ in runs[name]]), summary([c for _, c in runs[name]])))
            for name, *_ in cases]


def in_process(env: dict[str, str], repeat: int) -> tuple[str, str]:
    """The package's import (cumulative, as `python -X importtime` reports it) and building
    DE-BE's first year after it, measured inside one process each run."""
    script = ("import time; t0 = time.perf_counter(); import holidays; t1 = time.perf_counter(); "
              "holidays.country_holidays('DE', subdiv='BE', years=2026); "
              "print(time.perf_counter() - t1)")
    imports, builds = [], []
    for _ in range(repeat + 1):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", script], env=env,
                              capture_output=True, text=True, check=True)
        line = next(row for row in done.stderr.splitlines() if re.search(r"\|\s*holidays$", row))
        imports.append(int(line.split("|")[1]) / 1000)
        builds.append(float(done.stdout) * 1000)
    return summary(imports[1:]), summary(builds[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="make the desks in DIR (DIR/desk, DIR/floor) and keep them, e.g. for valgrind")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        if args.keep:
            args.keep.mkdir(parents=True)
            scratch = str(args.keep)
        else:
            scratch = stack.enter_context(tempfile.TemporaryDirectory())
        root = Path(scratch) / "desk"
        desk_init.init(root)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPYCACHEPREFIX=str(Path(scratch) / "pyc"), ITSM_NOW="2026-04-02T09:00:00Z",
                   ITSM_ACTOR="Bench Agent", GIT_AUTHOR_NAME="Bench", GIT_AUTHOR_EMAIL="bench@example.org",
                   GIT_COMMITTER_NAME="Bench", GIT_COMMITTER_EMAIL="bench@example.org")
        itsm = [sys.executable, "-m", "itsm"]
        (root / "itsm.yaml").write_text(REGION, encoding="utf-8")
        subprocess.run(["git", "commit", "-qam", "region"], cwd=root, env=env, check=True)
        ids = [subprocess.run([*itsm, "new", f"Bench ticket {n}", "-c", "network/vpn"], cwd=root, env=env,
                              capture_output=True, text=True, check=True).stdout.split()[0]
               for n in range(args.tickets)]
        cache = root / ".itsm" / "holidays.json"
        floor = Path(scratch) / "floor"  # the same desk, the same dates typed as a list
        shutil.copytree(root, floor, symlinks=True)
        (floor / "itsm.yaml").write_text(LISTED, encoding="utf-8")
        subprocess.run(["git", "commit", "-qam", "listed"], cwd=floor, env=env, check=True)
        listing, show = [*itsm, "list", "--json"], [*itsm, "show", ids[0], "--json"]
        imported, built = in_process(env, args.repeat)
        rows = [
            ("import holidays (python -X importtime, cumulative)", (imported, "")),
            ("a DE-BE year, first build after the import (in-process)", (built, "")),
            *alternating(args.repeat, [
                ("python -c pass", [sys.executable, "-c", "pass"], root, None),
                (f"itsm list --json, {args.tickets} tickets, DE-BE, cold (no cache)", listing, root,
                 lambda: cache.unlink(missing_ok=True)),
                (f"itsm list --json, {args.tickets} tickets, DE-BE, warm (cache)", listing, root, None),
                (f"itsm list --json, {args.tickets} tickets, the same dates as a list (floor)", listing, floor, None),
                ("itsm show <ticket> --json, DE-BE, warm (cache)", show, root, None),
                ("itsm show <ticket> --json, the same dates as a list (floor)", show, floor, None),
            ], env),
        ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'what'.ljust(width)} | wall ms | CPU ms |\n|{'-' * (width + 2)}|---:|---:|")
    for name, (wall, cpu) in rows:
        print(f"| {name.ljust(width)} | {wall} | {cpu} |")


if __name__ == "__main__":
    main()
