"""How `itsm/search/candidates.py`'s similarity threshold was chosen: `python -m tests.candidates_calibration`.

The two labelled relevance sets hold tickets in users' words, each labelled with the KB
article(s) or problem that answered it (written by someone who never saw this code). Two
tickets are the same fault when their answers overlap. For each threshold this prints,
over the groups formed from all of a set's tickets (min 3, no cap):

- precision: of the pairs of tickets put in one group, the share that are the same fault;
- recall: of the pairs of tickets that are the same fault, the share put in one group;
- grouped: tickets in any group.
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from pathlib import Path
from typing import Any

from itsm.search import candidates
from itsm.search.index import SearchIndex, analysis_words
from tests.relevance import set1_cases, set1_desk, set2_data, set2_desk

THRESHOLDS = (0.20, 0.25, 0.30)
TERMS = (6, 10, 14, 1000)


Item = tuple[str, str, frozenset[str]]


def set2_items() -> tuple[list[Item], list[Item]]:
    """(past tickets, on the desk; queries, not on it)."""
    data = set2_data()
    past = []
    for ticket in data["tickets"]:
        labels = set(ticket.get("kb") or []) | ({ticket["problem"]} if ticket.get("problem") else set())
        past.append((ticket["title"], ticket.get("description") or "", frozenset(labels or {ticket["key"]})))
    queries = [(query["title"], query.get("description") or "", frozenset(query["answers"])) for query in data["queries"]]
    return past, queries


def set1_items() -> tuple[list[Item], list[Item]]:
    return [], [(case["title"], case.get("description") or "", frozenset(case["answers"])) for case in set1_cases()]


def scores(index: SearchIndex, sets: tuple[list[Item], list[Item]], threshold: float, terms: int) -> dict[str, Any]:
    """The queries are counted in the document frequencies as if they were on the desk, as a
    report's incidents are: users' own words ("my", "cant") are common on a real desk, rare
    in a desk of KB articles written by support."""
    past, queries = sets
    items = past + queries
    words = analysis_words(index)
    analysed = [candidates._analyse(words, title, description) for title, description, _ in items]
    doc_count, frequencies = index.document_frequencies({term for counts in analysed for term in counts})
    doc_count += len(queries)
    for counts in analysed[len(past):]:
        for term in counts:
            frequencies[term] += 1
    ids = [str(i) for i in range(len(items))]
    found = candidates.grouped(ids, analysed, doc_count, frequencies, words.surface, limit=10_000,
                               threshold=threshold, terms=terms)
    together = {frozenset(pair) for group in found for pair in itertools.combinations(map(int, group.ids), 2)}
    same = {frozenset((i, j)) for i, j in itertools.combinations(range(len(items)), 2) if items[i][2] & items[j][2]}
    right = len(together & same)
    return {"groups": len(found), "grouped": sum(len(group.ids) for group in found),
            "precision": right / len(together) if together else 1.0, "recall": right / len(same)}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        one = SearchIndex(set1_desk(base / "one")).open_fresh()
        desk, _ = set2_desk(base / "two")
        two = SearchIndex(desk).open_fresh()
        print("| terms | threshold | set 1 precision | set 1 recall | set 1 groups (tickets) "
              "| set 2 precision | set 2 recall | set 2 groups (tickets) |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for terms, threshold in itertools.product(TERMS, THRESHOLDS):
            a = scores(one, set1_items(), threshold, terms)
            b = scores(two, set2_items(), threshold, terms)
            print(f"| {terms if terms < 1000 else 'all'} | {threshold:.2f} | {a['precision']:.1%} | {a['recall']:.1%} | {a['groups']} ({a['grouped']}) "
                  f"| {b['precision']:.1%} | {b['recall']:.1%} | {b['groups']} ({b['grouped']}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
