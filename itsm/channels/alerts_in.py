"""A monitoring alert's webhook payload (Alertmanager's, or the generic JSON) read into plain
values. Pure: bytes in, `Alert`s out; itsm/operations/ingest.py takes them into the desk.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from itsm.channels.untrusted import IntakeError, TooLarge, describe_size, one_line, text_block

MAX_ALERTS = 1000  # alerts in one payload (Alertmanager sends a group; its max_alerts is often 0 = all)


ALERT_FORMATS = ("alertmanager", "generic")
ALERT_STATES = ("firing", "resolved")


@dataclass(frozen=True)
class Alert:
    fingerprint: str  # `<source>:<key>`: what makes two notifications the same alert
    status: str  # firing or resolved
    title: str
    description: str
    labels: dict[str, str]
    started: str | None  # when it started firing (the occurrence's identity), ISO
    ended: str | None  # when it recovered, ISO
    link: str | None = None


def parse_alerts(payload: bytes, fmt: str, max_bytes: int) -> list[Alert]:
    """The alerts of one webhook payload. Refuses malformed JSON and a wrong shape in one line."""
    if fmt not in ALERT_FORMATS:
        raise IntakeError(f"unknown alert format '{fmt}'", hint=f"use one of: {', '.join(ALERT_FORMATS)}")
    if len(payload) > max_bytes:
        raise TooLarge(f"the payload is {describe_size(len(payload))}, over the {describe_size(max_bytes)} limit (serve.max_body)")
    try:
        data = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise IntakeError("the payload is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise IntakeError(f"the payload is not JSON: {reason}{where}") from None
    alerts = _alertmanager(data) if fmt == "alertmanager" else _generic(data)
    if len(alerts) > MAX_ALERTS:
        raise IntakeError(f"the payload holds {len(alerts)} alerts, over the limit of {MAX_ALERTS}")
    return alerts


def _alertmanager(data: Any) -> list[Alert]:
    """Alertmanager's webhook (version 4): https://prometheus.io/docs/alerting/latest/configuration/#webhook_config"""
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        raise IntakeError("not an Alertmanager webhook payload: it needs an 'alerts' list",
                          hint="Alertmanager sends version 4; for other tools use --format generic")
    version = data.get("version")
    if version is not None and str(version) != "4":
        raise IntakeError(f"Alertmanager webhook version '{one_line(str(version), 20)}' is not supported (only 4)")
    common = _labels(data.get("commonLabels"), "commonLabels")
    found = []
    for n, item in enumerate(data["alerts"]):
        where = f"alerts[{n}]"
        if not isinstance(item, dict):
            raise IntakeError(f"{where} is not an object")
        labels = {**common, **_labels(item.get("labels"), f"{where}.labels")}
        annotations = _labels(item.get("annotations"), f"{where}.annotations")
        status = item.get("status", data.get("status"))
        if status not in ALERT_STATES:
            raise IntakeError(f"{where}.status must be firing or resolved")
        fingerprint = item.get("fingerprint")
        if not isinstance(fingerprint, str) or not fingerprint.strip():
            # Alertmanager always sends one; a hand-made payload gets the labels' own hash,
            # which is how Alertmanager computes it.
            fingerprint = hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
        name = labels.get("alertname", "alert")
        summary = annotations.get("summary") or annotations.get("title") or ""
        instance = labels.get("instance") or labels.get("service") or labels.get("job") or ""
        title = summary or (f"{name} on {instance}" if instance else name)
        description = annotations.get("description") or annotations.get("message") or ""
        found.append(Alert(
            fingerprint=f"alertmanager:{one_line(fingerprint, 100)}", status=status,
            title=one_line(title), description=text_block(description), labels=labels,
            started=_time(item.get("startsAt")), ended=_time(item.get("endsAt")) if status == "resolved" else None,
            link=_link(item.get("generatorURL")),
        ))
    return found


GENERIC_KEYS = ("title", "description", "severity", "source", "dedup_key", "status", "labels", "time", "link")


def _generic(data: Any) -> list[Alert]:
    """The documented generic shape (docs/channels.md): one object, or a list of them."""
    items = data if isinstance(data, list) else [data]
    found = []
    for n, item in enumerate(items):
        where = f"alert {n + 1}" if isinstance(data, list) else "the alert"
        if not isinstance(item, dict):
            raise IntakeError(f"{where} is not a JSON object", hint="see docs/channels.md for the generic shape")
        unknown = [k for k in item if k not in GENERIC_KEYS]
        if unknown:
            raise IntakeError(f"{where}: unknown key '{one_line(str(unknown[0]), 40)}' (known: {', '.join(GENERIC_KEYS)})")
        title = item.get("title")
        if not isinstance(title, str) or not one_line(title):
            raise IntakeError(f"{where} needs a 'title' (one line of text)")
        source = item.get("source", "generic")
        key = item.get("dedup_key")
        for name, value in (("source", source), ("dedup_key", key), ("severity", item.get("severity")),
                            ("description", item.get("description")), ("time", item.get("time"))):
            if value is not None and not isinstance(value, str):
                raise IntakeError(f"{where}: '{name}' must be text")
        status = item.get("status", "firing")
        if status not in ALERT_STATES:
            raise IntakeError(f"{where}: 'status' must be firing or resolved")
        labels = _labels(item.get("labels"), f"{where}.labels")
        if item.get("severity"):
            labels["severity"] = one_line(item["severity"], 40)
        labels.setdefault("source", one_line(source, 100))
        dedup = one_line(key, 200) if key else hashlib.sha256(one_line(title).encode()).hexdigest()[:16]
        stamp = _time(item.get("time"))
        found.append(Alert(
            fingerprint=f"{one_line(source, 60) or 'generic'}:{dedup}", status=status, title=one_line(title),
            description=text_block(item.get("description") or ""), labels=labels,
            started=stamp if status == "firing" else None, ended=stamp if status == "resolved" else None,
            link=_link(item.get("link")),
        ))
    return found


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise IntakeError(f"{where} must be an object of texts")
    labels = {}
    for key, item in list(value.items())[:100]:
        if isinstance(item, (dict, list)):
            raise IntakeError(f"{where}.{one_line(str(key), 40)} must be text")
        labels[one_line(str(key), 100)] = one_line(str(item), 500)
    return labels


_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def _time(value: Any) -> str | None:
    """An RFC 3339 time as itsm's UTC form; Alertmanager's zero time (0001-01-01) is none."""
    if not isinstance(value, str) or value.startswith("0001-01-01"):
        return None
    from datetime import UTC, datetime

    match = _TIME_RE.match(value.strip())
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}{match.group(4).replace('Z', '+00:00')}")
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _link(value: Any) -> str | None:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return one_line(value, 500)
    return None
