"""Output formats shared by every reading command: table, md, csv, json. Cells and text are
escaped for the terminal (itsm/core/terminal.py); JSON carries the stored text exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from itsm.core.terminal import for_terminal

FORMATS = ("table", "md", "csv", "json")


_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def json_text(data: Any) -> str:
    """JSON for scripts. json.dumps escapes C0 controls already; DEL, C1, the bidi controls,
    U+2028/2029 and lone surrogates are escaped too, so the output is safe on a terminal and
    valid UTF-8, and reads back as the stored text."""
    text = _indented(data, "\n")
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


_dumps = json.JSONEncoder(ensure_ascii=False).encode
_quote = json.encoder.encode_basestring  # json's own quoting of a text (in C)


def _indented(value: Any, newline: str) -> str:
    """What `json.dumps(value, indent=2, ensure_ascii=False)` writes, several times faster:
    with an indent, json falls back to its pure-Python encoder, and `list --json` writes
    100,000 records. `newline` is the line break plus the indent of the value's own level.
    Values are what records hold: text, whole numbers, true/false, null, lists, mappings."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = newline + "  "
        return "{" + ",".join(f"{inner}{_quote(_key(k))}: {_indented(v, inner)}" for k, v in value.items()) \
            + newline + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + ",".join(inner + _indented(v, inner) for v in value) + newline + "]"
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return int.__repr__(value)
    return _dumps(value)  # a float, an int subclass; anything else raises TypeError as json does


def _key(key: Any) -> str:
    """A mapping key as json writes it: text as it is; true, false, null and numbers as text."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return _dumps(key)
    return str(key)


def rows(data: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Render rows (dicts) with the given columns; JSON gets the whole dicts."""
    if fmt == "json":
        return json_text(list(data))
    if fmt == "csv":
        import csv  # only CSV output needs it: kept off every command's start-up
        import io

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in data:
            writer.writerow([csv_cell(row.get(c)) for c in columns])
        return out.getvalue().rstrip("\n")
    table = [[_table_cell(row.get(c)) for c in columns] for row in data]
    if len(table) > TABULATE_ROWS and not any(_numbers(table, i) for i in range(len(columns))):
        return table_text(table, list(columns), fmt)
    from tabulate import tabulate  # only tables need it: keeps it off every command's start-up

    return tabulate(table, headers=list(columns), tablefmt="github" if fmt == "md" else "simple")


def _numbers(table: list[list[str]], column: int) -> bool:
    """Whether tabulate may take a column for numbers (and align it right): every cell that
    is not empty reads as one (a float, maybe with thousands separators). Erring towards yes
    only sends the table to tabulate itself."""
    cells = [row[column].strip() for row in table if row[column].strip()]
    if not cells:
        return False
    for cell in cells:
        try:
            float(cell.replace(",", ""))
        except ValueError:
            return False
    return True


# Past this many rows a table is written by `table_text`, the same text, written faster.
TABULATE_ROWS = 500


def table_text(table: list[list[str]], headers: list[str], fmt: str) -> str:
    """What tabulate writes for columns of text (not numbers), its "simple" format (or
    "github" for md): cells stripped and padded to the widest (a header gets two more),
    left-aligned. Written here because tabulate's own pass costs most of a second on the
    5,000 rows `itsm chase` lists on a big desk; tests/test_readmodel.py holds the two to the
    same text."""
    table = [[cell.strip() for cell in row] for row in table]
    heads = headers
    widths = [max([len(head) + 2, *(len(row[i]) for row in table)]) for i, head in enumerate(heads)]
    if fmt == "md":
        lines = ["| " + " | ".join(head.ljust(w) for head, w in zip(heads, widths, strict=True)) + " |",
                 "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        lines += ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |"
                  for row in table]
        return "\n".join(lines)
    lines = ["  ".join(head.ljust(w) for head, w in zip(heads, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` in
# a title typed by anyone who can file a ticket): OWASP's "CSV injection" advice is to start
# such a cell with an apostrophe, which the spreadsheet shows as text and does not run.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A CSV cell: true/false as in the record files, a mapping as JSON, a list joined with
    ", " (as in the table), and never a formula."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = _cell(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _table_cell(value: Any) -> str:
    # Escaped before tabulate measures it, so the columns stay aligned.
    return for_terminal(_cell(value), one_line=True)
