"""Measuring diagnosis: the two labelled relevance sets, as data and as a desk.

Set 1 (`tests/relevance_cases.yaml`) asks against the repository's sample desk. Set 2
(`tests/relevance_set2.yaml`) brings its own desk — another company's KB articles in
support's words, past tickets in users' words resolved with them, distractors — which is
built here on a fresh `itsm init` desk through itsm's own functions, as an agent would have
built it with `itsm kb new`, `itsm new` and `itsm resolve --kb`.

Both sets were written and labelled by someone who never saw the ranking code. Ranking is
improved by analysis and boosts, never by editing the cases. `python -m tests.relevance`
prints the figures of both sets.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from itsm.operations import desk_init, kb, problems, resolution, tickets
from itsm.search.index import SearchIndex, diagnosis
from itsm.storage.store import Desk

REPO = Path(__file__).resolve().parent.parent
ACTOR = "Relevance Builder"


@dataclass
class Scores:
    cases: int
    top3: float  # among KB articles and problems: what the labels cover
    mrr: float
    top3_diagnose: float  # in `itsm diagnose`'s list, where resolved tickets compete too
    misses: list[str]

    def line(self, name: str) -> str:
        return (f"{name}: {self.cases} cases, top-3 {self.top3:.1%}, MRR {self.mrr:.3f} (KB articles and problems); "
                f"top-3 in the diagnose list {self.top3_diagnose:.1%}")


def evaluate(index: SearchIndex, cases: list[dict[str, Any]]) -> Scores:
    top3 = top3_diagnose = 0
    reciprocal = 0.0
    misses = []
    for case in cases:
        hits = index.similar(case["title"], case.get("description") or "", None, None, limit=30)
        answers = set(case["answers"])
        learnt = [h for h in hits if h.kind in ("kb", "problem")]
        rank = next((n for n, h in enumerate(learnt, 1) if h.id in answers), None)
        if rank is not None:
            reciprocal += 1 / rank
        if rank is not None and rank <= 3:
            top3 += 1
        else:
            misses.append(f"rank {rank}: {case['title']!r} -> {[h.id for h in learnt[:3]]}, wanted {sorted(answers)}")
        known, _ = diagnosis(hits, 3)
        top3_diagnose += any(h.id in answers for h in known)
    n = len(cases)
    return Scores(n, top3 / n, reciprocal / n, top3_diagnose / n, misses)


# -- set 1: the sample desk -------------------------------------------------------------------------


def set1_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((REPO / "tests" / "relevance_cases.yaml").read_text(encoding="utf-8"))
    return cases


def set1_desk(root: Path) -> Desk:
    """The repository's sample desk, copied (the index must not be built inside the repo)."""
    root.mkdir(parents=True)
    for name in ("tickets", "problems", "kb"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "itsm.yaml", root / "itsm.yaml")
    return Desk.open(root)


# -- set 2: another company's desk, built through itsm ----------------------------------------------


def set2_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "tests" / "relevance_set2.yaml").read_text(encoding="utf-8"))
    return data


def set2_desk(root: Path) -> tuple[Desk, list[dict[str, Any]]]:
    """A fresh desk holding set 2's articles, problems and resolved past tickets; and its
    queries with their answers turned into the desk's IDs."""
    data = set2_data()
    desk_init.init(root, actor=ACTOR, commit=False)
    desk = Desk.open(root.resolve())
    ids: dict[str, str] = {}
    for item in data["kb"]:
        article = kb.new_article(desk, title=item["title"], actor=ACTOR, category=item.get("category"),
                                 tags=[_tag(tag) for tag in item.get("tags") or []], body=item["body"], commit=False)
        ids[item["key"]] = article.id
    for item in data["problems"]:
        problem = problems.new_problem(desk, title=item["title"], actor=ACTOR, category=item.get("category"),
                                       description=item.get("description") or "", commit=False)
        if item.get("status") == "known_error":
            problems.workaround(desk, problem.id, item["workaround"], actor=ACTOR, commit=False)
        ids[item["key"]] = problem.id
    for item in data["tickets"]:
        ticket = tickets.new_ticket(desk, title=item["title"], actor=ACTOR, category=item.get("category"),
                                    description=item.get("description") or "", commit=False)
        resolved = item["resolution"]
        text = {resolved["kind"]: resolved["summary"]}
        resolution.resolve(desk, ticket.id, actor=ACTOR, kb=[ids[k] for k in item.get("kb") or []],
                         problem=ids[item["problem"]] if item.get("problem") else None, commit=False,
                         workaround=text.get("workaround"), fix=text.get("fix"))
    cases = [{**query, "answers": [ids[key] for key in query["answers"]]} for query in data["queries"]]
    return desk, cases


def _tag(value: object) -> str:
    # `kb new --tag -7200` is refused (a tag starts with a letter or digit); the agent then types 7200.
    return str(value).lstrip("-._")


def main(argv: list[str]) -> int:
    """`python -m tests.relevance` prints both sets' figures and misses; with `--sensitivity`,
    the figures again for several weights of the words learnt from resolutions."""
    import tempfile

    from itsm.search import index as index_module

    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        one = SearchIndex(set1_desk(base / "one")).open_fresh()
        desk, cases = set2_desk(base / "two")
        two = SearchIndex(desk).open_fresh()
        sets = (("set 1 (sample desk)", one, set1_cases()), ("set 2", two, cases))
        for name, index, set_cases in sets:
            scores = evaluate(index, set_cases)
            print(scores.line(name))
            for miss in scores.misses:
                print(f"  miss {miss}")
        if "--sensitivity" in argv:
            chosen = index_module.ASKED_AS_WEIGHT
            try:
                for weight in (0.0, 0.5, 1.0, 2.0):
                    index_module.ASKED_AS_WEIGHT = weight
                    for name, index, set_cases in sets:
                        print(f"asked-as weight {weight}: " + evaluate(index, set_cases).line(name))
            finally:
                index_module.ASKED_AS_WEIGHT = chosen
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
