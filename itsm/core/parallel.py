"""Work on many record files using every core: the cold build of the read model and of the
search index, and `itsm check`, parse 100,000 files where a warm command parses a few.

Parsing is pure Python (YAML, the timeline), so threads would not help: the files are
shared out among worker processes, started by `fork` (they inherit the imported modules and
the desk, so starting one costs milliseconds). Results come back in the order of the items.
Below `SERIAL_BELOW` items the work is done in this process: a pool costs more than it
saves on a small desk, and the tests' desks stay single-process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Progress = Callable[[int, int], None]

SERIAL_BELOW = 2000
CHUNK = 200


def workers() -> int:
    """How many processes to use: the cores this process may run on (`ITSM_JOBS` overrides)."""
    wanted = os.environ.get("ITSM_JOBS", "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def mapped(work: Callable[[Item], Result], items: Sequence[Item], progress: Progress | None = None,
           serial_below: int = SERIAL_BELOW) -> Iterator[Result]:
    """`work(item)` for every item, in order, spread over the cores. `work` must be a function
    defined at module level (the workers find it by name); what it returns is pickled back.
    What it needs besides the item (the desk, the config) it reads from a module global set
    before the call: forked workers inherit it."""
    total = len(items)
    jobs = min(workers(), max(1, total // CHUNK))
    if jobs == 1 or total < serial_below or "fork" not in multiprocessing.get_all_start_methods():
        for done, item in enumerate(items, 1):
            yield work(item)
            if progress is not None:
                progress(done, total)
        return
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as executor:
        for done, result in enumerate(executor.map(work, items, chunksize=CHUNK), 1):
            yield result
            if progress is not None:
                progress(done, total)
