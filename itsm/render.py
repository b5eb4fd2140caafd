"""Output formats shared by every reading command: table, md, csv, json."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "md", "csv", "json")


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def rows(data: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Render rows (dicts) with the given columns; JSON gets the whole dicts."""
    if fmt == "json":
        return to_json(list(data))
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in data:
            writer.writerow([_cell(row.get(c)) for c in columns])
        return out.getvalue().rstrip("\n")
    from tabulate import tabulate  # only tables need it: keeps it off every command's start-up

    table = [[_cell(row.get(c)) for c in columns] for row in data]
    return tabulate(table, headers=list(columns), tablefmt="github" if fmt == "md" else "simple")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)
