"""`itsm report --format html`: the report as one self-contained page, and (`--output DIR`)
a small static site of it with one page per open ticket and per problem.

The page fetches nothing: inline CSS, inline SVG charts, no JavaScript, no fonts, no images;
a Content-Security-Policy forbids scripts and fetches, so even a slip in the escaping below
could not run code. The escaping rule: every value that comes from the desk (titles, owners,
categories, groups, IDs, terms, times) goes through `_text` — control characters shown as
escapes (`render.for_terminal`), then `html.escape(quote=True)` — whether it lands in an
element, an SVG `<text>` or a quoted attribute. Fragments this module builds are `Html`; a
plain `str` reaching the output is always escaped. An ID becomes a link only after it matched
`ids.ID_RE`, so an href or a file name is never made of anything else.
"""

from __future__ import annotations

import html
import math
import os
import re
import stat
from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

from itsm.core.errors import UsageError
from itsm.core.fileio import atomic_write, kind_of
from itsm.core.ids import ID_RE
from itsm.core.model import Entry, Problem, Ticket, front_matter
from itsm.core.terminal import for_terminal

# The marker `write_site` looks for before it writes into a folder that is not empty.
GENERATOR = "itsm report"

SECTION_TITLES = {
    "backlog": "Backlog",
    "aging": "Aging of open tickets",
    "sla": "SLA compliance",
    "times": "Time to acknowledge and to resolve",
    "first_level": "First-level resolution",
    "escalations": "Escalations",
    "reopens": "Reopens",
    "trend": "Weekly trend",
    "problems": "Problems by linked incidents",
    "kb": "Knowledge base use",
    "types": "Requests and incidents",
    "candidates": "Problem candidates",
}
SECTION_ORDER = tuple(SECTION_TITLES)

# One colour per priority everywhere (cards, aging bars, SLA swatches): red to slate.
PRIORITY_COLOURS = {"P1": "#b91c1c", "P2": "#ea580c", "P3": "#ca8a04", "P4": "#2563eb", "P5": "#64748b",
                    "none": "#cbd5e1"}
OTHER_COLOUR = "#94a3b8"
CREATED_COLOUR = "#60a5fa"
RESOLVED_COLOUR = "#34d399"
OPEN_COLOUR = "#1e293b"
RESPONSE_COLOUR = "#6366f1"
RESOLUTION_COLOUR = "#0d9488"

_DOT = " \u00b7 "
_TIME_RE = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\dZ\Z")
_WEEK_RE = re.compile(r"^\d{4}-(W\d\d)\Z")


class Html(str):
    """A fragment this module built: trusted, never escaped again."""

    __slots__ = ()


def _text(value: Any, one_line: bool = True) -> Html:
    """A desk value as HTML text (safe in an element and in a quoted attribute)."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("\u2014")
    if isinstance(value, bool):
        return Html("yes" if value else "no")
    if isinstance(value, (list, tuple)):
        return Html(", ".join(_text(item, one_line) for item in value))
    if isinstance(value, dict):
        return Html(", ".join(f"{_text(k)}: {_text(v, one_line)}" for k, v in value.items()))
    return Html(html.escape(for_terminal(str(value), one_line=one_line), quote=True))


def _join(parts: Iterable[str]) -> Html:
    return Html("".join(_text(part) for part in parts))


def _tag(name: str, body: Any = "", **attributes: Any) -> Html:
    """`<name attr="...">body</name>`; attribute values escaped and quoted, names are ours."""
    attrs = "".join(f' {key.rstrip("_").replace("_", "-")}="{_text(value)}"' for key, value in attributes.items()
                    if value is not None)
    return Html(f"<{name}{attrs}>{_text(body)}</{name}>")


def _number(value: Any) -> float:
    """A finite number from the report, or 0 (never NaN or infinity into an SVG)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0.0
    return float(value) if math.isfinite(value) else 0.0


def _count(value: Any) -> Html:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _text(value)
    return Html(f"{value:,}" if isinstance(value, int) else f"{value:,.1f}")


def _rate(value: Any) -> Html:
    """A rate in 0..1 as a percentage; null (nothing to divide by) as a dash."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _text(None)
    percent = value * 100
    return Html(f"{percent:.0f}\u202f%" if abs(percent - round(percent)) < 1e-9 else f"{percent:.1f}\u202f%")


def _minutes(value: Any) -> Html:
    """Whole minutes as `45 min`, `3 h 20 min`, `2 d 4 h`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return _text(None)
    minutes = round(value)
    if minutes < 60:
        return Html(f"{minutes} min")
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return Html(f"{hours} h {rest} min" if rest else f"{hours} h")
    days, hours = divmod(hours, 24)
    return Html(f"{days} d {hours} h" if hours else f"{days} d")


def _time(value: Any) -> Html:
    if isinstance(value, str) and (match := _TIME_RE.match(value)):
        return Html(f"{match.group(1)} {match.group(2)}")
    return _text(value)


def _get(mapping: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(mapping, dict):
            return None
        mapping = mapping.get(key)
    return mapping


def _meta(report: dict[str, Any]) -> dict[str, Any]:
    meta = report.get("report")
    return meta if isinstance(meta, dict) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


# ---------------------------------------------------------------------------------------------
# Links: only a valid ID becomes an href (and, in write_site, a file name).


class _Links:
    """Which IDs link to a page: none (one file), every valid ID, or those written."""

    def __init__(self, pages: bool, linked: Collection[str] | None, prefix: str = "") -> None:
        self.pages = pages
        self.linked = linked
        self.prefix = prefix

    def to(self, record_id: Any, folder: str) -> Html:
        if not (self.pages and isinstance(record_id, str) and ID_RE.match(record_id)):
            return _tag("span", record_id, class_="id")
        if self.linked is not None and record_id not in self.linked:
            return _tag("span", record_id, class_="id")
        return _tag("a", record_id, href=f"{self.prefix}{folder}/{record_id}.html", class_="id")

    def ticket(self, record_id: Any) -> Html:
        return self.to(record_id, "tickets")

    def problem(self, record_id: Any) -> Html:
        return self.to(record_id, "problems")


# ---------------------------------------------------------------------------------------------
# Tables


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Collection[int] = (),
           caption: str | None = None) -> Html:
    head = _join(_tag("th", h, scope="col", class_="num" if i in numeric else None) for i, h in enumerate(headers))
    body = _join(
        _tag("tr", _join(_tag("td", cell, class_="num" if i in numeric else None) for i, cell in enumerate(row)))
        for row in rows
    )
    cap = _tag("caption", caption) if caption else Html("")
    return _tag("div", Html(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"),
                class_="scroll")


def _empty(text: str) -> Html:
    return _tag("p", text, class_="empty")


def _priority_badge(priority: Any) -> Html:
    colour = PRIORITY_COLOURS.get(priority, OTHER_COLOUR) if isinstance(priority, str) else OTHER_COLOUR
    if priority is None:
        return _text(None)
    return Html(f'<span class="prio"><span class="dot" style="background:{colour}"></span>{_text(priority)}</span>')


def _ref_rows(refs: Iterable[Any], links: _Links, extra: Sequence[tuple[str, Any]] = ()) -> list[list[Any]]:
    rows = []
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        row: list[Any] = [links.ticket(ref.get("id")), ref.get("title"), _priority_badge(ref.get("priority")),
                          ref.get("status"), ref.get("owner"), ref.get("group"), ref.get("category")]
        row.extend(render(ref.get(key)) for key, render in extra)
        rows.append(row)
    return rows


_REF_HEADERS = ["ID", "Title", "Priority", "Status", "Owner", "Group", "Category"]
# A list of tickets on the page shows this many: a 100k desk breaches thousands of clocks in a
# quarter, and a page of 10,000 rows is neither read nor light on a phone. The JSON and CSV
# carry every one, and the page says how many more there are.
SHOWN_ROWS = 200


def _ref_table(refs: Sequence[Any], links: _Links, extra: Sequence[tuple[str, Any]], headers: Sequence[str],
               numeric: Collection[int] = ()) -> Html:
    table = _table(headers, _ref_rows(refs[:SHOWN_ROWS], links, extra), numeric)
    if len(refs) <= SHOWN_ROWS:
        return table
    more = _tag("p", f"and {len(refs) - SHOWN_ROWS} more: itsm report --format csv or --json lists them all.",
                class_="empty")
    return _join([table, more])


# ---------------------------------------------------------------------------------------------
# SVG charts. Every chart: role="img", a <title> and <desc>, the numbers also in a table.


def _nice_step(top: float, ticks: int = 4) -> float:
    """A round step (1, 2, 5 x 10^n, at least 1) for about `ticks` gridlines up to `top`."""
    raw = max(top / ticks, 1.0)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw and float(factor * power).is_integer():
            return float(factor * power)
    return float(10 * power)


def _axis_top(value: float) -> tuple[float, float]:
    step = _nice_step(value)
    return step * max(1, math.ceil(value / step)), step


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: Iterable[str]) -> Html:
    head = (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{chart_id}-t">{_text(title)}</title><desc id="{chart_id}-d">{_text(desc)}</desc>')
    return Html(head + "".join(body) + "</svg>")


def _legend(items: Sequence[tuple[str, str]], x: float, y: float, line: bool = False) -> list[str]:
    parts = []
    for label, colour in items:
        if line and colour == OPEN_COLOUR:
            parts.append(f'<line x1="{_fmt(x)}" y1="{_fmt(y - 4)}" x2="{_fmt(x + 14)}" y2="{_fmt(y - 4)}" '
                         f'stroke="{colour}" stroke-width="2.5"/>')
        else:
            parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(y - 10)}" width="12" height="12" rx="2" fill="{colour}"/>')
        parts.append(f'<text x="{_fmt(x + 18)}" y="{_fmt(y)}" class="legend">{_text(label)}</text>')
        x += 28 + 8.6 * len(label)  # room for the phone's larger legend text
    return parts


def _figure(chart_id: str, title: str, svg: Html, caption: str, table_anchor: str) -> Html:
    link = _tag("a", "numbers", href=f"#{table_anchor}")
    return Html(f'<figure class="card" id="{chart_id}"><h3 aria-hidden="true">{_text(title)}</h3>{svg}'
                f"<figcaption>{_text(caption)} \u00b7 {link}</figcaption></figure>")


def _empty_figure(chart_id: str, title: str, text: str) -> Html:
    return Html(f'<figure class="card" id="{chart_id}"><h3>{_text(title)}</h3>{_empty(text)}</figure>')


def trend_chart(trend: Any) -> Html:
    """Created vs resolved per week (bars, left axis) and the open backlog at each week's
    end (a line, right axis: the backlog can be far larger than a week's flow)."""
    title = "Backlog trend"
    weeks = [w for w in _list(_get(trend, "weeks")) if isinstance(w, dict)]
    created = [_number(w.get("created")) for w in weeks]
    resolved = [_number(w.get("resolved")) for w in weeks]
    open_end = [_number(w.get("open_at_end")) for w in weeks]
    if not weeks or not any(created + resolved + open_end):
        return _empty_figure("chart-trend", title, "Nothing in this window: no ticket created, resolved or open.")
    width, height, left, right, top, bottom = 560, 290, 44, 48, 40, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    flow_top, flow_step = _axis_top(max(created + resolved))
    # The open line's own axis, on the same gridlines: a whole step per gridline.
    ticks = round(flow_top / flow_step)
    open_top = _nice_step(max(open_end) / ticks, 1) * ticks
    base = top + plot_h
    parts = _legend([("created", CREATED_COLOUR), ("resolved", RESOLVED_COLOUR), ("open at week's end", OPEN_COLOUR)],
                    left, 18, line=True)
    for i in range(ticks + 1):
        y = base - plot_h * i / ticks
        parts.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" class="axis" text-anchor="end">{_fmt(flow_step * i)}</text>')
        parts.append(f'<text x="{left + plot_w + 6}" y="{_fmt(y + 4)}" class="axis">{_fmt(open_top * i / ticks)}</text>')
    band = plot_w / len(weeks)
    bar = min(band * 0.36, 22)
    stride = max(1, math.ceil(46 / band))
    points = []
    for i, week in enumerate(weeks):
        centre = left + band * (i + 0.5)
        for offset, value, colour, what in ((-bar, created[i], CREATED_COLOUR, "created"),
                                            (0.0, resolved[i], RESOLVED_COLOUR, "resolved")):
            h = plot_h * value / flow_top
            parts.append(f'<rect x="{_fmt(centre + offset)}" y="{_fmt(base - h)}" width="{_fmt(bar)}" '
                         f'height="{_fmt(h)}" fill="{colour}"><title>{_text(week.get("week"))}: '
                         f'{_fmt(value)} {what}</title></rect>')
        points.append((centre, base - plot_h * open_end[i] / open_top))
        if i % stride == 0:
            label = week.get("week")
            match = _WEEK_RE.match(label) if isinstance(label, str) else None
            parts.append(f'<text x="{_fmt(centre)}" y="{base + 18}" class="axis" text-anchor="middle">'
                         f'{_text(match.group(1) if match else label)}</text>')
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" class="baseline"/>')
    parts.append(f'<polyline points="{" ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points)}" fill="none" '
                 f'stroke="{OPEN_COLOUR}" stroke-width="2.5" stroke-linejoin="round"/>')
    if len(points) <= 26:
        parts.extend(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3" fill="{OPEN_COLOUR}"/>' for x, y in points)
    desc = (f"{len(weeks)} weeks: {_fmt(sum(created))} created, {_fmt(sum(resolved))} resolved; "
            f"{_fmt(open_end[-1])} open at the end of the last week.")
    svg = _svg("svg-trend", width, height, title, desc, parts)
    return _figure("chart-trend", title, svg, desc, "trend")


def sla_chart(sla: Any, priorities: Sequence[str]) -> Html:
    """Compliance per priority, response and resolution side by side, 0-100 %."""
    title = "SLA compliance by priority"
    by: dict[str, dict[str, Any]] = {}
    for clock in ("response", "resolution"):
        for row in _list(_get(sla, clock, "by_priority")):
            if isinstance(row, dict):
                by.setdefault(str(row.get("priority")), {})[clock] = row
    order = [p for p in priorities if p in by] + [p for p in by if p not in priorities]
    rows: list[tuple[str, dict[str, Any]]] = [(p, by[p]) for p in order]
    totals = {clock: _get(sla, clock, "total") for clock in ("response", "resolution")}
    rows.append(("all", {k: v for k, v in totals.items() if isinstance(v, dict)}))
    measured = sum(_number(_get(r, c, "met")) + _number(_get(r, c, "missed")) for _, r in rows for c in ("response", "resolution"))
    if not measured:
        return _empty_figure("chart-sla", title, "Nothing in this window: no SLA clock started or stopped.")
    label_w, right = 56, 124  # room for "94.4 % (119/126)" at the phone's text size
    width = 560
    plot_w = width - label_w - right
    row_h, top = 38, 40
    height = top + row_h * len(rows) + 22
    parts = _legend([("response", RESPONSE_COLOUR), ("resolution", RESOLUTION_COLOUR)], label_w, 18)
    for i in range(5):
        x = label_w + plot_w * i / 4
        parts.append(f'<line x1="{_fmt(x)}" y1="{top - 6}" x2="{_fmt(x)}" y2="{top + row_h * len(rows)}" class="grid"/>')
        parts.append(f'<text x="{_fmt(x)}" y="{top + row_h * len(rows) + 16}" class="axis" text-anchor="middle">{25 * i}\u202f%</text>')
    for n, (priority, clocks) in enumerate(rows):
        y = top + row_h * n
        colour = PRIORITY_COLOURS.get(priority, OPEN_COLOUR if priority == "all" else OTHER_COLOUR)
        parts.append(f'<rect x="0" y="{y + 9}" width="8" height="14" rx="2" fill="{colour}"/>')
        parts.append(f'<text x="14" y="{y + 21}" class="label{" strong" if priority == "all" else ""}">'
                     f"{_text(priority)}</text>")
        for k, (clock, fill) in enumerate((("response", RESPONSE_COLOUR), ("resolution", RESOLUTION_COLOUR))):
            row = clocks.get(clock)
            met, missed = _number(_get(row, "met")), _number(_get(row, "missed"))
            bar_y = y + 4 + k * 14
            if met + missed == 0:
                parts.append(f'<text x="{label_w + 4}" y="{bar_y + 10}" class="note">no {clock} clock</text>')
                continue
            share = met / (met + missed)
            w = plot_w * share
            parts.append(f'<rect x="{label_w}" y="{bar_y}" width="{plot_w}" height="12" fill="#f1f5f9"/>')  # 100 %
            parts.append(f'<rect x="{label_w}" y="{bar_y}" width="{_fmt(w)}" height="12" fill="{fill}">'
                         f"<title>{_text(priority)} {clock}: {_fmt(met)} met, {_fmt(missed)} missed</title></rect>")
            parts.append(f'<text x="{_fmt(label_w + w + 5)}" y="{bar_y + 10}" class="value">'
                         f"{_rate(share)} ({_fmt(met)}/{_fmt(met + missed)})</text>")
    desc = (f"Response {_rate(_get(totals, 'response', 'compliance'))}, "
            f"resolution {_rate(_get(totals, 'resolution', 'compliance'))} of the clocks in the window met.")
    svg = _svg("svg-sla", width, height, title, desc, parts)
    return _figure("chart-sla", title, svg, desc, "sla")


def aging_chart(aging: Any, priorities: Sequence[str]) -> Html:
    """Open tickets per age bucket, stacked by priority."""
    title = "Aging of open tickets"
    buckets = [b for b in _list(_get(aging, "buckets")) if isinstance(b, dict)]
    counts = [_number(b.get("count")) for b in buckets]
    if not buckets or not any(counts):
        return _empty_figure("chart-aging", title, "No open tickets.")
    keys = list(priorities) or sorted({k for b in buckets for k in (b.get("by_priority") or {})})
    width, height, left, top, bottom = 560, 290, 44, 40, 34
    plot_w, plot_h = width - left - 16, height - top - bottom
    axis_top, step = _axis_top(max(counts))
    base = top + plot_h
    parts = _legend([(k, PRIORITY_COLOURS.get(k, OTHER_COLOUR)) for k in keys], left, 18)
    ticks = round(axis_top / step)
    for i in range(ticks + 1):
        y = base - plot_h * i / ticks
        parts.append(f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" class="axis" text-anchor="end">{_fmt(step * i)}</text>')
    band = plot_w / len(buckets)
    bar = min(band * 0.6, 64)
    for i, bucket in enumerate(buckets):
        x = left + band * (i + 0.5) - bar / 2
        y = base
        by_priority = bucket.get("by_priority")
        if not isinstance(by_priority, dict):
            by_priority = {}
        stacked = 0.0
        for key in keys:
            value = _number(by_priority.get(key))
            if not value:
                continue
            h = plot_h * value / axis_top
            y -= h
            stacked += value
            parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar)}" height="{_fmt(h)}" '
                         f'fill="{PRIORITY_COLOURS.get(key, OTHER_COLOUR)}"><title>{_text(bucket.get("label"))}, '
                         f"{_text(key)}: {_fmt(value)}</title></rect>")
        rest = counts[i] - stacked
        if rest > 0:  # counted but under no listed priority
            h = plot_h * rest / axis_top
            y -= h
            parts.append(f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar)}" height="{_fmt(h)}" fill="{OTHER_COLOUR}"/>')
        parts.append(f'<text x="{_fmt(x + bar / 2)}" y="{_fmt(base - plot_h * counts[i] / axis_top - 5)}" '
                     f'class="value" text-anchor="middle">{_fmt(counts[i])}</text>')
        parts.append(f'<text x="{_fmt(x + bar / 2)}" y="{base + 18}" class="axis" text-anchor="middle">'
                     f"{_text(bucket.get('label'))}</text>")
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" class="baseline"/>')
    desc = "; ".join(f"{b.get('label')}: {_fmt(c)}" for b, c in zip(buckets, counts, strict=True))
    svg = _svg("svg-aging", width, height, title, f"Open tickets by age: {desc}.", parts)
    return _figure("chart-aging", title, svg, "Open tickets by age and priority", "aging")


CATEGORY_BARS = 10


def category_chart(trend: Any) -> Html:
    """Tickets created per category in the window, most first (the rest in the table)."""
    title = "Created per category"
    totals = []
    for row in _list(_get(trend, "by_category")):
        if isinstance(row, dict):
            totals.append((sum(_number(v) for v in _list(row.get("created"))), row.get("category")))
    totals = [t for t in totals if t[0] > 0]
    totals.sort(key=lambda t: (-t[0], str(t[1])))
    if not totals:
        return _empty_figure("chart-categories", title, "Nothing in this window: no ticket created.")
    shown, rest = totals[:CATEGORY_BARS], totals[CATEGORY_BARS:]
    label_w, right, width, row_h, top = 170, 40, 560, 26, 12
    plot_w = width - label_w - right
    height = top + row_h * len(shown) + 8 + (18 if rest else 0)
    most = max(t[0] for t in shown)
    parts = []
    for n, (value, category) in enumerate(shown):
        y = top + row_h * n
        name = "(none)" if category is None else str(category)
        short = name if len(name) <= 20 else name[:19] + "\u2026"
        w = max(plot_w * value / most, 1.0)
        parts.append(f'<text x="{label_w - 8}" y="{y + 14}" class="label" text-anchor="end">{_text(short)}'
                     f"<title>{_text(name)}</title></text>")
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{_fmt(w)}" height="16" rx="2" fill="{CREATED_COLOUR}">'
                     f"<title>{_text(name)}: {_fmt(value)} created</title></rect>")
        parts.append(f'<text x="{_fmt(label_w + w + 5)}" y="{y + 14}" class="value">{_fmt(value)}</text>')
    if rest:
        parts.append(f'<text x="{label_w}" y="{height - 6}" class="note">and {len(rest)} more '
                     f"categories ({_fmt(sum(t[0] for t in rest))} tickets) in the table</text>")
    desc = f"{len(totals)} categories; the most: {shown[0][1] or '(none)'} with {_fmt(shown[0][0])}."
    svg = _svg("svg-categories", width, height, title, desc, parts)
    return _figure("chart-categories", title, svg, "Tickets created in the window, by category", "trend")


# ---------------------------------------------------------------------------------------------
# Sections


def _section(name: str, body: Html, title: str | None = None) -> Html:
    heading = _tag("h2", title or SECTION_TITLES.get(name, name))
    return Html(f'<section id="{_text(name)}">{heading}{body}</section>')


def _backlog(data: dict[str, Any], links: _Links) -> Html:
    priorities = [str(p) for p in _list(data.get("priorities"))]
    parts = [_tag("p", Html(f"<strong>{_count(data.get('open'))}</strong> open tickets."))]
    rows = [[_text(r.get("status")), *[_count(_get(r, "counts", p)) for p in priorities], _count(r.get("total"))]
            for r in _list(data.get("by_status")) if isinstance(r, dict)]
    if rows:
        parts.append(_table(["Status", *priorities, "Total"], rows, range(1, len(priorities) + 2),
                            caption="Open by status and priority"))
    groups = [[g.get("group") if g.get("group") is not None else "(none)", _count(g.get("open"))]
              for g in _list(data.get("by_group")) if isinstance(g, dict)]
    owners = [[o.get("owner"), _count(o.get("open"))] for o in _list(data.get("by_owner")) if isinstance(o, dict)]
    pair = []
    if groups:
        pair.append(_table(["Group", "Open"], groups, (1,), caption="By group"))
    if owners:
        pair.append(_table(["Owner", "Open"], owners, (1,), caption="By owner"))
    if pair:
        parts.append(_tag("div", _join(pair), class_="pair"))
    unowned = _list(data.get("unowned"))
    parts.append(_tag("h3", f"Unowned ({len(unowned)})"))
    parts.append(_ref_table(unowned, links, [("created", _time)], [*_REF_HEADERS, "Created"])
                 if unowned else _empty("Every open ticket has an owner."))
    return _join(parts)


def _aging(data: dict[str, Any], links: _Links, priorities: Sequence[str]) -> Html:
    buckets = [b for b in _list(data.get("buckets")) if isinstance(b, dict)]
    keys = list(priorities) or sorted({k for b in buckets for k in (b.get("by_priority") or {})})
    rows = [[b.get("label"), *[_count(_get(b, "by_priority", k)) for k in keys], _count(b.get("count"))]
            for b in buckets]
    parts = [_table(["Age", *keys, "Open"], rows, range(1, len(keys) + 2)) if rows else _empty("No open tickets.")]
    oldest = _list(data.get("oldest"))
    if oldest:
        parts.append(_tag("h3", "Oldest open tickets"))
        parts.append(_table([*_REF_HEADERS, "Age (days)"],
                            _ref_rows(oldest, links, [("age_days", _count)]), (7,)))
    return _join(parts)


def _sla(data: dict[str, Any], links: _Links) -> Html:
    parts = []
    for clock in ("response", "resolution"):
        rows = [[_priority_badge(r.get("priority")), _count(r.get("met")), _count(r.get("missed")), _rate(r.get("compliance"))]
                for r in _list(_get(data, clock, "by_priority")) if isinstance(r, dict)]
        total = _get(data, clock, "total")
        if isinstance(total, dict):
            rows.append([Html("<strong>all</strong>"), _count(total.get("met")), _count(total.get("missed")),
                         _rate(total.get("compliance"))])
        parts.append(_table(["Priority", "Met", "Missed", "Compliance"], rows, (1, 2, 3), caption=f"{clock.title()}")
                     if rows else _empty(f"No {clock} clock in this window."))
    breaches = _list(data.get("breaches"))
    body = [_tag("div", _join(parts), class_="pair"), _tag("h3", f"Breaches ({len(breaches)})")]
    body.append(_ref_table(breaches, links, [("clock", _text), ("due", _time),
                                             ("stopped", lambda v: _time(v) if v else Html("running"))],
                           [*_REF_HEADERS, "Clock", "Due", "Stopped"])
                if breaches else _empty("No breaches in this window."))
    return _join(body)


def _times(data: dict[str, Any]) -> Html:
    parts = []
    for key, name in (("mtta", "MTTA: created to first response"), ("mttr", "MTTR: created to resolved")):
        block = data.get(key)
        if not isinstance(block, dict):
            continue
        rows = []
        overall = block.get("overall")
        if isinstance(overall, dict):
            rows.append([Html("<strong>all</strong>"), _count(overall.get("count")),
                         _minutes(overall.get("median_minutes")), _minutes(overall.get("p90_minutes"))])
        for row in _list(block.get("by_priority")):
            if isinstance(row, dict):
                rows.append([_priority_badge(row.get("priority")), _count(row.get("count")),
                             _minutes(row.get("median_minutes")), _minutes(row.get("p90_minutes"))])
        parts.append(_table(["Priority", "Tickets", "Median", "p90"], rows, (1, 2, 3), caption=name))
        cats = [[r.get("category") if r.get("category") is not None else "(none)", _count(r.get("count")),
                 _minutes(r.get("median_minutes")), _minutes(r.get("p90_minutes"))]
                for r in _list(block.get("by_category")) if isinstance(r, dict)]
        if cats:
            parts.append(_table(["Category", "Tickets", "Median", "p90"], cats, (1, 2, 3), caption=f"{key.upper()} by category"))
    return _tag("div", _join(parts), class_="pair") if parts else _empty("Nothing measured in this window.")


def _rate_section(data: dict[str, Any], part: str, whole: str, part_label: str, whole_label: str) -> Html:
    rows = [[whole_label, _count(data.get(whole))], [part_label, _count(data.get(part))], ["Rate", _rate(data.get("rate"))]]
    return _table(["", "Tickets"], rows, (1,))


def _escalations(data: dict[str, Any]) -> Html:
    rows = [["Functional (to another group or level)", _count(data.get("functional"))],
            ["Hierarchical (to management)", _count(data.get("hierarchical"))],
            ["Major incidents", _count(data.get("major"))],
            ["Tickets escalated", _count(data.get("tickets"))]]
    return _table(["Escalation", "Count"], rows, (1,))


def _trend(data: dict[str, Any]) -> Html:
    weeks = [w for w in _list(data.get("weeks")) if isinstance(w, dict)]
    if not weeks:
        return _empty("No weeks in this window.")
    rows = [[w.get("week"), w.get("start"), _count(w.get("created")), _count(w.get("resolved")), _count(w.get("open_at_end"))]
            for w in weeks]
    parts = [_table(["Week", "Starts", "Created", "Resolved", "Open at end"], rows, (2, 3, 4))]
    cats = [c for c in _list(data.get("by_category")) if isinstance(c, dict)]
    if cats:
        labels = []
        for w in weeks:
            match = _WEEK_RE.match(w.get("week") or "") if isinstance(w.get("week"), str) else None
            labels.append(match.group(1) if match else str(w.get("week")))
        rows = []
        for c in cats:
            created, resolved = _list(c.get("created")), _list(c.get("resolved"))
            cells = [Html(f"{_count(a)}/{_count(b)}") for a, b in zip(created, resolved, strict=False)]
            rows.append([c.get("category") if c.get("category") is not None else "(none)",
                         _count(sum(_number(v) for v in created)), _count(sum(_number(v) for v in resolved)), *cells])
        parts.append(_table(["Category", "Created", "Resolved", *labels], rows, range(1, len(labels) + 3),
                            caption="By category, created/resolved per week"))
    return _join(parts)


def _problems(data: list[Any], links: _Links) -> Html:
    rows = [[links.problem(p.get("id")), p.get("title"), p.get("status"), _count(p.get("incidents")),
             _count(p.get("open_incidents")), _rate(p.get("workaround_share")), _rate(p.get("fix_share"))]
            for p in data if isinstance(p, dict)]
    if not rows:
        return _empty("No problem has incidents linked.")
    return _table(["ID", "Title", "Status", "Incidents", "Open", "Workaround", "Fix"], rows, (3, 4, 5, 6))


def _kb(data: dict[str, Any]) -> Html:
    rows = [[_tag("span", a.get("id"), class_="id"), a.get("title"), _count(a.get("resolved"))]
            for a in _list(data.get("articles")) if isinstance(a, dict)]
    parts = [_table(["Article", "Title", "Tickets resolved"], rows, (2,)) if rows
             else _empty("No ticket in this window was resolved with an article.")]
    parts.append(_tag("p", Html(f"{_count(data.get('unused'))} articles resolved no ticket in this window.")))
    return _join(parts)


def _types(data: list[Any]) -> Html:
    rows = [[t.get("type"), _count(t.get("created")), _count(t.get("resolved")), _count(t.get("open"))]
            for t in data if isinstance(t, dict)]
    return _table(["Type", "Created", "Resolved", "Open"], rows, (1, 2, 3)) if rows else _empty("Nothing in this window.")


def _candidates(data: list[Any], links: _Links, scope: Any = None) -> Html:
    groups = [g for g in data if isinstance(g, dict)]
    if not groups:
        return _empty("No group of three or more similar incidents without a problem.")
    intro = "Similar incidents in the window with no problem linked: each group may deserve a problem record."
    if isinstance(scope, dict) and isinstance(scope.get("compared"), int) and isinstance(scope.get("incidents"), int) \
            and scope["compared"] < scope["incidents"]:
        intro += f" Compared: the latest {scope['compared']} of the {scope['incidents']} incidents with no problem."
    parts = [_tag("p", intro)]
    for n, group in enumerate(groups, 1):
        terms = _list(group.get("terms"))
        tickets = _list(group.get("tickets"))
        parts.append(_tag("h3", Html(f"Group {n}: {len(tickets)} incidents \u00b7 "
                                     + ", ".join(f"<mark>{_text(t)}</mark>" for t in terms))))
        parts.append(_ref_table(tickets, links, [("created", _time)], [*_REF_HEADERS, "Created"]))
    return _join(parts)


def _gates(data: list[Any]) -> Html:
    items = []
    for gate in data:
        if not isinstance(gate, dict):
            continue
        failed = bool(gate.get("failed"))
        state = "failed" if failed else "passed"
        items.append(_tag("li", Html(f"<strong>{_text(gate.get('gate'))}</strong> {state}: {_text(gate.get('summary'))}"),
                          class_=state))
    return _tag("ul", _join(items), class_="gates")


# ---------------------------------------------------------------------------------------------
# KPI cards


_UNIT_RE = re.compile("(\\d)[ \u202f]?(min|h|d|%)(?![a-z])")


def _card(label: str, value: Html, sub: str | Html = "", alert: bool = False) -> Html:
    value = Html(_UNIT_RE.sub(r'\1<span class="unit">\2</span>', value))  # only our digits and units
    return Html(f'<div class="kpi{" alert" if alert else ""}"><div class="kpi-label">{_text(label)}</div>'
                f'<div class="kpi-value">{value}</div><div class="kpi-sub">{_text(sub)}</div></div>')


def _cards(report: dict[str, Any]) -> Html:
    cards = []
    backlog = report.get("backlog")
    if isinstance(backlog, dict):
        unowned = len(_list(backlog.get("unowned")))
        cards.append(_card("Open", _count(backlog.get("open")), "tickets in the backlog"))
        cards.append(_card("Unowned", _count(unowned), "open, no owner", alert=unowned > 0))
    sla = report.get("sla")
    if isinstance(sla, dict):
        breaches = [b for b in _list(sla.get("breaches")) if isinstance(b, dict)]
        running = sum(1 for b in breaches if b.get("running"))
        cards.append(_card("SLA breaches", _count(len(breaches)), f"{running} still running" if breaches else "none",
                           alert=bool(breaches)))
    times = report.get("times")
    if isinstance(times, dict):
        for key, label, sub in (("mtta", "MTTA median", "to first response"), ("mttr", "MTTR median", "to resolution")):
            overall = _get(times, key, "overall")
            count = _get(overall, "count")
            cards.append(_card(label, _minutes(_get(overall, "median_minutes")),
                               Html(f"{sub} \u00b7 p90 {_minutes(_get(overall, 'p90_minutes'))} \u00b7 {_count(count or 0)} tickets")))
    first = report.get("first_level")
    if isinstance(first, dict):
        cards.append(_card("First-level resolution", _rate(first.get("rate")),
                           Html(f"{_count(first.get('at_first_level'))} of {_count(first.get('resolved'))} resolved")))
    reopens = report.get("reopens")
    if isinstance(reopens, dict):
        cards.append(_card("Reopen rate", _rate(reopens.get("rate")),
                           Html(f"{_count(reopens.get('reopened'))} of {_count(reopens.get('resolved'))} resolved")))
    return _tag("div", _join(cards), class_="kpis") if cards else Html("")


# ---------------------------------------------------------------------------------------------
# The page


CSS = """
:root{color-scheme:light;--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--alert:#b91c1c}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1200px;margin:0 auto;padding:24px 28px 48px}
header.top{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:4px 24px;border-bottom:1px solid var(--line);padding-bottom:12px;margin-bottom:20px}
h1{font-size:24px;margin:0;letter-spacing:-.01em}
h1 small{font-weight:400;color:var(--muted);font-size:16px}
.meta{color:var(--muted);font-size:13px}
h2{font-size:19px;margin:0 0 12px;padding-bottom:6px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:18px 0 8px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 20px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:20px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.kpi-label{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);font-weight:600}
.kpi-value{font-size:30px;white-space:nowrap;font-weight:700;font-variant-numeric:tabular-nums;line-height:1.2;margin:4px 0 2px}
.kpi-value .unit{font-size:.6em;font-weight:600;color:var(--muted);margin:0 .25em 0 .1em}
.kpi-sub{font-size:12px;color:var(--muted)}
.kpi.alert{border-color:#fecaca;box-shadow:inset 4px 0 0 var(--alert)}
.kpi.alert .kpi-value{color:var(--alert)}
.charts{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px;margin-bottom:20px}
figure.card{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
figure.card h3{margin:0 0 8px}
figcaption{font-size:12px;color:var(--muted);margin-top:4px}
svg.chart{display:block;width:100%;height:auto;-webkit-print-color-adjust:exact;print-color-adjust:exact}
svg .grid{stroke:#e2e8f0;stroke-width:1}
svg .baseline{stroke:#94a3b8;stroke-width:1}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#334155}
svg .axis{font-size:11px;fill:#64748b}
svg .legend{font-size:12px;fill:#334155}
svg .value{font-size:11.5px;fill:#0f172a;font-variant-numeric:tabular-nums}
svg .label{font-size:12.5px}
svg .strong{font-weight:700}
svg .note{font-size:11.5px;fill:#94a3b8;font-style:italic}
.scroll{overflow-x:auto;margin:0 0 12px}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{text-align:left;font-weight:600;padding:0 0 6px;color:var(--ink)}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tbody tr:hover{background:#f1f5f9}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:0 24px}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;white-space:nowrap}
a{color:#1d4ed8;text-decoration:none}
a:hover{text-decoration:underline}
.prio{white-space:nowrap}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px;vertical-align:baseline}
.empty{color:var(--muted);font-style:italic;margin:6px 0 12px}
mark{background:#fef3c7;padding:0 3px;border-radius:3px}
ul.gates{list-style:none;padding:0;margin:0 0 20px}
ul.gates li{padding:8px 12px;border-radius:8px;margin-bottom:6px;background:#ecfdf5;border:1px solid #a7f3d0}
ul.gates li.failed{background:#fef2f2;border-color:#fecaca;color:var(--alert)}
dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.fields dt{color:var(--muted);font-size:13px}
dl.fields dd{margin:0}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline li{border-left:3px solid var(--line);padding:4px 0 10px 14px}
ol.timeline .when{font-size:13px;color:var(--muted)}
nav.back{margin-bottom:12px;font-size:14px}
footer{color:var(--muted);font-size:12px;margin-top:24px}
@media (max-width:700px){
 main{padding:14px 12px 32px}
 .charts,.pair{grid-template-columns:1fr}
 .kpis{grid-template-columns:repeat(2,minmax(0,1fr))}
 .kpi-value{font-size:24px}
 section{padding:14px 12px}
 th,td{padding:5px 6px}
 table{font-size:13px}
 svg .axis{font-size:14px}
 svg .legend{font-size:15px}
 svg .value,svg .note{font-size:13.5px}
 svg .label{font-size:14px}
}
@media print{
 body{background:none;font-size:11pt}
 main{max-width:none;padding:0}
 section,figure.card,.kpi{border-color:#cbd5e1;box-shadow:none;background:none}
 section{break-before:page;border:0;padding:0}
 .charts{grid-template-columns:repeat(2,minmax(0,1fr))}
 figure.card{break-inside:avoid}
 tr{break-inside:avoid}
 .scroll{overflow:visible}
 a{color:inherit}
 tbody tr:hover{background:none}
}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _page(title: str, body: Html) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="generator" content="{GENERATOR}">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_text(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _header(report: dict[str, Any]) -> Html:
    meta = _meta(report)
    desk = meta.get("desk") or "desk"
    window = Html(f"{_time(meta.get('since'))} \u2192 {_time(meta.get('until'))} UTC")
    lines = [Html(f"Window {window}"), Html(f"generated {_time(meta.get('generated'))} UTC")]
    as_of = meta.get("as_of")
    if isinstance(as_of, dict):
        commit = as_of.get("commit")
        short = commit[:10] if isinstance(commit, str) else commit
        lines.append(Html(f"as of {_time(as_of.get('date'))} (commit {_tag('span', short, class_='id')})"))
    if meta.get("business_hours"):
        lines.append(Html("durations in business hours"))
    return Html(f'<header class="top"><h1>Service desk report <small>{_text(desk)}</small></h1>'
                f'<div class="meta">{_DOT.join(lines)}</div></header>')


def dashboard(report: dict[str, Any], pages: bool = False, *, linked: Collection[str] | None = None) -> str:
    """The report (report-schema's dict) as one self-contained HTML5 page.

    With `pages`, ticket and problem IDs link to `tickets/<ID>.html` / `problems/<ID>.html`
    (only the IDs in `linked`, when given: the pages `write_site` wrote)."""
    links = _Links(pages, linked)
    meta = _meta(report)
    listed = [s for s in _list(meta.get("sections")) if isinstance(s, str)]
    present = [s for s in (listed or SECTION_ORDER) if s in SECTION_TITLES and s in report]
    present += [s for s in SECTION_ORDER if s in report and s not in present]
    priorities = [str(p) for p in _list(_get(report, "backlog", "priorities"))]
    if not priorities:
        seen = {k for b in _list(_get(report, "aging", "buckets")) if isinstance(b, dict)
                for k in (b.get("by_priority") or {})}
        priorities = [p for p in (*PRIORITY_COLOURS,) if p in seen] + sorted(seen - set(PRIORITY_COLOURS))

    parts = [_header(report)]
    if isinstance(report.get("gates"), list):
        parts.append(_gates(report["gates"]))
    parts.append(_cards(report))
    charts = []
    if "trend" in present:
        charts.append(trend_chart(report["trend"]))
    if "sla" in present:
        charts.append(sla_chart(report["sla"], priorities))
    if "aging" in present:
        charts.append(aging_chart(report["aging"], priorities))
    if "trend" in present:
        charts.append(category_chart(report["trend"]))
    if charts:
        parts.append(_tag("div", _join(charts), class_="charts"))
    for name in present:
        data = report[name]
        if name == "backlog" and isinstance(data, dict):
            body = _backlog(data, links)
        elif name == "aging" and isinstance(data, dict):
            body = _aging(data, links, priorities)
        elif name == "sla" and isinstance(data, dict):
            body = _sla(data, links)
        elif name == "times" and isinstance(data, dict):
            body = _times(data)
        elif name == "first_level" and isinstance(data, dict):
            body = _rate_section(data, "at_first_level", "resolved", "At first level, no functional escalation",
                                 "Resolved in the window")
        elif name == "escalations" and isinstance(data, dict):
            body = _escalations(data)
        elif name == "reopens" and isinstance(data, dict):
            body = _rate_section(data, "reopened", "resolved", "Reopened", "Resolved in the window")
        elif name == "trend" and isinstance(data, dict):
            body = _trend(data)
        elif name == "problems" and isinstance(data, list):
            body = _problems(data, links)
        elif name == "kb" and isinstance(data, dict):
            body = _kb(data)
        elif name == "types" and isinstance(data, list):
            body = _types(data)
        elif name == "candidates" and isinstance(data, list):
            body = _candidates(data, links, report.get("candidates_scope"))
        else:
            body = _empty("Nothing to show.")
        parts.append(_section(name, body))
    parts.append(_tag("footer", "Written by itsm report. Self-contained: no script, nothing fetched."))
    desk = meta.get("desk") or "desk"
    return _page(f"Service desk report \u00b7 {desk}", _join(parts))


# ---------------------------------------------------------------------------------------------
# Record pages and the site


def _fields(record: Ticket | Problem, links: _Links) -> Html:
    items = []
    for key, value in front_matter(record).items():
        if key in ("id", "title") or value in (None, [], "", 0, False):
            continue
        if key == "problem" and isinstance(value, str):
            shown: Html = links.problem(value)
        elif key in ("related", "incidents") and isinstance(value, list):
            shown = Html(", ".join(links.ticket(v) for v in value))
        elif key == "priority":
            shown = _priority_badge(value)
        elif isinstance(value, str) and _TIME_RE.match(value):
            shown = Html(f"{_time(value)} UTC")
        else:
            shown = _text(value)
        items.append(Html(f"<dt>{_text(key)}</dt><dd>{shown}</dd>"))
    return Html(f'<dl class="fields">{"".join(items)}</dl>')


def _timeline(entries: Sequence[Entry]) -> Html:
    if not entries:
        return _empty("No timeline entries.")
    items = []
    for entry in entries:
        changed = ", ".join(f"{_text(k)} \u2192 {_text(v)}" for k, v in entry.changes)
        text = _tag("p", _text(entry.text, one_line=False), class_="text") if entry.text else Html("")
        sets = _tag("div", Html(f"set {changed}"), class_="when") if changed else Html("")
        items.append(_tag("li", Html(f'<div class="when">{_time(entry.time)} UTC \u00b7 {_text(entry.kind)} \u00b7 '
                                     f"{_text(entry.actor)}</div>{text}{sets}")))
    return _tag("ol", _join(items), class_="timeline")


def record_page(record: Ticket | Problem, linked: Collection[str]) -> str:
    """One ticket's or problem's page in the site: title, fields, description, timeline."""
    links = _Links(True, linked, prefix="../")
    what = "Problem" if isinstance(record, Problem) else ("Request" if record.type == "request" else "Incident")
    nav = _tag("nav", Html('<a href="../index.html">\u2190 Report</a>'), class_="back")
    head = Html(f'<header class="top"><h1>{_tag("span", record.id, class_="id")} {_text(record.title)}</h1>'
                f'<div class="meta">{_text(what)} \u00b7 {_text(record.status)}</div></header>')
    description = (_tag("p", _text(record.description, one_line=False), class_="text") if record.description
                   else _empty("No description."))
    body = [nav, head,
            _section("fields", _fields(record, links), "Fields"),
            _section("description", description, "Description"),
            _section("timeline", _timeline(record.timeline), "Timeline")]
    return _page(f"{record.id} {record.title}", _join(body))


_SITE_DIRS = ("tickets", "problems")
_PAGE_RE = re.compile(r"^([A-Z]{1,8}-[0-9A-Z]{4,16})\.html\Z")
_TEMP_RE = re.compile(r"^\..+\.html\.\d+\.[A-Za-z0-9_]+\.tmp\Z")  # atomic_write's, left by a crash


def _refuse(out: Path, why: str) -> UsageError:
    return UsageError(f"cannot write the report site to {for_terminal(str(out), one_line=True)}: {why}",
                      hint="give --output a new or empty folder, or one an earlier itsm report wrote")


def _check_site_folder(out: Path) -> list[Path]:
    """Refuse (UsageError) unless `out` is missing, an empty folder, or a site this module
    wrote; returns the old pages in it (to remove once the new ones are written).

    The rule: a folder that is not empty is ours only when it holds an `index.html` that
    starts with this module's generator mark and nothing else but `tickets/` and `problems/`
    folders of `<ID>.html` pages (and atomic_write's leftovers). A symbolic link anywhere on
    that list, or any other file, and nothing is written: `--output` never overwrites or
    deletes what someone else put there."""
    try:
        info = os.lstat(out)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _refuse(out, exc.strerror or "cannot read it") from None
    if stat.S_ISLNK(info.st_mode):
        raise _refuse(out, "it is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise _refuse(out, f"it is a {kind_of(info.st_mode)}, not a folder")
    names = sorted(os.listdir(out))
    if not names:
        return []
    foreign = [n for n in names if n not in ("index.html", *_SITE_DIRS) and not _TEMP_RE.match(n)]
    if foreign:
        raise _refuse(out, f"it holds {for_terminal(foreign[0], one_line=True)}, which itsm report did not write")
    index = out / "index.html"
    index_info = os.lstat(index) if "index.html" in names else None
    if index_info is None or not stat.S_ISREG(index_info.st_mode):
        raise _refuse(out, "it is not empty and holds no index.html that itsm report wrote")
    with open(index, "rb") as handle:
        start = handle.read(1024)
    if f'<meta name="generator" content="{GENERATOR}">'.encode() not in start:
        raise _refuse(out, "its index.html was not written by itsm report")
    old = []
    for folder in _SITE_DIRS:
        path = out / folder
        if folder not in names:
            continue
        sub = os.lstat(path)
        if not stat.S_ISDIR(sub.st_mode):
            raise _refuse(out, f"{folder} is a {kind_of(sub.st_mode)}, not a folder")
        for name in sorted(os.listdir(path)):
            page = path / name
            if _TEMP_RE.match(name):
                continue
            if not _PAGE_RE.match(name) or not stat.S_ISREG(os.lstat(page).st_mode):
                raise _refuse(out, f"{folder}/{for_terminal(name, one_line=True)} was not written by itsm report")
            old.append(page)
    return old


def check_output(out: Path) -> None:
    """Refuse (UsageError) an `--output` folder `write_site` would refuse, before the report
    is computed: the same rule, so a refusal costs no read of the desk."""
    _check_site_folder(out)


def write_site(out: Path, report: dict[str, Any], tickets: Sequence[Ticket], problems: Sequence[Problem]) -> int:
    """Write the report as a small static site: `out/index.html` (the dashboard, linked) and
    `out/tickets/<ID>.html` per given open ticket, `out/problems/<ID>.html` per problem.
    Returns the number of files written. Pages of an earlier run for records no longer
    given (a ticket since closed) are removed. Refuses (UsageError) before writing anything
    when `out` is not a folder this may write into (see `_check_site_folder`)."""
    old = _check_site_folder(out)
    open_tickets = {t.id: t for t in tickets if t.is_open and ID_RE.match(t.id)}
    kept_problems = {p.id: p for p in problems if ID_RE.match(p.id)}
    linked = set(open_tickets) | set(kept_problems)
    try:
        out.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        pages: list[tuple[str, Ticket | Problem]] = [("tickets", t) for t in open_tickets.values()]
        pages += [("problems", p) for p in kept_problems.values()]
        for folder, record in sorted(pages, key=lambda pair: (pair[0], pair[1].id)):
            path = out / folder / f"{record.id}.html"
            atomic_write(path, record_page(record, linked))
            written.append(path)
        atomic_write(out / "index.html", dashboard(report, pages=True, linked=linked))
        written.append(out / "index.html")
        for page in old:
            if page not in written:
                page.unlink(missing_ok=True)
    except OSError as exc:
        raise _refuse(out, exc.strerror or str(exc)) from None
    return len(written)
