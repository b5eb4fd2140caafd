"""What a desk's settings are: one frozen value per section of itsm.yaml, with the rules
that read them (which group a category routes to, which code fits a resolution).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from itsm.config.holiday_calendar import Holidays
from itsm.core.errors import Finding

CONFIG_FILE = "itsm.yaml"
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*\Z")
CATEGORY_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*(?:/[a-z0-9][a-z0-9_-]*)*\Z")


@dataclass(frozen=True)
class Group:
    name: str
    level: int
    manager: str | None = None  # told on hierarchical escalation; chased for breaches
    owner: str | None = None  # who takes the group's queue: owns what is escalated to it
    escalates_to: str | None = None  # the next group up, for `itsm escalate --level N`


@dataclass(frozen=True)
class BusinessHours:
    """When SLA clocks run: weekly windows in a time zone, minus holidays."""

    timezone: str
    days: dict[int, tuple[tuple[int, int], ...]]  # weekday (Monday 0) -> (start, end) in minutes of the day
    holidays: Holidays  # `day in holidays`: the desk's own dates and its region's (holiday_calendar.py)
    always_on: frozenset[str]  # priorities whose clocks ignore business hours


@dataclass(frozen=True)
class ChaseSettings:
    at_risk: float  # fraction of a target used
    unowned_after: timedelta
    stale_after: timedelta
    pending_after: timedelta
    resolved_after: timedelta
    # The thresholds written in days (`3d`): how many. Under business hours a day is a working
    # day, as for SLA targets (chase.py).
    days: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class SlaTarget:
    response: timedelta
    resolution: timedelta
    # When a target is written in days (`3d`): how many. Under business hours a day is a
    # working day, not 24 working hours (sla.py).
    response_days: int | None = None
    resolution_days: int | None = None


PRIORITY_CHANGE_RULES = ("from_change", "from_creation")
RESPONSE_STOPS = ("owner", "contact")


@dataclass(frozen=True)
class SlaRules:
    """How the SLA clocks read a timeline (docs/lifecycle.md, "SLA clocks")."""

    on_priority_change: str = "from_change"  # or from_creation
    response_stops_on: frozenset[str] = frozenset(RESPONSE_STOPS)
    pause_on: frozenset[str] = frozenset({"user"})


@dataclass(frozen=True)
class RequestTarget:
    """Time to fulfil a request; `days` when written in days (working days under business hours)."""

    duration: timedelta
    days: int | None = None


def covers(key: str, category: str) -> bool:
    """Whether a `requests` key names the category or a parent of it ('onboarding')."""
    return category == key or category.startswith(key + "/")


@dataclass(frozen=True)
class RequestSettings:
    targets: dict[str, RequestTarget]  # category, parent category or "default" -> target
    approval: tuple[str, ...]  # categories (or parents) whose requests need approval
    approvers: tuple[str, ...]  # who may approve or reject besides the group's manager; empty: anyone

    def target_for(self, category: str | None) -> RequestTarget | None:
        """The most exact key that covers the category, else `default`, else none."""
        if category:
            keys = [key for key in self.targets if key != "default" and covers(key, category)]
            if keys:
                return self.targets[max(keys, key=len)]
        return self.targets.get("default")

    def needs_approval(self, category: str | None) -> bool:
        return category is not None and any(covers(key, category) for key in self.approval)


NO_REQUEST_SETTINGS = RequestSettings({}, (), ())


@dataclass(frozen=True)
class CodeRule:
    """Where a resolution code fits: the ticket types and resolution kinds it may be used
    with, each None when the code fits any. Data, not code: a new kind of resolution (a
    request's `fulfilled`) needs only a line in itsm.yaml."""

    types: tuple[str, ...] | None = None
    kinds: tuple[str, ...] | None = None


SMTP_SECURITY = ("starttls", "ssl", "none")
REPLY_TO_RESOLVED = ("reopen", "log")


@dataclass(frozen=True)
class SmtpSettings:
    """Where the desk sends mail from; the login is read from the environment when sending."""

    host: str
    port: int = 587
    security: str = "starttls"  # starttls, ssl or none
    timeout: int = 30


@dataclass(frozen=True)
class EmailSettings:
    address: str | None = None  # the desk's own address: From of what it sends, never taken in
    reply_to_resolved: str = "reopen"  # or log
    max_message: int = 10 * 1024 * 1024  # bytes; larger mail is refused before it is parsed
    max_attachment: int = 5 * 1024 * 1024  # bytes; larger attachments are listed, not stored
    max_parts: int = 100  # MIME parts walked in one message (nesting bombs stop here)
    smtp: SmtpSettings | None = None  # None: nothing is sent


@dataclass(frozen=True)
class AlertRule:
    """Labels that must all match, and what an alert that matches gets."""

    match: tuple[tuple[str, str], ...]
    sets: tuple[tuple[str, str], ...]  # (category|group|impact|urgency, value)

    def matches(self, labels: dict[str, str]) -> bool:
        return all(labels.get(key) == value for key, value in self.match)


@dataclass(frozen=True)
class AlertSettings:
    resolve_on_recovery: bool = False
    severity: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "critical": ("high", "high"), "warning": ("medium", "medium"), "info": ("low", "low")})
    rules: tuple[AlertRule, ...] = ()


@dataclass(frozen=True)
class ServeSettings:
    host: str = "127.0.0.1"
    port: int = 8025
    max_body: int = 10 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    prefixes: dict[str, str]  # record kind or ticket type -> prefix
    id_length: int
    default_group: str
    groups: dict[str, Group]
    categories: dict[str, str]  # category -> its default group
    matrix: dict[str, dict[str, str]]
    sla: dict[str, SlaTarget]
    business_hours: BusinessHours | None
    autoclose_days: int
    chase: ChaseSettings
    resolution_codes: tuple[str, ...]
    code_rules: dict[str, CodeRule]
    default_channel: str
    git_commit: bool
    sla_rules: SlaRules = SlaRules()
    requests: RequestSettings = NO_REQUEST_SETTINGS
    # Who may declare a major incident besides the groups' managers; empty: anyone may.
    major_declarers: tuple[str, ...] = ()
    email: EmailSettings = EmailSettings()
    alerts: AlertSettings = AlertSettings()
    serve: ServeSettings = ServeSettings()
    findings: tuple[Finding, ...] = field(default=(), compare=False)

    def kind_of_prefix(self, prefix: str) -> str | None:
        """'ticket', 'problem' or 'kb' for a configured ID prefix."""
        for name, value in self.prefixes.items():
            if value == prefix:
                return "ticket" if name in ("incident", "request") else name
        return None

    def code_misfit(self, code: str, ticket_type: str, kind: str) -> str | None:
        """Why `code` does not fit a resolution of this kind on a ticket of this type, or
        None when it fits (or is not a known code: that is another fault)."""
        rule = self.code_rules.get(code)
        if rule is None:
            return None
        if rule.types is not None and ticket_type not in rule.types:
            return f"resolution code '{code}' is for {' or '.join(t + 's' for t in rule.types)}, not {_a(ticket_type)}"
        if rule.kinds is not None and kind not in rule.kinds:
            return f"resolution code '{code}' is for {' or '.join(_a(k) for k in rule.kinds)}, not {_a(kind)}"
        return None

    def group_for(self, category: str | None) -> str:
        if category and category in self.categories:
            return self.categories[category]
        return self.default_group


def _a(word: str) -> str:
    if word in ("fulfilled", "rejected"):  # a request's ends are said as what happened to it
        return f"a {word} request"
    return ("an " if word[:1] in "aeiou" else "a ") + word
