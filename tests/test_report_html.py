"""The HTML report (itsm/reporting/html_report.py): one self-contained page that escapes every value
from the desk, a site of pages per open ticket and problem, and a real browser's view of both.

The report dicts here follow /work/report-schema.md (docs/report.md): `demo_report` mimics a
desk's quarter; `PAYLOADS` go wherever the desk's text goes (titles, owners, groups,
categories, terms, IDs) and must come out as text, never as an element or attribute.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from itsm.core.errors import UsageError
from itsm.core.model import Entry, Problem, Ticket
from itsm.reporting import html_report
from tests import browser

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "attr": '"><svg onload=alert(1)>',
    "js": "javascript:alert(1)",
    "style": "net</style><script>alert(2)</script>",
}
PRIORITIES = ["P1", "P2", "P3", "P4", "P5", "none"]


def ref(id: str, title: str, priority: str | None = "P3", owner: str | None = "Ines", group: str | None = "network",
        category: str | None = "network/vpn", status: str = "assigned", created: str = "2026-11-02T09:00:00Z") -> dict[str, Any]:
    return {"id": id, "title": title, "type": "incident", "status": status, "priority": priority, "owner": owner,
            "group": group, "category": category, "created": created, "major": False}


def _counts(*values: int) -> dict[str, int]:
    return dict(zip(PRIORITIES, values, strict=True))


def demo_report() -> dict[str, Any]:
    """A quarter of a 40-person desk's service desk, every section filled."""
    weeks = []
    created = [14, 11, 17, 12, 9, 15, 19, 13, 10, 16, 12, 8]
    resolved = [12, 13, 14, 12, 11, 13, 15, 16, 12, 13, 14, 9]
    open_at_end = 21
    for n in range(12):
        open_at_end += created[n] - resolved[n]
        weeks.append({"week": f"2026-W{37 + n:02d}", "start": f"2026-{9 + (n + 1) // 4:02d}-{1 + (n * 7) % 28:02d}",
                      "created": created[n], "resolved": resolved[n], "open_at_end": open_at_end})
    categories = [("network/vpn", [4, 3, 5, 4, 2, 5, 7, 4, 3, 5, 3, 2]), ("hardware/laptop", [3, 2, 4, 3, 2, 3, 4, 3, 2, 4, 3, 2]),
                  ("access/password", [3, 3, 3, 2, 2, 3, 3, 2, 2, 3, 2, 1]), ("email", [2, 1, 2, 1, 1, 2, 2, 2, 1, 2, 2, 1]),
                  ("software/erp", [1, 1, 2, 1, 1, 1, 2, 1, 1, 1, 1, 1]), ("printing", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])]
    by_category = [{"category": name, "created": values, "resolved": [max(0, v - (i % 2)) for i, v in enumerate(values)]}
                   for name, values in categories]
    unowned = [ref("INC-7QK3F2", "VPN drops every 20 minutes for the Lyon office", "P2", None, "network"),
               ref("REQ-4M9T2A", "New laptop for an intern starting Monday", "P4", None, "hardware", "hardware/laptop")]
    return {
        "report": {"version": 1, "desk": "acme-desk", "generated": "2026-12-01T10:00:00Z",
                   "since": "2026-09-08T00:00:00Z", "until": "2026-12-01T10:00:00Z", "as_of": None,
                   "business_hours": True,
                   "sections": ["backlog", "aging", "sla", "times", "first_level", "escalations", "reopens", "trend",
                                "problems", "kb", "types", "candidates"]},
        "backlog": {
            "open": open_at_end, "statuses": ["new", "assigned", "in_progress", "pending"], "priorities": PRIORITIES,
            "by_status": [{"status": "new", "counts": _counts(0, 1, 2, 1, 0, 1), "total": 5},
                          {"status": "assigned", "counts": _counts(1, 2, 4, 2, 1, 0), "total": 10},
                          {"status": "in_progress", "counts": _counts(1, 2, 3, 1, 0, 0), "total": 7},
                          {"status": "pending", "counts": _counts(0, 1, 2, 2, 1, 0), "total": 6}],
            "by_group": [{"group": "network", "open": 11}, {"group": "workplace", "open": 9}, {"group": "apps", "open": 6},
                         {"group": None, "open": 2}],
            "by_owner": [{"owner": "Ines Duarte", "open": 7}, {"owner": "Marc Petit", "open": 6},
                         {"owner": "Sara Lind", "open": 5}, {"owner": "Tom Weber", "open": 4}],
            "unowned": unowned,
        },
        "aging": {
            "buckets": [{"label": "0-1 d", "from_days": 0, "to_days": 1, "count": 6, "by_priority": _counts(1, 2, 2, 1, 0, 0)},
                        {"label": "1-3 d", "from_days": 1, "to_days": 3, "count": 8, "by_priority": _counts(1, 2, 3, 1, 1, 0)},
                        {"label": "3-7 d", "from_days": 3, "to_days": 7, "count": 7, "by_priority": _counts(0, 1, 3, 2, 0, 1)},
                        {"label": "7-30 d", "from_days": 7, "to_days": 30, "count": 5, "by_priority": _counts(0, 1, 2, 1, 1, 0)},
                        {"label": "> 30 d", "from_days": 30, "to_days": None, "count": 2, "by_priority": _counts(0, 0, 1, 1, 0, 0)}],
            "oldest": [{**ref("INC-9ZC4WD", "Scanner on floor 3 jams on duplex", "P4", "Tom Weber", "workplace", "printing",
                              created="2026-10-12T08:10:00Z"), "age_days": 50.1},
                       {**ref("INC-2HV8NB", "ERP export times out at month end", "P3", "Sara Lind", "apps", "software/erp",
                              created="2026-10-27T16:40:00Z"), "age_days": 34.7}],
        },
        "sla": {
            "response": {"by_priority": [{"priority": "P1", "met": 3, "missed": 0, "compliance": 1.0},
                                         {"priority": "P2", "met": 17, "missed": 2, "compliance": 17 / 19},
                                         {"priority": "P3", "met": 58, "missed": 4, "compliance": 58 / 62},
                                         {"priority": "P4", "met": 41, "missed": 1, "compliance": 41 / 42},
                                         {"priority": "P5", "met": 0, "missed": 0, "compliance": None}],
                         "total": {"met": 119, "missed": 7, "compliance": 119 / 126}},
            "resolution": {"by_priority": [{"priority": "P1", "met": 2, "missed": 1, "compliance": 2 / 3},
                                           {"priority": "P2", "met": 14, "missed": 4, "compliance": 14 / 18},
                                           {"priority": "P3", "met": 52, "missed": 7, "compliance": 52 / 59},
                                           {"priority": "P4", "met": 39, "missed": 2, "compliance": 39 / 41},
                                           {"priority": "P5", "met": 0, "missed": 0, "compliance": None}],
                           "total": {"met": 107, "missed": 14, "compliance": 107 / 121}},
            "breaches": [{**ref("INC-7QK3F2", "VPN drops every 20 minutes for the Lyon office", "P2", None),
                          "clock": "response", "due": "2026-11-30T10:00:00Z", "stopped": None, "running": True},
                         {**ref("INC-5RW1KX", "Core switch reboot took the plant offline", "P1", "Marc Petit"),
                          "clock": "resolution", "due": "2026-11-18T13:00:00Z", "stopped": "2026-11-18T15:12:00Z",
                          "running": False}],
        },
        "times": {
            "mtta": {"overall": {"count": 126, "median_minutes": 34, "p90_minutes": 182},
                     "by_priority": [{"priority": "P1", "count": 3, "median_minutes": 6, "p90_minutes": 11},
                                     {"priority": "P2", "count": 19, "median_minutes": 22, "p90_minutes": 95},
                                     {"priority": "P3", "count": 62, "median_minutes": 41, "p90_minutes": 210}],
                     "by_category": [{"category": "network/vpn", "count": 40, "median_minutes": 28, "p90_minutes": 150}]},
            "mttr": {"overall": {"count": 121, "median_minutes": 1290, "p90_minutes": 6120},
                     "by_priority": [{"priority": "P1", "count": 3, "median_minutes": 190, "p90_minutes": 300},
                                     {"priority": "P2", "count": 18, "median_minutes": 610, "p90_minutes": 2400},
                                     {"priority": "P3", "count": 59, "median_minutes": 1500, "p90_minutes": 6900}],
                     "by_category": [{"category": "network/vpn", "count": 38, "median_minutes": 980, "p90_minutes": 4000},
                                     {"category": None, "count": 2, "median_minutes": None, "p90_minutes": None}]},
        },
        "first_level": {"resolved": 121, "at_first_level": 74, "rate": 74 / 121},
        "escalations": {"functional": 31, "hierarchical": 4, "major": 1, "tickets": 33},
        "reopens": {"resolved": 121, "reopened": 6, "rate": 6 / 121},
        "trend": {"weeks": weeks, "by_category": by_category},
        "problems": [{"id": "PRB-3KX9TQ", "title": "Lyon VPN concentrator drops idle tunnels", "status": "known_error",
                      "incidents": 9, "open_incidents": 2, "workaround": 6, "fix": 0, "workaround_share": 6 / 9,
                      "fix_share": 0.0},
                     {"id": "PRB-8D2WFM", "title": "Laptop docks lose displays after firmware 2.1", "status": "resolved",
                      "incidents": 5, "open_incidents": 0, "workaround": 2, "fix": 3, "workaround_share": 0.4,
                      "fix_share": 0.6}],
        "kb": {"articles": [{"id": "KB-6TR2QA", "title": "Reset a VPN profile on Windows", "resolved": 14},
                            {"id": "KB-1MZ8PB", "title": "Unlock an AD account", "resolved": 11}], "unused": 23},
        "types": [{"type": "incident", "created": 104, "resolved": 101, "open": 19},
                  {"type": "request", "created": 52, "resolved": 54, "open": 9}],
        "candidates": [{"tickets": [ref("INC-1AB2CD", "Outlook asks for the password again", "P3", "Sara Lind", "apps", "email"),
                                    ref("INC-3EF4GH", "Outlook password prompt loops", "P3", None, "apps", "email"),
                                    ref("INC-5JK6MN", "Password prompt in Outlook after update", "P4", "Tom Weber", "apps", "email")],
                        "terms": ["outlook", "password", "prompt"]}],
    }


def empty_report() -> dict[str, Any]:
    """A desk with no ticket at all in the window (and none open)."""
    return {
        "report": {"version": 1, "desk": "empty", "generated": "2026-12-01T10:00:00Z", "since": "2026-11-01T00:00:00Z",
                   "until": "2026-12-01T10:00:00Z", "as_of": None, "business_hours": False,
                   "sections": ["backlog", "aging", "sla", "times", "first_level", "escalations", "reopens", "trend",
                                "problems", "kb", "types", "candidates"]},
        "backlog": {"open": 0, "statuses": ["new", "assigned", "in_progress", "pending"], "priorities": PRIORITIES,
                    "by_status": [], "by_group": [], "by_owner": [], "unowned": []},
        "aging": {"buckets": [{"label": label, "from_days": a, "to_days": b, "count": 0, "by_priority": _counts(0, 0, 0, 0, 0, 0)}
                              for label, a, b in (("0-1 d", 0, 1), ("1-3 d", 1, 3), ("3-7 d", 3, 7), ("7-30 d", 7, 30),
                                                  ("> 30 d", 30, None))],
                  "oldest": []},
        "sla": {"response": {"by_priority": [], "total": {"met": 0, "missed": 0, "compliance": None}},
                "resolution": {"by_priority": [], "total": {"met": 0, "missed": 0, "compliance": None}}, "breaches": []},
        "times": {key: {"overall": {"count": 0, "median_minutes": None, "p90_minutes": None}, "by_priority": [],
                        "by_category": []} for key in ("mtta", "mttr")},
        "first_level": {"resolved": 0, "at_first_level": 0, "rate": None},
        "escalations": {"functional": 0, "hierarchical": 0, "major": 0, "tickets": 0},
        "reopens": {"resolved": 0, "reopened": 0, "rate": None},
        "trend": {"weeks": [{"week": f"2026-W{n}", "start": "2026-11-02", "created": 0, "resolved": 0, "open_at_end": 0}
                            for n in (45, 46, 47, 48, 49)], "by_category": []},
        "problems": [], "kb": {"articles": [], "unused": 0}, "types": [], "candidates": [],
    }


def payload_report() -> dict[str, Any]:
    """The demo report with the payloads in every place desk text goes."""
    report = demo_report()
    p = PAYLOADS
    report["report"]["desk"] = p["script"]
    evil = ref("INC-7QK3F2", p["script"], "P2", p["js"], p["attr"], p["style"])
    report["backlog"]["unowned"] = [{**evil, "owner": None}, ref("REQ-4M9T2A", p["img"], "P4", None, p["img"], p["attr"])]
    report["backlog"]["by_owner"][0]["owner"] = p["js"]
    report["backlog"]["by_group"][0]["group"] = p["attr"]
    report["aging"]["oldest"][0]["title"] = p["img"]
    report["sla"]["breaches"][0].update(title=p["attr"], owner=p["js"])
    report["sla"]["response"]["by_priority"][0]["priority"] = p["attr"]
    report["times"]["mtta"]["by_category"][0]["category"] = p["style"]
    report["trend"]["by_category"][0]["category"] = p["style"]
    report["trend"]["by_category"][1]["category"] = p["img"]
    report["trend"]["weeks"][0]["week"] = p["attr"]
    report["problems"][0]["title"] = p["script"]
    report["problems"][1]["id"] = p["attr"]  # not an ID: shown as text, never a link
    report["kb"]["articles"][0]["title"] = p["img"]
    report["candidates"][0]["terms"] = [p["script"], p["js"]]
    report["candidates"][0]["tickets"][0]["id"] = "../../etc/passwd"
    report["aging"]["buckets"][0]["label"] = p["attr"]
    return report


# ---------------------------------------------------------------------------------------------
# The page as text


def test_every_section_has_its_heading_and_the_charts_are_inline_svg() -> None:
    page = html_report.dashboard(demo_report())
    for title in html_report.SECTION_TITLES.values():
        assert f"<h2>{title}</h2>" in page
    assert page.count("<svg ") == 4
    for chart in ("Backlog trend", "SLA compliance by priority", "Aging of open tickets", "Created per category"):
        assert f">{chart}</title>" in page
    assert '<meta name="viewport"' in page and "@media print" in page and "@media (max-width:700px)" in page
    assert "NaN" not in page and "inf" not in page.replace("info", "")


def test_the_page_fetches_nothing_and_runs_nothing() -> None:
    page = html_report.dashboard(demo_report(), pages=True)
    assert "<script" not in page.lower()
    assert not re.search(r"""(?:href|src)\s*=\s*["']?(?:https?:|//|javascript:)""", page, re.IGNORECASE)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # the CSP: even an escaping slip could not run or fetch


def test_kpi_cards_show_the_numbers() -> None:
    page = html_report.dashboard(demo_report())
    cards = {label: re.sub("<[^>]+>", "", value) for label, value in
             re.findall(r'<div class="kpi-label">([^<]+)</div><div class="kpi-value">(.*?)</div>', page)}
    assert cards == {"Open": "23", "Unowned": "2", "SLA breaches": "2", "MTTA median": "34min",
                     "MTTR median": "21h 30min", "First-level resolution": "61.2%", "Reopen rate": "5.0%"}


@pytest.mark.parametrize(("minutes", "shown"), [(0, "0 min"), (59, "59 min"), (60, "1 h"), (61, "1 h 1 min"),
                                                (1440, "1 d"), (1500, "1 d 1 h"), (None, "\u2014")])
def test_durations_are_written_for_people(minutes: int | None, shown: str) -> None:
    assert html_report._minutes(minutes) == shown


def test_an_empty_window_says_so_and_draws_no_broken_chart() -> None:
    page = html_report.dashboard(empty_report())
    assert "Nothing in this window: no ticket created, resolved or open." in page
    assert "Nothing in this window: no SLA clock started or stopped." in page
    assert "No open tickets." in page
    assert "<svg" not in page and "NaN" not in page
    for title in html_report.SECTION_TITLES.values():
        assert f"<h2>{title}</h2>" in page


def test_weeks_with_no_ticket_at_all_and_missing_numbers_never_divide_by_zero() -> None:
    report = empty_report()
    report["trend"]["weeks"] = []
    report["aging"]["buckets"] = []
    report["backlog"] = {"open": None}
    page = html_report.dashboard(report)
    assert "No weeks in this window." in page and "NaN" not in page


def test_sections_absent_from_the_report_are_not_shown() -> None:
    full = demo_report()
    report = {"report": {**full["report"], "sections": ["sla"]}, "sla": full["sla"]}
    page = html_report.dashboard(report)
    assert re.findall(r"<h2>([^<]+)</h2>", page) == ["SLA compliance"]
    assert page.count("<svg ") == 1 and "SLA compliance by priority</title>" in page
    assert "kpi-label\">SLA breaches" in page and "kpi-label\">Open" not in page


def test_gates_are_shown_first_when_present() -> None:
    report = demo_report()
    report["gates"] = [{"gate": "breach", "failed": True, "count": 2, "summary": "2 SLA breaches: INC-7QK3F2, INC-5RW1KX"},
                       {"gate": "unowned", "failed": False, "count": 0, "summary": "no unowned ticket"}]
    page = html_report.dashboard(report)
    assert page.index('<ul class="gates">') < page.index('<div class="kpis">')
    assert '<li class="failed"><strong>breach</strong> failed: 2 SLA breaches: INC-7QK3F2, INC-5RW1KX</li>' in page


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_a_payload_is_text_wherever_it_goes(name: str) -> None:
    page = html_report.dashboard(payload_report(), pages=True)
    payload = PAYLOADS[name]
    escaped = html_report.html.escape(payload, quote=True)
    assert escaped in page
    if escaped != payload:  # `javascript:alert(1)` is plain text: what matters is it is no href
        assert payload not in page
    dom = browser.parse_dom(page)
    browser.assert_inert(dom)
    assert payload in dom.text
    assert "&amp;lt;" not in page and "&amp;quot;" not in page  # escaped once, not twice


def test_the_style_payload_cannot_close_the_style_element() -> None:
    page = html_report.dashboard(payload_report())
    assert page.count("</style>") == 1 and page.index("</style>") < page.index("<body>")


def test_only_a_valid_id_becomes_a_link() -> None:
    page = html_report.dashboard(payload_report(), pages=True)
    hrefs = re.findall(r'href="([^"]*)"', page)
    pages = [h for h in hrefs if not h.startswith("#")]
    assert pages and all(re.fullmatch(r"(tickets|problems)/[A-Z]{1,8}-[0-9A-Z]{4,16}\.html", h) for h in pages)
    assert "problems/PRB-3KX9TQ.html" in pages and "../../etc/passwd" not in " ".join(hrefs)
    assert any("tickets/" in h for h in hrefs)
    assert "href" not in html_report.dashboard(payload_report()).replace('href="#', "")  # no pages, no links


def test_linked_limits_the_links_to_the_pages_written() -> None:
    page = html_report.dashboard(demo_report(), pages=True, linked={"INC-7QK3F2"})
    assert set(re.findall(r'href="(tickets/[^"]+|problems/[^"]+)"', page)) == {"tickets/INC-7QK3F2.html"}


def test_control_characters_are_shown_as_escapes_not_written() -> None:
    report = demo_report()
    report["backlog"]["unowned"][0]["title"] = "bell\x07 esc\x1b[2J nul\x00 rtl\u202e end\ud800"
    page = html_report.dashboard(report)
    assert "bell\\x07 esc\\x1b[2J nul\\x00 rtl\\u202e end\\ud800" in page
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]", page)
    page.encode("utf-8")  # no lone surrogate left: the page is valid UTF-8


# ---------------------------------------------------------------------------------------------
# The site


def ticket(id: str, title: str, status: str = "assigned", problem: str | None = None) -> Ticket:
    entry = Entry("AAAAAAAA", "2026-11-02T09:00:00Z", PAYLOADS["js"], "created", f"opened: {PAYLOADS['img']}\nline two",
                  (("title", title), ("status", status)))
    return Ticket(id=id, title=title, status=status, priority="P2", owner=PAYLOADS["js"], group="network",
                  category=PAYLOADS["style"], problem=problem, created="2026-11-02T09:00:00Z",
                  description=f"It broke.\n{PAYLOADS['script']}\n\x1b[31mred", timeline=(entry,))


def problem(id: str, incidents: tuple[str, ...]) -> Problem:
    return Problem(id=id, title=PAYLOADS["attr"], status="known_error", incidents=incidents,
                   workaround="restart the tunnel", created="2026-11-03T09:00:00Z")


def site_records() -> tuple[list[Ticket], list[Problem]]:
    tickets = [ticket("INC-7QK3F2", PAYLOADS["script"], problem="PRB-3KX9TQ"), ticket("REQ-4M9T2A", PAYLOADS["img"]),
               ticket("INC-5RW1KX", "closed one", status="closed", problem="PRB-3KX9TQ")]
    return tickets, [problem("PRB-3KX9TQ", ("INC-7QK3F2", "INC-5RW1KX")), problem("PRB-8D2WFM", ())]


def test_write_site_writes_the_index_and_a_page_per_open_ticket_and_problem(tmp_path: Path) -> None:
    out = tmp_path / "site"
    tickets, problems = site_records()
    written = html_report.write_site(out, payload_report(), tickets, problems)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["index.html", "problems/PRB-3KX9TQ.html", "problems/PRB-8D2WFM.html",
                     "tickets/INC-7QK3F2.html", "tickets/REQ-4M9T2A.html"]
    assert written == 5
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#]+)"', text):
            assert (page.parent / href).resolve().is_file(), f"{page.name} links to {href}, which is not there"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="tickets/INC-7QK3F2.html"' in index and 'href="problems/PRB-3KX9TQ.html"' in index
    assert 'href="tickets/INC-5RW1KX.html"' not in index  # closed: no page, so no link
    one = (out / "tickets" / "INC-7QK3F2.html").read_text(encoding="utf-8")
    assert 'href="../index.html"' in one and 'href="../problems/PRB-3KX9TQ.html"' in one
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in one and "<script" not in one
    assert "\\x1b[31mred" in one and "\x1b" not in one
    prb = (out / "problems" / "PRB-3KX9TQ.html").read_text(encoding="utf-8")
    assert 'href="../tickets/INC-7QK3F2.html"' in prb and 'href="../tickets/INC-5RW1KX.html"' not in prb


def test_write_site_again_replaces_its_own_site_and_drops_pages_of_closed_tickets(tmp_path: Path) -> None:
    out = tmp_path / "site"
    tickets, problems = site_records()
    html_report.write_site(out, demo_report(), tickets, problems)
    assert html_report.write_site(out, demo_report(), tickets[1:], problems[1:]) == 3
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == ["index.html", "problems/PRB-8D2WFM.html", "tickets/REQ-4M9T2A.html"]


def _tree(root: Path) -> dict[str, bytes | str]:
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() and not p.is_symlink() else "other")
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("case", ["file", "symlink", "foreign-folder", "foreign-index", "foreign-page", "page-symlink",
                                  "tickets-file"])
def test_write_site_refuses_a_folder_it_did_not_write_and_writes_nothing(tmp_path: Path, case: str) -> None:
    tickets, problems = site_records()
    out = tmp_path / "site"
    if case == "file":
        out.write_text("notes\n")
    elif case == "symlink":
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    elif case == "foreign-folder":
        out.mkdir()
        (out / "thesis.tex").write_text("mine\n")
    elif case == "foreign-index":
        out.mkdir()
        (out / "index.html").write_text("<!DOCTYPE html><title>my site</title>\n")
    else:
        html_report.write_site(out, demo_report(), tickets, problems)
        if case == "foreign-page":
            (out / "tickets" / "notes.html").write_text("mine\n")
        elif case == "page-symlink":
            (out / "tickets" / "INC-ZZZZ99.html").symlink_to(tmp_path / "secret")
        else:
            (out / "problems" / "PRB-3KX9TQ.html").unlink()
            (out / "problems" / "PRB-8D2WFM.html").unlink()
            (out / "problems").rmdir()
            (out / "problems").write_text("x\n")
    before = _tree(tmp_path)
    with pytest.raises(UsageError) as refused:
        html_report.write_site(out, payload_report(), tickets, problems)
    assert "\n" not in refused.value.one_line() and refused.value.exit_code == 2
    assert str(out) in refused.value.message
    assert _tree(tmp_path) == before


def test_write_site_makes_a_missing_folder_and_accepts_an_empty_one(tmp_path: Path) -> None:
    tickets, problems = site_records()
    assert html_report.write_site(tmp_path / "a" / "b", demo_report(), tickets, problems) == 5
    (tmp_path / "empty").mkdir()
    assert html_report.write_site(tmp_path / "empty", demo_report(), [], []) == 1


# ---------------------------------------------------------------------------------------------
# A real browser


def assert_dashboard_in_browser(index: Path, payloads: bool, tmp_path: Path,
                                sections: tuple[str, ...] = html_report.SECTION_ORDER) -> browser.Dom:
    """Open the page in headless Chromium: the charts and headings are in the DOM it built,
    nothing came from a payload, and screenshots at desktop and phone sizes are real."""
    dom = browser.parse_dom(browser.dump_dom(index))
    browser.assert_inert(dom)
    titles = {" ".join(e.text).strip() for e in dom.tags("title")}
    svgs = dom.tags("svg")
    assert len(svgs) == 4, [dict(s.attrs) for s in svgs]
    assert all(dict(s.attrs).get("role") == "img" and dict(s.attrs).get("aria-labelledby") for s in svgs)
    assert {"Backlog trend", "SLA compliance by priority", "Aging of open tickets", "Created per category"} <= titles
    headings = {" ".join(e.text).strip() for e in dom.tags("h2")}
    assert {html_report.SECTION_TITLES[s] for s in sections} <= headings
    if payloads:
        for payload in PAYLOADS.values():
            assert payload in dom.text, f"{payload!r} is not shown as text"
    for name, size in (("desktop", (1280, 2000)), ("phone", (390, 844))):
        png = browser.screenshot(index, tmp_path / f"{name}.png", *size)
        assert png.stat().st_size > 20_000, f"{name} screenshot is {png.stat().st_size} bytes"
        width, height, _ = browser.png_pixels(png, 1)
        assert (width, height) == size
        seen = browser.colours(png, 600 if name == "desktop" else 844)
        assert len(seen) > 50, f"{name} screenshot has {len(seen)} colours: a blank page?"
    return dom


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.mark.slow
def test_the_dashboard_renders_in_a_real_browser_with_payloads_inert(tmp_path: Path) -> None:
    index = tmp_path / "site" / "index.html"
    tickets, problems = site_records()
    html_report.write_site(index.parent, payload_report(), tickets, problems)
    dom = assert_dashboard_in_browser(index, payloads=True, tmp_path=tmp_path)
    hrefs = [v for t, n, v in dom.attributes() if n == "href" and v and not v.startswith("#")]
    assert hrefs and all((index.parent / h).is_file() for h in hrefs)
    # The charts were drawn, not just parsed: their colours are on the desktop screenshot.
    seen = browser.colours(tmp_path / "desktop.png", 1200)
    for colour in (html_report.CREATED_COLOUR, html_report.RESPONSE_COLOUR, html_report.PRIORITY_COLOURS["P3"]):
        assert _hex(colour) in seen, f"no {colour} on the screenshot"
    page = browser.parse_dom(browser.dump_dom(index.parent / "tickets" / "INC-7QK3F2.html"))
    browser.assert_inert(page)
    assert PAYLOADS["script"] in page.text and PAYLOADS["img"] in page.text


@pytest.mark.slow
def test_an_empty_report_renders_in_a_real_browser(tmp_path: Path) -> None:
    index = tmp_path / "empty.html"
    index.write_text(html_report.dashboard(empty_report()), encoding="utf-8")
    dom = browser.parse_dom(browser.dump_dom(index))
    browser.assert_inert(dom)
    assert not dom.tags("svg")
    assert "Nothing in this window: no ticket created, resolved or open." in dom.text
    assert set(html_report.SECTION_TITLES.values()) <= {" ".join(e.text).strip() for e in dom.tags("h2")}


# ---------------------------------------------------------------------------------------------
# End to end: a desk made by the CLI, `itsm report --format html` and `--output DIR`


def e2e_sections() -> list[str]:
    from itsm.reporting import report

    return list(report.SECTIONS)


@pytest.mark.slow
def test_itsm_report_html_of_a_desk_with_payloads_in_a_real_browser(desk: Path, run_itsm: Any, tmp_path: Path) -> None:
    def itsm(*args: str, now: str = "2026-11-20T09:00:00Z") -> str:
        done = run_itsm(*args, env={"ITSM_NOW": now})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    first = itsm("new", "-q", PAYLOADS["script"], "-c", "network/vpn", "--impact", "high", "--urgency", "high",
                 "-d", f"it broke {PAYLOADS['img']}")
    second = itsm("new", "-q", PAYLOADS["img"], "--owner", PAYLOADS["js"], "-d", "x")
    third = itsm("new", "-q", PAYLOADS["attr"], "-d", PAYLOADS["style"])
    fourth = itsm("new", "-q", "Printer offline", "-d", "x")
    itsm("resolve", fourth, "--workaround", PAYLOADS["attr"], now="2026-11-21T09:00:00Z")
    problem_id = itsm("problem", "new", f"{PAYLOADS['script']} problem", "-c", "network/vpn", "-i", first, "-i", third,
                      now="2026-11-22T09:00:00Z")
    sections = [arg for name in e2e_sections() for arg in ("--section", name)]
    single = run_itsm("report", "--format", "html", *sections, env={"ITSM_NOW": "2026-11-26T09:00:00Z"})
    assert single.returncode == 0, single.stderr
    page = tmp_path / "report.html"
    page.write_text(single.stdout, encoding="utf-8")
    dom = browser.parse_dom(browser.dump_dom(page))
    browser.assert_inert(dom)
    assert not [v for t, n, v in dom.attributes() if n == "href" and v and not v.startswith("#")]  # one file: no links
    for payload in (PAYLOADS["script"], PAYLOADS["attr"], PAYLOADS["js"]):
        assert payload in dom.text

    site = tmp_path / "site"
    done = run_itsm("report", "--format", "html", "--output", str(site), *sections, env={"ITSM_NOW": "2026-11-26T09:00:00Z"})
    assert done.returncode == 0, done.stderr
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert files == sorted(["index.html", f"problems/{problem_id}.html", f"tickets/{first}.html", f"tickets/{second}.html",
                            f"tickets/{third}.html"])  # the resolved one has no page
    dom = assert_dashboard_in_browser(site / "index.html", payloads=False, tmp_path=tmp_path, sections=tuple(e2e_sections()))
    hrefs = {v for t, n, v in dom.attributes() if n == "href" and v and not v.startswith("#")}
    assert f"tickets/{first}.html" in hrefs and all((site / h).is_file() for h in hrefs)
    for payload in (PAYLOADS["script"], PAYLOADS["attr"], PAYLOADS["js"]):
        assert payload in dom.text
    ticket_page = browser.parse_dom(browser.dump_dom(site / "tickets" / f"{first}.html"))
    browser.assert_inert(ticket_page)
    assert PAYLOADS["script"] in ticket_page.text and PAYLOADS["img"] in ticket_page.text
    assert {f"../problems/{problem_id}.html", "../index.html"} <= {v for _, n, v in ticket_page.attributes() if n == "href"}

    (site / "mine.txt").write_text("not the report's\n")
    refused = run_itsm("report", "--format", "html", "--output", str(site), env={"ITSM_NOW": "2026-11-26T09:00:00Z"})
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "mine.txt" in refused.stderr


def test_the_dashboard_prints_one_section_a_page_with_its_charts(tmp_path: Path) -> None:
    """Printed (Chromium's own print to PDF, A4 by default): more than one page — each section
    starts one — and the charts are drawn as vectors, not dropped."""
    index = tmp_path / "index.html"
    index.write_text(html_report.dashboard(demo_report()), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    browser.run_chromium(index, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", data))
    assert pages >= len(demo_report()["report"]["sections"]), pages  # 12 sections: 13 pages with the cards
    assert len(data) > 30_000


def test_a_long_list_shows_its_first_rows_and_says_how_many_more() -> None:
    report = demo_report()
    breach = report["sla"]["breaches"][0]
    report["sla"]["breaches"] = [{**breach, "id": f"INC-{n:06d}"} for n in range(html_report.SHOWN_ROWS + 7)]
    page = html_report.dashboard(report)
    assert "INC-000199" in page and "INC-000200" not in page
    assert "and 7 more: itsm report --format csv or --json lists them all." in page
    assert f"Breaches ({html_report.SHOWN_ROWS + 7})" in page
