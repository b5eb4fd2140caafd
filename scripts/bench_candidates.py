"""Time problem candidates (`itsm/search/candidates.py`) on a big desk, by phase.

    python scripts/bench_candidates.py /work/desks/desk-100000 --incidents 3000 --repeat 5

Takes the newest N incidents with no problem linked (the window a report would pass), then
times: bringing the index up to date (`open_fresh`, the part `itsm search` pays too), the
analysis of the incidents' words, the document-frequency lookups, the similarities and
grouping, and a whole `groups()` call. Reads the desk, writes only its `.itsm/` cache.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from itsm.core.model import Ticket
from itsm.search import candidates
from itsm.search.index import SearchIndex, analysis_words
from itsm.storage.store import Desk


def newest_incidents(desk: Desk, count: int) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str, str]] = []
    for month in sorted((p for p in desk.folder("ticket").iterdir() if p.is_dir()), reverse=True):
        for path in month.glob("*.md"):
            record = desk.read(path, "ticket")
            if isinstance(record, Ticket) and record.type == "incident" and not record.problem:
                found.append((record.created, record.id, record.title, record.description))
        if len(found) >= count:
            break
    found.sort()
    return [(record_id, title, description) for _, record_id, title, description in found[-count:]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("desk", type=Path)
    parser.add_argument("--incidents", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    desk = Desk.open(args.desk.resolve())
    incidents = newest_incidents(desk, args.incidents)
    print(f"{len(incidents)} incidents, {incidents[0][0]} .. {incidents[-1][0]}")
    phases: dict[str, list[tuple[float, float]]] = {}
    cpu = time.process_time()

    def timed(name: str, started: float) -> float:
        nonlocal cpu
        now, cpu_now = time.perf_counter(), time.process_time()
        phases.setdefault(name, []).append((now - started, cpu_now - cpu))
        cpu = cpu_now
        return now

    for _ in range(args.repeat):
        start = time.perf_counter()
        cpu = time.process_time()
        index = SearchIndex(desk).open_fresh()
        start = timed("index open + catch-up (open_fresh)", start)
        words = analysis_words(index)
        analysed = [candidates._analyse(words, title, description) for _, title, description in incidents]
        start = timed("analysis of the words", start)
        doc_count, frequencies = index.document_frequencies({term for counts in analysed for term in counts})
        start = timed(f"document frequencies ({len(frequencies)} terms)", start)
        found = candidates.grouped([i for i, _, _ in incidents], analysed, doc_count, frequencies, words.surface)
        start = timed("similarities + grouping", start)
        whole = candidates.groups(desk, incidents)
        timed("groups() whole call (opens the index again)", start)
        assert [g.ids for g in whole] == [g.ids for g in found]
    for name, values in phases.items():
        wall, used = [v[0] for v in values], [v[1] for v in values]
        print(f"{name:<48} wall median {statistics.median(wall) * 1000:5.0f} ms (min {min(wall) * 1000:.0f}, "
              f"max {max(wall) * 1000:.0f}), CPU median {statistics.median(used) * 1000:5.0f} ms, {len(values)} runs")
    print(f"{len(found)} groups, sizes {[len(g.ids) for g in found]}")
    for group in found[:5]:
        print(f"  {len(group.ids):>4}  {', '.join(group.terms)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
