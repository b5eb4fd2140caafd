"""Reading itsm.yaml: every key has a built-in default (itsm/config/defaults.py).

Sections a desk writes replace the defaults whole (`categories`, `groups`, `priority_matrix`)
or key by key (`ids`, `sla`, `git`). Every wrong key or value is a finding with file and line:
commands refuse, `itsm check` lists them all.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from itsm.config.defaults import DEFAULTS, MERGED_KEYWISE
from itsm.config.holiday_calendar import Holidays
from itsm.config.settings import (
    CATEGORY_RE,
    CONFIG_FILE,
    NAME_RE,
    PRIORITY_CHANGE_RULES,
    REPLY_TO_RESOLVED,
    RESPONSE_STOPS,
    SMTP_SECURITY,
    AlertRule,
    AlertSettings,
    BusinessHours,
    ChaseSettings,
    CodeRule,
    Config,
    EmailSettings,
    Group,
    RequestSettings,
    RequestTarget,
    ServeSettings,
    SlaRules,
    SlaTarget,
    SmtpSettings,
    covers,
)
from itsm.core import fileio
from itsm.core.errors import Finding, UsageError
from itsm.core.ids import PREFIX_RE
from itsm.core.model import CONTACT_CHANNELS, LEVELS, PRIORITIES, RESOLUTION_KINDS, SUPPORT_LEVELS, TICKET_TYPES, WAITS
from itsm.core.timeutil import duration_days, parse_duration
from itsm.records import yamlio

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)\Z")


def default_config() -> Config:
    return _build(DEFAULTS, yamlio.Parsed(DEFAULTS), "<defaults>")


def load(desk_root: Path) -> Config:
    """The desk's config; faults are kept in `findings` (commands refuse, `check` lists)."""
    path = desk_root / CONFIG_FILE
    if not os.path.lexists(path):
        return default_config()
    if path.is_symlink() and not _leads_inside(path, desk_root):
        return _with_findings(default_config(), [Finding(CONFIG_FILE, None, "is a link out of the desk; not read")])
    try:
        data = fileio.read_regular(path, yamlio.MAX_YAML_BYTES)
    except fileio.FileProblem as exc:
        return _with_findings(default_config(), [Finding(CONFIG_FILE, None, exc.message)])
    return from_bytes(data, desk_root)


def from_bytes(data: bytes, desk_root: Path) -> Config:
    """The config itsm.yaml's bytes give (those of a past commit, for `--as-of`), with its
    faults in `findings`, exactly as `load` reads the file; `desk_root` is where a region's
    holidays are cached."""
    if len(data) > yamlio.MAX_YAML_BYTES:
        return _with_findings(default_config(), [
            Finding(CONFIG_FILE, None, f"file is larger than {fileio.describe_size(yamlio.MAX_YAML_BYTES)}")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _with_findings(default_config(), [Finding(CONFIG_FILE, None, "not UTF-8 text")])
    try:
        parsed = yamlio.load(text)
    except yamlio.YamlError as exc:
        return _with_findings(default_config(), [Finding(CONFIG_FILE, exc.line, exc.message)])
    if parsed.value is None:
        parsed.value = {}
    if not isinstance(parsed.value, dict):
        return _with_findings(
            default_config(), [Finding(CONFIG_FILE, 1, "itsm.yaml must be a mapping of keys")]
        )
    merged = {key: value for key, value in DEFAULTS.items()}
    for key, value in parsed.value.items():
        if key in MERGED_KEYWISE and isinstance(value, dict):
            merged[key] = {**DEFAULTS[key], **value}
        else:
            merged[key] = value
    return _build(merged, parsed, CONFIG_FILE, desk_root)


def _leads_inside(link: Path, root: Path) -> bool:
    try:
        return link.resolve().is_relative_to(root.resolve())
    except (RuntimeError, OSError):  # a link that loops leads nowhere
        return False


def require_valid(config: Config) -> Config:
    if config.findings:
        first = config.findings[0]
        more = f" (and {len(config.findings) - 1} more)" if len(config.findings) > 1 else ""
        raise UsageError(f"{first}{more}", hint="fix itsm.yaml; `itsm check` lists every fault")
    return config


def _with_findings(config: Config, findings: list[Finding]) -> Config:
    return Config(**{**config.__dict__, "findings": tuple(findings)})


# Each section's reader reports what is wrong through this (message, then the key path, for
# the line) and returns a value that works: the default where the desk's own does not.
FaultReporter = Callable[..., None]


def _build(data: dict[str, Any], parsed: yamlio.Parsed, path: str, desk_root: Path | None = None) -> Config:
    """The config from `data`; `desk_root` is where a named region's holidays are cached
    (reading itsm.yaml stays pure: the cache is only read here, and written by a clock)."""
    findings: list[Finding] = []
    user_keys = set(parsed.value) if isinstance(parsed.value, dict) else set()

    def fault(message: str, *key: str | int) -> None:
        findings.append(Finding(path, parsed.line_of(*key), message))

    for key in data:
        if key not in DEFAULTS:
            fault(f"unknown key '{key}' (known: {', '.join(DEFAULTS)})", key)

    prefixes, length = _ids(_mapping(data, "ids", fault), fault)
    groups = _groups(_mapping(data, "groups", fault), fault)
    default_group = data.get("default_group")
    if not isinstance(default_group, str) or default_group not in groups:
        fault(f"default_group: '{default_group}' is not one of the groups", "default_group")
    categories = _categories(_mapping(data, "categories", fault), groups, str(default_group),
                             "categories" in user_keys, fault)
    matrix = _priority_matrix(_mapping(data, "priority_matrix", fault), fault)
    sla_data = _mapping(data, "sla", fault)
    sla = _sla_targets(sla_data, fault)
    sla_rules = _sla_rules(sla_data, fault)
    business_hours = _business_hours(data.get("business_hours"), fault, desk_root)
    chase = _chase(_mapping(data, "chase", fault), fault)
    code_rules = _resolution_codes(data.get("resolution_codes"), fault)
    default_channel = _default_channel(data.get("default_channel"), fault)
    autoclose = _autoclose_days(data.get("autoclose_days"), fault)
    commit = _git(_mapping(data, "git", fault), fault)
    request_settings = _requests(_mapping(data, "requests", fault), categories, fault)
    major_declarers = _major_declarers(_mapping(data, "major_incident", fault), fault)
    email = _email(_mapping(data, "email", fault), fault)
    alerts = _alerts(_mapping(data, "alerts", fault), categories, groups, fault)
    serve = _serve(_mapping(data, "serve", fault), fault)

    return Config(
        prefixes=prefixes, id_length=length, default_group=str(default_group), groups=groups,
        categories=categories, matrix=matrix, sla=sla, business_hours=business_hours,
        autoclose_days=autoclose, chase=chase, resolution_codes=tuple(code_rules), code_rules=code_rules,
        default_channel=str(default_channel), git_commit=commit, sla_rules=sla_rules, requests=request_settings,
        major_declarers=major_declarers, email=email, alerts=alerts, serve=serve, findings=tuple(findings),
    )


def _ids(ids: dict[str, Any], fault: FaultReporter) -> tuple[dict[str, str], int]:
    """`ids:` — the prefix of each kind of record, and how long a new ID's code is."""
    prefixes: dict[str, str] = {}
    for name in ("incident", "request", "problem", "kb"):
        value = ids.get(name, DEFAULTS["ids"][name])
        if not isinstance(value, str) or not PREFIX_RE.match(value):
            fault(f"ids.{name}: '{value}' must be 1-8 capital letters", "ids", name)
            value = DEFAULTS["ids"][name]
        prefixes[name] = value
    for name in ids:
        if name not in DEFAULTS["ids"]:
            fault(f"ids: unknown key '{name}' (known: {', '.join(DEFAULTS['ids'])})", "ids", name)
    if len(set(prefixes.values())) < len(prefixes):
        fault("ids: every kind needs its own prefix", "ids")
    length = ids.get("length", 6)
    if isinstance(length, bool) or not isinstance(length, int) or not 4 <= length <= 16:
        fault(f"ids.length: '{length}' must be a whole number from 4 to 16", "ids", "length")
        length = 6
    return prefixes, length


def _groups(data: dict[str, Any], fault: FaultReporter) -> dict[str, Group]:
    """`groups:` — each group's support level and its people."""
    if not data:
        fault("groups: name at least one group, with its level (e.g. service-desk: {level: 1})", "groups")
    groups: dict[str, Group] = {}
    for name, spec in data.items():
        if not NAME_RE.match(str(name)):
            fault(f"groups: '{name}' must be lower-case letters, digits, '-' or '_'", "groups", name)
        spec = spec if isinstance(spec, dict) else {}
        for extra in spec:
            if extra not in ("level", "manager", "owner", "escalates_to"):
                fault(
                    f"groups.{name}: unknown key '{extra}' (known: level, manager, owner, escalates_to)",
                    "groups", name, extra,
                )
        level = spec.get("level")
        if level not in SUPPORT_LEVELS or isinstance(level, bool):
            fault(f"groups.{name}.level: '{level}' must be 1, 2 or 3", "groups", name, "level")
            level = 1
        people = {}
        for role in ("manager", "owner", "escalates_to"):
            value = spec.get(role)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                fault(f"groups.{name}.{role}: must be a name", "groups", name, role)
                value = None
            people[role] = value
        groups[str(name)] = Group(str(name), int(level), **people)
    for each in groups.values():
        if each.escalates_to is not None and each.escalates_to not in groups:
            fault(
                f"groups.{each.name}.escalates_to: '{each.escalates_to}' is not one of the groups",
                "groups", each.name, "escalates_to",
            )
    return groups


def _categories(data: dict[str, Any], groups: dict[str, Group], default_group: str, own: bool,
                fault: FaultReporter) -> dict[str, str]:
    """`categories:` — the taxonomy, each category with the group it routes to; `own`: the desk
    wrote the section (else the default taxonomy)."""
    if not data:
        fault("categories: name at least one category (e.g. other: {group: service-desk})", "categories")
    categories: dict[str, str] = {}
    for name, spec in data.items():
        if not CATEGORY_RE.match(str(name)):
            fault(f"categories: '{name}' must look like 'network/vpn' (lower case)", "categories", name)
        if spec is not None and not isinstance(spec, dict):
            fault(f"categories.{name}: must be a mapping like {{group: network}}, or empty", "categories", name)
        group = spec.get("group") if isinstance(spec, dict) else None
        if isinstance(spec, dict):
            for extra in spec:
                if extra != "group":
                    fault(f"categories.{name}: unknown key '{extra}' (known: group)", "categories", name, extra)
        if group is not None and not isinstance(group, str):
            fault(f"categories.{name}.group: must be the name of one of the groups", "categories", name, "group")
            group = None
        if group is not None and group not in groups:
            # Default categories name default groups; a desk that brings its own groups
            # but keeps the default taxonomy routes those to default_group silently.
            if own:
                fault(
                    f"categories.{name}.group: '{group}' is not one of the groups",
                    "categories", name, "group",
                )
            group = None
        categories[str(name)] = group or default_group
    return categories


def _priority_matrix(data: dict[str, Any], fault: FaultReporter) -> dict[str, dict[str, str]]:
    """`priority_matrix:` — impact x urgency -> priority, every cell filled."""
    matrix: dict[str, dict[str, str]] = {}
    for impact in LEVELS:
        row = data.get(impact)
        if not isinstance(row, dict):
            fault(f"priority_matrix: needs a row for impact '{impact}'", "priority_matrix")
            row = DEFAULTS["priority_matrix"][impact]
        matrix[impact] = {}
        for urgency in LEVELS:
            value = row.get(urgency)
            if value not in PRIORITIES:
                fault(
                    f"priority_matrix.{impact}.{urgency}: '{value}' must be one of {', '.join(PRIORITIES)}",
                    "priority_matrix", impact, urgency,
                )
                value = DEFAULTS["priority_matrix"][impact][urgency]
            matrix[impact][urgency] = value
        for urgency in row:
            if urgency not in LEVELS:
                fault(f"priority_matrix.{impact}: unknown urgency '{urgency}' (known: high, medium, low)",
                      "priority_matrix", impact, urgency)
    for impact in data:
        if impact not in LEVELS:
            fault(f"priority_matrix: unknown impact '{impact}' (known: high, medium, low)", "priority_matrix", impact)
    return matrix


def _sla_targets(data: dict[str, Any], fault: FaultReporter) -> dict[str, SlaTarget]:
    """`sla:` — each priority's response and resolution targets (the rules: `_sla_rules`)."""
    sla: dict[str, SlaTarget] = {}
    for priority in PRIORITIES:
        spec = data.get(priority)
        if spec is not None and not isinstance(spec, dict):
            fault(f"sla.{priority}: must be a mapping like {{response: 4h, resolution: 3d}}", "sla", priority)
        spec = spec if isinstance(spec, dict) else {}
        _known_keys(spec, ("response", "resolution"), fault, "sla", priority)
        targets = []
        days = []
        for target in ("response", "resolution"):
            value = spec.get(target, DEFAULTS["sla"][priority][target])
            try:
                targets.append(parse_duration(value))
            except ValueError as exc:
                fault(f"sla.{priority}.{target}: {exc}", "sla", priority, target)
                value = DEFAULTS["sla"][priority][target]
                targets.append(parse_duration(value))
            days.append(duration_days(value))
        sla[priority] = SlaTarget(targets[0], targets[1], response_days=days[0], resolution_days=days[1])
    for priority in data:
        if priority not in PRIORITIES and priority not in _SLA_RULE_KEYS:
            known = ", ".join((*PRIORITIES, *_SLA_RULE_KEYS))
            fault(f"sla: unknown key '{priority}' (known: {known})", "sla", priority)
    return sla


def _default_channel(value: Any, fault: FaultReporter) -> str:
    if value not in CONTACT_CHANNELS:
        why = " ('cli' names the tool that typed a ticket, not how the user reached the desk)" if value == "cli" else ""
        fault(f"default_channel: '{value}' must be one of {', '.join(CONTACT_CHANNELS)}{why}", "default_channel")
        return str(DEFAULTS["default_channel"])
    return str(value)


def _autoclose_days(value: Any, fault: FaultReporter) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        fault(f"autoclose_days: '{value}' must be a whole number of days", "autoclose_days")
        return 5
    return value


def _git(git: dict[str, Any], fault: FaultReporter) -> bool:
    """`git:` — whether changes are committed."""
    commit = git.get("commit", True)
    if not isinstance(commit, bool):
        fault(f"git.commit: '{commit}' must be true or false", "git", "commit")
        commit = True
    for name in git:
        if name != "commit":
            fault(f"git: unknown key '{name}' (known: commit)", "git", name)
    return commit


_SLA_RULE_KEYS = ("on_priority_change", "response_stops_on", "pause_on")


def _sla_rules(value: dict[str, Any], fault: FaultReporter) -> SlaRules:
    on_change = value.get("on_priority_change", "from_change")
    if on_change not in PRIORITY_CHANGE_RULES:
        fault(f"sla.on_priority_change: '{on_change}' must be one of {', '.join(PRIORITY_CHANGE_RULES)}",
              "sla", "on_priority_change")
        on_change = "from_change"
    lists = {}
    for key, allowed, default in (("response_stops_on", RESPONSE_STOPS, list(RESPONSE_STOPS)),
                                  ("pause_on", WAITS, ["user"])):
        items = value.get(key, default)
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not all(isinstance(i, str) and i in allowed for i in items):
            fault(f"sla.{key}: must be a list of {', '.join(allowed)}", "sla", key)
            items = default
        lists[key] = frozenset(items)
    if not lists["response_stops_on"]:
        fault("sla.response_stops_on: name at least one of owner, contact (else nothing is ever a response)",
              "sla", "response_stops_on")
        lists["response_stops_on"] = frozenset(RESPONSE_STOPS)
    return SlaRules(str(on_change), lists["response_stops_on"], lists["pause_on"])


def _requests(value: dict[str, Any], categories: dict[str, str], fault: FaultReporter) -> RequestSettings:
    """`requests:` — targets per category, categories needing approval, who may approve."""
    for key in value:
        if key not in DEFAULTS["requests"]:
            fault(f"requests: unknown key '{key}' (known: {', '.join(DEFAULTS['requests'])})", "requests", key)

    def known(key: object) -> bool:
        # A key names a category of the taxonomy or a parent of some ('onboarding').
        return isinstance(key, str) and any(covers(key, category) for category in categories)

    targets: dict[str, RequestTarget] = {}
    raw_targets = value.get("targets") or {}
    if not isinstance(raw_targets, dict):
        fault("requests.targets: must be a mapping of category to a time like 10d", "requests", "targets")
        raw_targets = {}
    for key, text in raw_targets.items():
        if key != "default" and not known(key):
            fault(f"requests.targets: '{key}' is not a category of the taxonomy (nor 'default')",
                  "requests", "targets", key)
            continue
        try:
            targets[str(key)] = RequestTarget(parse_duration(text), duration_days(text))
        except ValueError as exc:
            fault(f"requests.targets.{key}: {exc}", "requests", "targets", key)
    lists: dict[str, tuple[str, ...]] = {}
    for name in ("approval", "approvers"):
        items = value.get(name) or []
        if not isinstance(items, list) or not all(isinstance(item, str) and item.strip() for item in items):
            what = "categories like onboarding/new-starter" if name == "approval" else "names"
            fault(f"requests.{name}: must be a list of {what}", "requests", name)
            items = []
        lists[name] = tuple(items)
    for index, key in enumerate(lists["approval"]):
        if not known(key):
            fault(f"requests.approval: '{key}' is not a category of the taxonomy", "requests", "approval", index)
    approval = tuple(key for key in lists["approval"] if known(key))
    return RequestSettings(targets, approval, lists["approvers"])


def _business_hours(value: Any, fault: FaultReporter, desk_root: Path | None = None) -> BusinessHours | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        fault("business_hours: must be a mapping (timezone, days, holidays, always_on)", "business_hours")
        return None
    for key in value:
        if key not in ("timezone", "days", "holidays", "always_on"):
            fault(
                f"business_hours: unknown key '{key}' (known: timezone, days, holidays, always_on)",
                "business_hours", key,
            )
    zone = value.get("timezone", "UTC")
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        fault(f"business_hours.timezone: unknown time zone '{zone}' (e.g. Europe/Berlin)", "business_hours", "timezone")
        zone = "UTC"
    days: dict[int, tuple[tuple[int, int], ...]] = {}
    raw_days = value.get("days")
    if not isinstance(raw_days, dict) or not raw_days:
        fault("business_hours.days: give the working hours per weekday, e.g. mon: '08:00-18:00'", "business_hours")
        raw_days = {}
    for day, spec in raw_days.items():
        if day not in WEEKDAYS:
            fault(f"business_hours.days: '{day}' is not one of {', '.join(WEEKDAYS)}", "business_hours", "days", day)
            continue
        windows = []
        for text in [] if spec is None else (spec if isinstance(spec, list) else [spec]):
            match = _WINDOW_RE.match(str(text))
            start = int(match.group(1)) * 60 + int(match.group(2)) if match else 0
            end = int(match.group(3)) * 60 + int(match.group(4)) if match else 0
            if not match or start >= end or end > 24 * 60:
                fault(
                    f"business_hours.days.{day}: '{text}' is not a window like '08:00-18:00'",
                    "business_hours", "days", day,
                )
                continue
            windows.append((start, end))
        windows.sort()
        if any(earlier[1] > later[0] for earlier, later in itertools.pairwise(windows)):
            fault(f"business_hours.days.{day}: the windows overlap", "business_hours", "days", day)
        days[WEEKDAYS.index(day)] = tuple(windows)
    if raw_days and not any(days.values()):
        fault("business_hours.days: no working time in the whole week", "business_hours", "days")
    holidays = _holidays(value.get("holidays"), fault, desk_root)
    always_on = value.get("always_on") or []
    if not isinstance(always_on, list) or not all(p in PRIORITIES for p in always_on):
        fault(f"business_hours.always_on: must be a list of priorities ({', '.join(PRIORITIES)})", "business_hours", "always_on")
        always_on = []
    return BusinessHours(str(zone), days, holidays, frozenset(always_on))


_COUNTRY_RE = re.compile(r"^[A-Za-z]{2}\Z")
# The package's subdivision codes: 'BE', 'CA', '01', 'Augsburg', some with spaces or accents.
_SUBDIVISION_RE = re.compile(r"^\w[\w .'-]{0,39}\Z")
_HOLIDAY_KEYS = ("country", "subdivision", "extra", "closures")
_LONGEST_CLOSURE = 366  # days: a longer one is a typo in a year, not a closure


def _holidays(value: Any, fault: FaultReporter, desk_root: Path | None) -> Holidays:
    """`holidays:` as a list of dates (as ever), or a region with the desk's own dates:
    {country, subdivision, extra, closures}. Only a region the package knows is kept: which
    one it knows is asked here (the cache answers when it can), so every command refuses an
    unknown one, as it refuses any other fault of itsm.yaml."""
    where = ("business_hours", "holidays")
    if value is None:
        return Holidays()
    if isinstance(value, list):
        return Holidays(_dates(value, "business_hours.holidays", fault, where))
    if not isinstance(value, dict):
        fault("business_hours.holidays: a list of dates, or a mapping (country, subdivision, extra, closures)",
              *where)
        return Holidays()
    for key in value:
        if key not in _HOLIDAY_KEYS:
            fault(f"business_hours.holidays: unknown key '{key}' (known: {', '.join(_HOLIDAY_KEYS)})", *where, key)
    own: set[date] = set()
    for key in ("extra", "closures"):
        listed = value.get(key) or []
        if not isinstance(listed, list):
            fault(f"business_hours.holidays.{key}: must be a list", *where, key)
            continue
        parse = _dates if key == "extra" else _closures
        own |= parse(listed, f"business_hours.holidays.{key}", fault, (*where, key))
    country = value.get("country")
    subdivision = value.get("subdivision")
    if country is None:
        if subdivision is not None:
            fault("business_hours.holidays.subdivision: name the country too (country: DE)", *where, "subdivision")
        return Holidays(own)
    if not isinstance(country, str) or not _COUNTRY_RE.match(country):
        fault(f"business_hours.holidays.country: '{country}' must be a 2-letter ISO 3166 code like DE",
              *where, "country")
        return Holidays(own)
    if subdivision is not None and (isinstance(subdivision, bool) or not isinstance(subdivision, str | int)
                                    or not _SUBDIVISION_RE.match(str(subdivision))):
        fault(f"business_hours.holidays.subdivision: '{subdivision}' must be a code like BE",
              *where, "subdivision")
        return Holidays(own)
    region = Holidays(own, country.upper(), None if subdivision is None else str(subdivision), desk_root)
    problem = region.region_problem()
    if problem is not None:
        fault(f"business_hours.holidays.{problem.key}: {problem.message}", *where, problem.key)
        return region.without_region()
    return region


def _dates(values: list[Any], name: str, fault: FaultReporter, where: tuple[str, ...]) -> set[date]:
    found: set[date] = set()
    for index, text in enumerate(values):
        try:
            found.add(date.fromisoformat(str(text)))
        except ValueError:
            fault(f"{name}: '{text}' is not a date like 2026-12-25", *where, index)
    return found


def _closures(values: list[Any], name: str, fault: FaultReporter, where: tuple[str, ...]) -> set[date]:
    """'2026-12-28..2026-12-30' is the 28th, 29th and 30th; a single date is that day."""
    found: set[date] = set()
    for index, text in enumerate(values):
        first, dots, last = str(text).partition("..")
        try:
            start, end = date.fromisoformat(first), date.fromisoformat(last if dots else first)
        except ValueError:
            fault(f"{name}: '{text}' is not a date or a range like 2026-12-28..2026-12-30", *where, index)
            continue
        if not 0 <= (end - start).days < _LONGEST_CLOSURE:
            fault(f"{name}: '{text}' must run forwards, for at most {_LONGEST_CLOSURE} days", *where, index)
            continue
        found.update(start + timedelta(days=n) for n in range((end - start).days + 1))
    return found


def _resolution_codes(value: Any, fault: FaultReporter) -> dict[str, CodeRule]:
    """A plain list (every code fits anything, as before codes had rules) or a mapping of
    code -> {types: [...], kinds: [...]}; a wrong part is a finding and the defaults stand in."""
    if isinstance(value, list):
        if all(isinstance(code, str) and NAME_RE.match(code) for code in value):
            return {code: CodeRule() for code in value}
    elif isinstance(value, dict) and all(isinstance(code, str) and NAME_RE.match(code) for code in value):
        rules: dict[str, CodeRule] = {}
        for code, spec in value.items():
            spec = {} if spec is None else spec
            if not isinstance(spec, dict):
                fault(f"resolution_codes.{code}: must be a mapping with types and/or kinds, or empty", "resolution_codes", code)
                spec = {}
            limits: dict[str, tuple[str, ...] | None] = {"types": None, "kinds": None}
            for key, item in spec.items():
                allowed = {"types": TICKET_TYPES, "kinds": RESOLUTION_KINDS}.get(key)
                if allowed is None:
                    fault(f"resolution_codes.{code}: unknown key '{key}' (known: types, kinds)", "resolution_codes", code, key)
                elif not isinstance(item, list) or not item or not all(entry in allowed for entry in item):
                    fault(f"resolution_codes.{code}.{key}: must be a list of {', '.join(allowed)}", "resolution_codes", code, key)
                else:
                    limits[key] = tuple(item)
            rules[code] = CodeRule(limits["types"], limits["kinds"])
        return rules
    fault("resolution_codes: must be a list of lower-case codes like 'hardware-replaced', or a mapping "
          "of such codes to where they fit (types, kinds)", "resolution_codes")
    return _resolution_codes(DEFAULTS["resolution_codes"], lambda *args: None)


def _chase(value: dict[str, Any], fault: FaultReporter) -> ChaseSettings:
    at_risk = value.get("at_risk", 75)
    if isinstance(at_risk, bool) or not isinstance(at_risk, int) or not 1 <= at_risk <= 100:
        fault(f"chase.at_risk: '{at_risk}' must be a percentage from 1 to 100", "chase", "at_risk")
        at_risk = 75
    durations = {}
    days = {}
    for key in ("unowned_after", "stale_after", "pending_after", "resolved_after"):
        text = value.get(key, DEFAULTS["chase"][key])
        try:
            durations[key] = parse_duration(text)
        except ValueError as exc:
            fault(f"chase.{key}: {exc}", "chase", key)
            text = DEFAULTS["chase"][key]
            durations[key] = parse_duration(text)
        days[key] = duration_days(text)
    for key in value:
        if key not in DEFAULTS["chase"]:
            fault(f"chase: unknown key '{key}' (known: {', '.join(DEFAULTS['chase'])})", "chase", key)
    return ChaseSettings(at_risk=at_risk / 100, **durations, days=days)


def _major_declarers(value: dict[str, Any], fault: FaultReporter) -> tuple[str, ...]:
    for key in value:
        if key != "declare":
            fault(f"major_incident: unknown key '{key}' (known: declare)", "major_incident", key)
    names = value.get("declare")
    if names is None:
        return ()
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        fault("major_incident.declare: must be a list of people's names, e.g. [Priya Raman]", "major_incident", "declare")
        return ()
    return tuple(" ".join(n.split()) for n in names)


_SIZE_RE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB)?\s*\Z", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024 * 1024, "GB": 1024 * 1024 * 1024}


def parse_size(value: object) -> int:
    """Bytes from `10MB`, `512KB` or a whole number (binary units: 1 MB = 1,048,576 bytes)."""
    if isinstance(value, bool):
        raise ValueError(f"'{value}' is not a size")
    if isinstance(value, int) and value >= 0:
        return value
    match = _SIZE_RE.match(str(value)) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"'{value}' is not a size (write e.g. 10MB, 512KB or a number of bytes)")
    return int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "B").upper()]


def key_path(*where: str | int) -> str:
    """A key path as the messages write it: `alerts.rules[0].group`."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _known_keys(value: dict[str, Any], known: tuple[str, ...], fault: FaultReporter, *where: str | int) -> None:
    for key in value:
        if key not in known:
            fault(f"{key_path(*where)}: unknown key '{key}' (known: {', '.join(known)})", *where, key)


def _size(value: dict[str, Any], key: str, default: str, fault: FaultReporter, *where: str) -> int:
    try:
        return parse_size(value.get(key, default))
    except ValueError as exc:
        fault(f"{key_path(*where, key)}: {exc}", *where, key)
        return parse_size(default)


def _email(value: dict[str, Any], fault: FaultReporter) -> EmailSettings:
    defaults = DEFAULTS["email"]
    _known_keys(value, tuple(defaults), fault, "email")
    address = value.get("address")
    if address is not None and (not isinstance(address, str) or not _ADDRESS_RE.match(address)):
        fault(f"email.address: '{address}' must be an e-mail address like servicedesk@example.org", "email", "address")
        address = None
    reply = value.get("reply_to_resolved", defaults["reply_to_resolved"])
    if reply not in REPLY_TO_RESOLVED:
        fault(f"email.reply_to_resolved: '{reply}' must be one of {', '.join(REPLY_TO_RESOLVED)}",
              "email", "reply_to_resolved")
        reply = defaults["reply_to_resolved"]
    parts = value.get("max_parts", defaults["max_parts"])
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= 10_000:
        fault(f"email.max_parts: '{parts}' must be a whole number from 1 to 10000", "email", "max_parts")
        parts = defaults["max_parts"]
    smtp = _smtp(value.get("smtp"), fault)
    return EmailSettings(
        address=address, reply_to_resolved=str(reply),
        max_message=_size(value, "max_message", defaults["max_message"], fault, "email"),
        max_attachment=_size(value, "max_attachment", defaults["max_attachment"], fault, "email"),
        max_parts=parts, smtp=smtp,
    )


_ADDRESS_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\Z")
_HOST_RE = re.compile(r"^[A-Za-z0-9.:\[\]-]+\Z")


def _smtp(value: object, fault: FaultReporter) -> SmtpSettings | None:
    defaults = DEFAULTS["email"]["smtp"]
    if value is None:
        return None
    if not isinstance(value, dict):
        fault("email.smtp: must be a mapping (host, port, security, timeout)", "email", "smtp")
        return None
    _known_keys(value, tuple(defaults), fault, "email", "smtp")
    host = value.get("host")
    if host is None:
        return None
    if not isinstance(host, str) or not _HOST_RE.match(host):
        fault(f"email.smtp.host: '{host}' must be a host name or address", "email", "smtp", "host")
        return None
    port = value.get("port", defaults["port"])
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        fault(f"email.smtp.port: '{port}' must be a port number (1-65535)", "email", "smtp", "port")
        port = defaults["port"]
    security = value.get("security", defaults["security"])
    if security not in SMTP_SECURITY:
        fault(f"email.smtp.security: '{security}' must be one of {', '.join(SMTP_SECURITY)}", "email", "smtp", "security")
        security = defaults["security"]
    timeout = value.get("timeout", defaults["timeout"])
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 600:
        fault(f"email.smtp.timeout: '{timeout}' must be seconds from 1 to 600", "email", "smtp", "timeout")
        timeout = defaults["timeout"]
    return SmtpSettings(host=host, port=port, security=str(security), timeout=timeout)


_ALERT_SETS = ("category", "group", "impact", "urgency")


def _alerts(value: dict[str, Any], categories: dict[str, str], groups: dict[str, Group], fault: FaultReporter) -> AlertSettings:
    defaults = DEFAULTS["alerts"]
    _known_keys(value, tuple(defaults), fault, "alerts")
    recover = value.get("resolve_on_recovery", False)
    if not isinstance(recover, bool):
        fault(f"alerts.resolve_on_recovery: '{recover}' must be true or false", "alerts", "resolve_on_recovery")
        recover = False
    severity: dict[str, tuple[str, str]] = {}
    given = value.get("severity", defaults["severity"])
    if not isinstance(given, dict):
        fault("alerts.severity: must map a severity label to {impact, urgency}", "alerts", "severity")
        given = defaults["severity"]
    for name, spec in given.items():
        if isinstance(spec, dict):
            _known_keys(spec, ("impact", "urgency"), fault, "alerts", "severity", name)
        if (not isinstance(spec, dict) or not {"impact", "urgency"} <= set(spec)
                or spec["impact"] not in LEVELS or spec["urgency"] not in LEVELS):
            fault(f"alerts.severity.{name}: must be {{impact: high|medium|low, urgency: high|medium|low}}",
                  "alerts", "severity", name)
            continue
        severity[str(name)] = (spec["impact"], spec["urgency"])
    rules: list[AlertRule] = []
    given_rules = value.get("rules") or []
    if not isinstance(given_rules, list):
        fault("alerts.rules: must be a list of {match: {label: value}, category, group, impact, urgency}",
              "alerts", "rules")
        given_rules = []
    for n, rule in enumerate(given_rules):
        where = ("alerts", "rules", n)
        if not isinstance(rule, dict) or not isinstance(rule.get("match"), dict) or not rule["match"]:
            fault(f"alerts.rules[{n}]: needs match: {{label: value}} and what it sets", *where)
            continue
        _known_keys(rule, ("match", *_ALERT_SETS), fault, "alerts", "rules", n)
        for label, wanted_value in rule["match"].items():
            # Alertmanager's labels are text: `true` or `7` typed here would be compared as
            # "True" or "7" and match nothing; a list, a mapping or nothing never could.
            if not isinstance(wanted_value, str) or not wanted_value:
                fault(f"alerts.rules[{n}].match.{label}: must be the label's value as text (quote it: '7')",
                      *where, "match", label)
        match = tuple((str(k), str(v)) for k, v in rule["match"].items())
        sets: list[tuple[str, str]] = []
        for key in _ALERT_SETS:
            if key not in rule:
                continue
            wanted = rule[key]
            allowed: Any = {"category": categories, "group": groups}.get(key, LEVELS)
            if not isinstance(wanted, str) or wanted not in allowed:
                fault(f"alerts.rules[{n}].{key}: unknown {key} '{wanted}'", *where, key)
                continue
            sets.append((key, str(wanted)))
        rules.append(AlertRule(match=match, sets=tuple(sets)))
    return AlertSettings(resolve_on_recovery=recover, severity=severity, rules=tuple(rules))


def _serve(value: dict[str, Any], fault: FaultReporter) -> ServeSettings:
    defaults = DEFAULTS["serve"]
    _known_keys(value, tuple(defaults), fault, "serve")
    host = value.get("host", defaults["host"])
    if not isinstance(host, str) or not _HOST_RE.match(host):
        fault(f"serve.host: '{host}' must be a host name or address", "serve", "host")
        host = defaults["host"]
    port = value.get("port", defaults["port"])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        fault(f"serve.port: '{port}' must be a port number (0-65535)", "serve", "port")
        port = defaults["port"]
    return ServeSettings(host=host, port=port, max_body=_size(value, "max_body", defaults["max_body"], fault, "serve"))


def _mapping(data: dict[str, Any], key: str, fault: FaultReporter) -> dict[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        fault(f"{key}: must be a mapping", key)
        return {}
    return value
