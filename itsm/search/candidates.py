"""Problem candidates: groups of similar incidents with no problem linked, for `itsm report`.

A fault that keeps coming back shows as incidents that look alike. Each incident becomes a
vector of the terms search indexes it under (the index's analyser: stemmed, stop words
out, so "VPN drops" and "vpn dropping" meet), weighted by how rare each term is across the
whole desk (the index's document frequencies: a word every ticket has joins nothing). Two
incidents are similar when the cosine of their vectors reaches `SIMILAR`; a group is an
incident, the centre, with its similar incidents, each of which must also be similar to
more than half of the group's other members (so a ticket that mentions two faults cannot
chain two unrelated clusters into one). docs/search.md "Problem candidates" has the rule
and why each constant is what it is.

No whoosh query runs per incident: the index gives the analyser and the document
frequencies (one lookup per distinct term), the similarities are computed here in memory.
"""

from __future__ import annotations

import heapq
import math
import operator
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from itsm.core.errors import UsageError
from itsm.core.terminal import warn
from itsm.storage.store import Desk

if TYPE_CHECKING:
    from itsm.search.index import Words

# Cosine similarity at which two incidents count as the same fault. Calibrated with
# `python -m tests.candidates_calibration` on the labelled relevance set 2 (tickets in users'
# words, each labelled with the KB article or problem that answered it; docs/search.md has
# the table): at 0.20 more of the pairs grouped are the same fault (54 %) than at 0.15
# (wordings of different faults sharing "my", "cant", "laptop" join), and more same-fault
# pairs are found (11 % of all) than at 0.25 (4 %) or 0.30 (1 %), where users' differing
# wordings of one fault ("vpn drops" / "cannot stay connected to the VPN") fall apart.
SIMILAR = 0.2
# A title word counts as much as two description words, as search boosts titles x2: a
# user's title is their one-line summary of the fault, the description adds noise.
TITLE_WEIGHT = 2.0
# An incident is compared by its this many heaviest terms among those another incident of
# the window holds too (its length still counts all of them). Fewer terms, fewer pairs to
# compare: 3,000 incidents of the 100k desk took 2.2 s with every term (at 0.25), 0.6 s with
# 10 (at 0.20), and the calibration scores as well as with every term (54 % / 11 % against
# 41 % / 10 % at 0.20);
# at 6 the shared description words that join one fault's wordings ("home", "minutes")
# are cut and the test desk's three VPN tickets fall below 0.20.
TERMS = 10
# The smallest group: "three or more similar incidents" (issue 11). Two may be chance.
MIN_SIZE = 3
# Groups reported, largest first: a report is read by a person, and past twenty recurring
# faults the twenty-first is not what gets a problem record this week.
MAX_GROUPS = 20
# Words in a group's label, the most telling first.
LABEL_TERMS = 4

Vector = dict[str, float]


@dataclass(frozen=True)
class Group:
    """A candidate for a problem record: its incidents, in the order they were given (the
    report gives them oldest first, so the first is when the fault began), and the few
    words they share, the most telling first (as users wrote them, not stemmed)."""

    ids: tuple[str, ...]
    terms: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"ids": list(self.ids), "terms": list(self.terms)}


def groups(desk: Desk, incidents: Sequence[tuple[str, str, str]], min_size: int = MIN_SIZE,
           limit: int = MAX_GROUPS, history: bool = False) -> list[Group]:
    """Groups of `min_size` or more similar incidents among `incidents` ((ID, title,
    description), oldest first), largest first, at most `limit`. The desk's search index is
    opened as `itsm search` opens it (built or brought up to date first). If it cannot be
    used (busy, unreadable), the same analyser is used and the document frequencies are
    counted over `incidents` alone, with a warning on stderr: the groups then weigh words by
    how common they are in the window, not in the whole desk."""
    if len(incidents) < min_size:
        return []
    from itsm.search import index  # whoosh loads only for commands that need it

    if history:
        # A past commit's report (`--as-of`): today's index knows words that came later, so
        # the incidents' own words weigh them, and the groups come from history alone.
        return _local(incidents, min_size, limit)

    try:
        opened = index.SearchIndex(desk).open_fresh()
        words = index.analysis_words(opened)
        analysed = [_analyse(words, title, description) for _, title, description in incidents]
        doc_count, frequencies = opened.document_frequencies(sorted({term for counts in analysed for term in counts}))
    except UsageError as exc:
        return _fallback(f"{exc.one_line()}", incidents, min_size, limit)
    except Exception as exc:  # a broken cache is never a reason to fail a report
        return _fallback(type(exc).__name__, incidents, min_size, limit)
    return grouped([record_id for record_id, _, _ in incidents], analysed, doc_count, frequencies,
                   words.surface, min_size, limit)


def _fallback(why: str, incidents: Sequence[tuple[str, str, str]], min_size: int, limit: int) -> list[Group]:
    warn(f"problem candidates: the search index could not be used ({why}); "
         "words are weighted by how common they are among these incidents only")
    return _local(incidents, min_size, limit)


def _local(incidents: Sequence[tuple[str, str, str]], min_size: int, limit: int) -> list[Group]:
    """The groups with each word weighted by how common it is among `incidents` alone."""
    from itsm.search import index

    words = index.analysis_words(None)
    analysed = [_analyse(words, title, description) for _, title, description in incidents]
    frequencies = Counter(term for counts in analysed for term in counts)
    return grouped([record_id for record_id, _, _ in incidents], analysed, len(incidents), dict(frequencies),
                   words.surface, min_size, limit)


def _analyse(words: Words, title: str, description: str) -> dict[str, float]:
    """Term -> count: a word typed once counts once, shared among the terms the index makes
    of it (won't -> won, wont: a half each; without that a contraction or a hyphenated word
    weighed two or three words and joined tickets by "don't" alone); a title's words count
    `TITLE_WEIGHT` times."""
    counts: dict[str, float] = {}
    for text, weight in ((description, 1.0), (title, TITLE_WEIGHT)):
        for terms in words.by_word(text):
            share = weight / len(terms)
            for term in terms:
                counts[term] = counts.get(term, 0.0) + share
    return counts


def grouped(ids: Sequence[str], analysed: Sequence[dict[str, float]], doc_count: int, frequencies: dict[str, int],
            surface: Callable[[str], str] = str, min_size: int = MIN_SIZE, limit: int = MAX_GROUPS,
            threshold: float = SIMILAR, terms: int = TERMS) -> list[Group]:
    """The grouping itself, on analysed incidents: pure, and what the tests pin."""
    doc_count = max(doc_count, 1)  # an empty index: every weight 0, no group
    idf = {term: math.log(doc_count / max(1, min(frequency, doc_count))) for term, frequency in frequencies.items()}
    vectors = _shared([_vector(counts, idf) for counts in analysed], terms)
    # Incidents with the same vector (a monitoring alert filed again and again, a form's
    # fixed wording) are one node that weighs their number: compared pairwise they cost n²
    # comparisons that can only say "alike" (7,000 look-alikes in a 100k desk's window took
    # 9 s). Grouping the nodes by weight is grouping the incidents: copies are all alike or
    # all not (`_self_alike`), and always land in the same group.
    node_of: dict[tuple[tuple[str, float], ...], int] = {}
    nodes: list[list[int]] = []
    for i, vector in enumerate(vectors):
        node = node_of.setdefault(tuple(sorted(vector.items())), len(nodes))
        if node == len(nodes):
            nodes.append([])
        nodes[node].append(i)
    unique = [vectors[members[0]] for members in nodes]
    weights = [len(members) for members in nodes]
    alike = [_self_alike(vector, threshold) for vector in unique]
    found = [{i for node in group for i in nodes[node]}
             for group in _greedy(similar_pairs(unique, threshold), min_size, weights, alike)]
    found.sort(key=lambda members: (-len(members), min(members)))
    return [Group(tuple(ids[i] for i in sorted(members)), _label(members, vectors, surface))
            for members in found[:limit]]


def _vector(counts: dict[str, float], idf: dict[str, float]) -> Vector:
    """Sublinear term frequency (a word said five times is not five times the evidence) times
    the term's rarity over the desk, normalised to length 1. Terms in every record weigh 0
    and are left out."""
    weights = {term: _damped(count) * idf.get(term, 0.0) for term, count in counts.items() if count > 0}
    weights = {term: weight for term, weight in weights.items() if weight > 0.0}
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    return {term: weight / norm for term, weight in weights.items()} if norm else {}


def _shared(vectors: Sequence[Vector], terms: int) -> list[Vector]:
    """Each vector's `terms` heaviest terms among those another vector holds too, at the
    weight they have in the whole vector. A term no other incident has cannot join two
    incidents; it still weighs, in the length each vector was normalised by (a ticket that
    is mostly about something else is less like the others). Leaving out the lightest
    shared terms can only lower a cosine, never raise it."""
    held = Counter(term for vector in vectors for term in vector)
    kept = []
    for vector in vectors:
        heaviest = sorted(((weight, term) for term, weight in vector.items() if held[term] > 1), reverse=True)
        kept.append({term: weight for weight, term in heaviest[:terms]})
    return kept


def _damped(count: float) -> float:
    """1 + ln(count) from one word up; a part of a word (under 1) counts as it is."""
    return 1.0 + math.log(count) if count >= 1.0 else count


def similar_pairs(vectors: Sequence[Vector], threshold: float) -> list[set[int]]:
    """For each vector, the others whose cosine with it reaches `threshold`: exact, without
    comparing every pair (prefix filtering, as in Xiao et al.'s PPJoin and Bayardo et al.'s
    All-Pairs). Each vector's terms are put rarest first (among these vectors); its prefix is
    its leading terms up to where the rest could no longer add up to `threshold`, even were
    each of them met at its largest weight in any vector. Two vectors that reach it share a
    term in both prefixes (the first term they share: were it past one's prefix, all they
    share would be, and the rest adds up to less), so only pairs sharing a prefix term are
    compared; the common terms, whose lists are long, are mostly past the prefixes."""
    held = Counter(term for vector in vectors for term in vector)
    rank = {term: n for n, (term, _) in enumerate(sorted(held.items(), key=lambda item: (item[1], item[0])))}
    largest: dict[str, float] = {}
    for vector in vectors:
        for term, weight in vector.items():
            if weight > largest.get(term, 0.0):
                largest[term] = weight
    listed: dict[str, list[int]] = {}  # term -> the vectors before this one with it in their prefix
    neighbours: list[set[int]] = [set() for _ in vectors]
    for i, vector in enumerate(vectors):
        rest = sum(weight * largest[term] for term, weight in vector.items())
        prefix: list[str] = []
        for term in sorted(vector, key=rank.__getitem__):
            if rest < threshold:
                break
            prefix.append(term)
            rest -= vector[term] * largest[term]
        candidates: set[int] = set()
        for term in prefix:
            earlier = listed.setdefault(term, [])
            candidates.update(earlier)
            earlier.append(i)
        mine, near = vector.__getitem__, neighbours[i]
        for j in candidates:
            other = vectors[j]
            both = vector.keys() & other.keys()
            # The dot product over the terms both hold, its loops in C (a set iterates in the
            # same order twice): most of a report's time on a big desk is spent here.
            if sum(map(operator.mul, map(mine, both), map(other.__getitem__, both))) >= threshold:
                near.add(j)
                neighbours[j].add(i)
    return neighbours


def _self_alike(vector: Vector, threshold: float) -> bool:
    """Whether two incidents with this same vector are similar: its cosine with itself,
    over the shared terms it kept, reaches the threshold."""
    return sum(weight * weight for weight in vector.values()) >= threshold


def _greedy(neighbours: list[set[int]], min_size: int, weights: Sequence[int] | None = None,
            alike: Sequence[bool] | None = None) -> list[set[int]]:
    """Groups of nodes (a node is `weights[n]` identical incidents, alike to each other if
    `alike[n]`), each in at most one. The node whose incidents have the most similar
    incidents not yet grouped is the next centre; its group is it and those, from which the
    member similar to the fewest others (of those, the latest given) is dropped while it is
    similar to no more than half of the other incidents (the centre counts: in a group of
    three all three must be alike). A centre whose group ends up under `min_size` incidents
    is passed over. A centre's count only falls as others are grouped, so a count read from
    the heap is checked before use."""
    weights = weights or [1] * len(neighbours)
    alike = alike or [False] * len(neighbours)

    def count(node: int, among: set[int]) -> int:
        own = weights[node] - 1 if alike[node] else 0
        return own + sum(weights[other] for other in neighbours[node] & among)

    free = set(range(len(neighbours)))
    heap = [(-n, i) for i in free if (n := count(i, free)) + 1 >= min_size]
    heapq.heapify(heap)
    found: list[set[int]] = []
    while heap:
        negative, centre = heapq.heappop(heap)
        if centre not in free:
            continue
        now = count(centre, free)
        if now != -negative:
            if now + 1 >= min_size:
                heapq.heappush(heap, (-now, centre))
            continue
        members = _cohesive(centre, neighbours[centre] & free, neighbours, weights, alike)
        if sum(weights[m] for m in members) >= min_size:
            found.append(members)
            free -= members
    return found


def _cohesive(centre: int, near: set[int], neighbours: list[set[int]], weights: Sequence[int],
              alike: Sequence[bool]) -> set[int]:
    members = near | {centre}
    size = sum(weights[m] for m in members)
    similar = {member: (weights[member] - 1 if alike[member] else 0)
               + sum(weights[other] for other in neighbours[member] & members) for member in near}
    while similar:
        worst = min(similar, key=lambda member: (similar[member], -member))  # a tie: the latest given goes
        if 2 * similar[worst] > size - 1:
            break
        members.discard(worst)
        size -= weights[worst]
        del similar[worst]
        for member in neighbours[worst] & members:
            if member != centre:
                similar[member] -= weights[worst]
    return members


def _label(members: set[int], vectors: Sequence[Vector], surface: Callable[[str], str]) -> tuple[str, ...]:
    """The terms held by more than half of the group, by their summed weight in it."""
    held: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for i in members:
        for term, value in vectors[i].items():
            held[term] += 1
            weight[term] = weight.get(term, 0.0) + value
    shared = [term for term in held if 2 * held[term] > len(members)]
    shared.sort(key=lambda term: (-weight[term], term))
    return tuple(surface(term) for term in shared[:LABEL_TERMS])
