"""docs/lifecycle.md's transition table says exactly what itsm/domain/lifecycle.py allows."""

from __future__ import annotations

import re

from itsm.core.model import STATUSES
from itsm.domain.lifecycle import TRANSITIONS
from tests.conftest import REPO


def test_the_documented_table_is_the_code_table() -> None:
    text = (REPO / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([a-z-]+)`[^|]*\|(.*)\|$", text, re.MULTILINE)
    documented = {}
    for action, cells in rows:
        values = [c.strip().rstrip("¹²³⁴⁵") for c in cells.split("|")]
        if len(values) == len(STATUSES):
            documented[action] = {s: v for s, v in zip(STATUSES, values, strict=True) if v != "—"}
    assert set(documented) == set(TRANSITIONS)
    for action, table in TRANSITIONS.items():
        assert documented[action] == table, action
