"""Every key's built-in default, and the itsm.yaml `itsm init` writes (the defaults with a
comment for each section, and example groups and requests to edit).
"""

from __future__ import annotations

from typing import Any

from itsm.records import yamlio

DEFAULTS: dict[str, Any] = {
    "ids": {"incident": "INC", "request": "REQ", "problem": "PRB", "kb": "KB", "length": 6},
    "default_group": "service-desk",
    # `itsm new` is typed by a desk agent, most often with the user on the line: a fresh
    # desk records a call, not the tool (`cli` is not a contact channel).
    "default_channel": "phone",
    "groups": {
        "service-desk": {"level": 1, "manager": None},
        "identity": {"level": 2, "manager": None},
        "network": {"level": 2, "manager": None},
        "desktop-support": {"level": 2, "manager": None},
        "messaging": {"level": 2, "manager": None},
        "applications": {"level": 2, "manager": None},
        "infrastructure": {"level": 3, "manager": None},
        "suppliers": {"level": 3, "manager": None},
    },
    "categories": {
        **{f"access/{c}": {"group": "identity"} for c in ("password", "account", "mfa")},
        **{f"network/{c}": {"group": "network"} for c in ("vpn", "wifi", "dns")},
        **{f"hardware/{c}": {"group": "desktop-support"} for c in ("laptop", "printer", "monitor", "phone")},
        **{f"software/{c}": {"group": "desktop-support"} for c in ("install", "license")},
        **{f"email/{c}": {"group": "messaging"} for c in ("mailbox", "calendar", "spam")},
        "collaboration/teams": {"group": "messaging"},
        **{f"apps/{c}": {"group": "applications"} for c in ("erp", "crm")},
        **{f"infra/{c}": {"group": "infrastructure"} for c in ("storage", "server", "backup")},
        **{f"onboarding/{c}": {"group": "service-desk"} for c in ("new-starter", "leaver")},
        "other": {"group": "service-desk"},
    },
    # ITIL's 3 x 3 matrix: rows are impact, columns urgency.
    "priority_matrix": {
        "high": {"high": "P1", "medium": "P2", "low": "P3"},
        "medium": {"high": "P2", "medium": "P3", "low": "P4"},
        "low": {"high": "P3", "medium": "P4", "low": "P5"},
    },
    "sla": {
        "P1": {"response": "15m", "resolution": "4h"},
        "P2": {"response": "30m", "resolution": "8h"},
        "P3": {"response": "4h", "resolution": "3d"},
        "P4": {"response": "8h", "resolution": "5d"},
        "P5": {"response": "1d", "resolution": "10d"},
        "on_priority_change": "from_change",
        "response_stops_on": ["owner", "contact"],
        "pause_on": ["user"],
    },
    "business_hours": None,
    "autoclose_days": 5,
    "chase": {
        "at_risk": 75,
        "unowned_after": "1h",
        "stale_after": "3d",
        "pending_after": "5d",
        "resolved_after": "2d",
    },
    # code -> where it fits: `types` (incident, request) and `kinds` (of resolution); a
    # code without them fits any. A plain list of codes restricts none (docs/lifecycle.md).
    "resolution_codes": {
        "fixed": {"kinds": ["fix"]},
        "workaround-applied": {"kinds": ["workaround"]},
        "configuration-changed": {},
        "hardware-replaced": {},
        "software-updated": {},
        "user-guided": {},
        "request-fulfilled": {"types": ["request"]},
        "supplier-fixed": {"kinds": ["fix"]},
        "no-fault-found": {"types": ["incident"]},
        "duplicate": {},
    },
    "git": {"commit": True},
    # Service requests: empty targets and approval keep a request on its priority's targets.
    "requests": {"targets": {}, "approval": [], "approvers": []},
    "major_incident": {"declare": []},
    # Mail in (`itsm ingest email`) and out (`itsm notify`, `itsm log --kind email`): docs/channels.md.
    "email": {
        "address": None,
        "reply_to_resolved": "reopen",
        "max_message": "10MB",
        "max_attachment": "5MB",
        "max_parts": 100,
        "smtp": {"host": None, "port": 587, "security": "starttls", "timeout": 30},
    },
    # Monitoring alerts in (`itsm ingest alert`): labels -> impact, urgency, category, group.
    "alerts": {
        "resolve_on_recovery": False,
        "severity": {
            "critical": {"impact": "high", "urgency": "high"},
            "warning": {"impact": "medium", "urgency": "medium"},
            "info": {"impact": "low", "urgency": "low"},
        },
        "rules": [],
    },
    # The HTTP receiver (`itsm serve`); its tokens come from the environment, never from here.
    "serve": {"host": "127.0.0.1", "port": 8025, "max_body": "10MB"},
}
MERGED_KEYWISE = ("ids", "sla", "git", "chase", "requests", "major_incident", "email", "alerts", "serve")


_COMMENTS = {
    "ids": "ID prefixes per record kind, and how many code characters a new ID gets (docs/ids.md).",
    "default_group": "Where a ticket goes when its category names no group.",
    "default_channel": (
        "How the user reached the desk when `itsm new` is given no --channel: phone, email, chat,\n"
        "# web, walk-in or monitoring (not cli: that names the tool, not how the user got in touch)."
    ),
    "groups": (
        "Support groups: their level (1-3); manager: the person told on a hierarchical escalation\n"
        "# (itsm escalate ID --reason impact); escalates_to: the group `itsm escalate ID --level N` sends\n"
        "# a ticket to next. `itsm init` writes '... Example' names: put your team's people there."
    ),
    "categories": "The category taxonomy; each category's default group routes new tickets.",
    "priority_matrix": "Impact (rows) x urgency (columns) -> priority. Priority is never typed by hand.",
    "sla": (
        "Per-priority targets: time to first response and to resolution (m, h, d). With\n"
        "# business_hours, m and h count working time and d counts working days: 3d from Monday\n"
        "# 09:00 is Thursday 09:00, across weekends and holidays. Around the clock, d is 24 hours.\n"
        "# on_priority_change: when the priority changes, the new targets count from the change\n"
        "#   (from_change) or from the ticket's creation (from_creation); a breach already recorded\n"
        "#   stays a breach either way.\n"
        "# response_stops_on: what counts as the first response: owner (a person takes the ticket)\n"
        "#   and/or contact (a call, e-mail or chat to the user); notes, routing, categorising do not.\n"
        "# pause_on: which waits (itsm pend --on user|supplier|change|other) stop the clocks."
    ),
    "business_hours": (
        "When SLA clocks run. Empty: around the clock. Example:\n"
        "# business_hours:\n"
        "#   timezone: Europe/Berlin\n"
        "#   days: {mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-17:00'}\n"
        "#   holidays:          # the public holidays of a region, from the `holidays` package, and your own\n"
        "#     country: DE      # 2-letter ISO 3166 code\n"
        "#     subdivision: BE  # optional: a state or province, as the package names it (Berlin)\n"
        "#     extra: ['2026-12-24', '2026-12-31']      # the desk's own closed days\n"
        "#     closures: ['2026-12-28..2026-12-30']     # closed from..to, both days included\n"
        "#   # or only your own dates: holidays: ['2026-12-24', '2026-12-25', '2026-12-26']\n"
        "#   always_on: [P1]   # priorities whose clocks run around the clock anyway"
    ),
    "autoclose_days": "Days after the user was told a ticket is resolved before it closes if they stay silent.",
    "chase": (
        "What `itsm chase` calls slipping: at_risk is the percent of an SLA target used; the rest are\n"
        "# how long a ticket may stay unowned, without update, pending, or resolved but not closed (the\n"
        "# user told and silent: until autoclose_days have passed). With business_hours they count\n"
        "# working time, and d counts working days, as for sla targets."
    ),
    "resolution_codes": (
        "Codes `itsm resolve --code` accepts, for reporting what fixed things. Each may say where it\n"
        "# fits: types (incident, request) and kinds (fix, workaround); a code fits any when it says\n"
        "# nothing. A code that does not fit is refused, and `itsm check` names one recorded.\n"
        "# A plain list of codes (- fixed) restricts none."
    ),
    "git": "Commit every change (set commit: false to commit by hand).",
    "requests": (
        "Service requests (itsm new --type request), which are not incidents. targets: time to fulfil\n"
        "# a request per category (m, h, d as in sla; 'onboarding' covers onboarding/*, the most exact\n"
        "# key wins, 'default' covers the rest); a request's --due date overrides it, and without\n"
        "# either the priority's sla target counts. approval: categories whose requests wait for\n"
        "# `itsm approve` / `itsm reject` first; the clocks do not run while they wait. approvers:\n"
        "# who may approve or reject (also the request's group manager); empty: anyone. Example:\n"
        "# requests:\n"
        "#   targets: {onboarding/new-starter: 10d, software: 3d, default: 5d}\n"
        "#   approval: [onboarding/new-starter, software/license]\n"
        "#   approvers: []"
    ),
    "major_incident": (
        "Who may declare a major incident (itsm escalate ID --reason impact --major), stand one down\n"
        "# (--no-major) or reject a proposal. Empty: anyone. When declare names people, only they and\n"
        "# the groups' managers may; everyone else proposes (--propose-major), and `itsm chase` chases\n"
        "# the group's manager for a decision. Example: declare: [Priya Raman, Tom Okafor]"
    ),
    "email": (
        "E-mail in (`itsm ingest email`) and out (docs/channels.md). address: the desk's own address,\n"
        "# the From of what it sends (mail from it is never taken in: no loops). reply_to_resolved:\n"
        "# a user's reply to a resolved ticket reopens it (reopen) or is only logged (log); a reply\n"
        "# to a closed ticket opens a new one, linked. max_message: larger mail is refused unread;\n"
        "# max_attachment: larger attachments are listed, not stored (attachments/<ID>/).\n"
        "# smtp: where mail is sent from; host null: nothing is sent, `itsm notify` records only.\n"
        "# security: starttls, ssl or none. The login comes from $ITSM_SMTP_USER and\n"
        "# $ITSM_SMTP_PASSWORD, never from this file (it is committed)."
    ),
    "alerts": (
        "Monitoring alerts in (`itsm ingest alert`, docs/channels.md). severity: the alert's\n"
        "# `severity` label -> impact and urgency. rules: the first rule whose labels all match sets\n"
        "# each of category, group, impact, urgency it names. resolve_on_recovery: a resolved alert\n"
        "# resolves its ticket (\"recovered by itself\") instead of only logging it. Example:\n"
        "# rules:\n"
        "#   - match: {service: vpn}\n"
        "#     category: network/vpn\n"
        "#   - match: {team: storage, severity: critical}\n"
        "#     category: infra/storage\n"
        "#     impact: high"
    ),
    "serve": (
        "The HTTP receiver (`itsm serve`). Posting needs $ITSM_SERVE_TOKEN as a bearer token; the\n"
        "# dashboard (GET /) takes $ITSM_SERVE_READ_TOKEN, or the same token. max_body: larger\n"
        "# requests get 413."
    ),
}


# What `itsm init` writes for the groups: a working example, so hierarchical escalation and
# `escalate --level` work on a fresh desk, with names no one will take for real people. A desk
# whose itsm.yaml leaves `groups` out gets DEFAULTS' groups, which name no manager.
EXAMPLE_GROUPS: dict[str, Any] = {
    # Level 1 names no escalates_to: `escalate --level 2` follows the category to its group.
    "service-desk": {"level": 1, "manager": "Sam Example"},
    "identity": {"level": 2, "manager": "Ida Example", "escalates_to": "infrastructure"},
    "network": {"level": 2, "manager": "Noah Example", "escalates_to": "infrastructure"},
    "desktop-support": {"level": 2, "manager": "Dana Example", "escalates_to": "suppliers"},
    "messaging": {"level": 2, "manager": "Mel Example", "escalates_to": "infrastructure"},
    "applications": {"level": 2, "manager": "Ari Example", "escalates_to": "suppliers"},
    "infrastructure": {"level": 3, "manager": "Ines Example"},
    "suppliers": {"level": 3, "manager": "Sol Example"},
}


# What `itsm init` writes for service requests: a working example of approval and request
# targets. A desk whose itsm.yaml leaves `requests` out gets DEFAULTS' (no approval, no
# request targets: requests count against their priority's targets, as before).
EXAMPLE_REQUESTS: dict[str, Any] = {
    "targets": {"onboarding/new-starter": "10d", "software/license": "2d"},
    "approval": ["onboarding/new-starter", "software/license"],
    "approvers": [],
}


def render_default(overrides: dict[str, Any] | None = None) -> str:
    """The text `itsm init` writes: every default spelled out, each section explained, and
    the groups and requests as working examples (EXAMPLE_GROUPS, EXAMPLE_REQUESTS)."""
    data = {**DEFAULTS, "groups": EXAMPLE_GROUPS, "requests": EXAMPLE_REQUESTS, **(overrides or {})}
    parts = ["# itsm desk configuration. Every key is optional: delete one to use its default.\n"]
    for key, value in data.items():
        parts.append(f"\n# {_COMMENTS[key]}\n" + yamlio.dump({key: value}))
    return "".join(parts)
