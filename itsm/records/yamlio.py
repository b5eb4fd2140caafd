"""Strict, safe YAML for front-matter and configuration.

Records are written by people as well as by `itsm`, so the reader refuses YAML's traps
instead of guessing: no implicit timestamps (they stay strings, so a file round-trips
unchanged), no octal or sexagesimal numbers (`0012` stays a string), no `yes`/`no`/`on`/`off`
booleans, no anchors or aliases (the billion-laughs bomb), no duplicate keys, no custom tags.
Every value remembers the line it came from, so errors can say `file:line: message`.

YAML is only ever written by the YAML library (never by string formatting), with a fixed
style, so a title such as ``Disk: full`` or one holding ``---`` always round-trips.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_YAML_BYTES = 64 * 1024
# Deepest nesting of lists and mappings read: records need three levels, itsm.yaml four.
MAX_DEPTH = 10

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class YamlError(ValueError):
    """Malformed or disallowed YAML; `line` is 1-based within the YAML text."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class _StrictResolver(yaml.resolver.BaseResolver):
    """Only the plain scalars a record needs are typed; everything else is a string."""


_StrictResolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_StrictResolver.add_implicit_resolver(
    _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_StrictResolver.add_implicit_resolver(
    _NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


class _StrictLoader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    yaml.composer.Composer,
    _StrictResolver,
):
    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _StrictResolver.__init__(self)

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.events.AliasEvent) or getattr(event, "anchor", None):
            raise YamlError(
                "YAML anchors and aliases are not allowed", event.start_mark.line + 1
            )
        tag = getattr(event, "tag", None)
        # An explicit tag (`!!int 0x1F`, `!!bool yes`) would bring back what the resolver
        # refuses; only `!!str`, which makes a value plain text, is harmless.
        if tag not in (None, "!", _STR):
            raise YamlError(f"YAML tag {tag} is not allowed", event.start_mark.line + 1)
        return super().compose_node(parent, index)  # type: ignore[no-any-return]


try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None  # type: ignore[misc, assignment]

if CParser is not None:

    class _FastLoader(CParser, _StrictResolver):  # type: ignore[misc]
        """libyaml's parser with the strict resolver: about ten times faster. Used only for
        text without anchors, aliases or tags (no `&`, `*` or `!`), which the pure-Python
        loader above must judge; any error is re-read by it too, for its exact message."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StrictResolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None  # type: ignore[assignment, misc]

_NEEDS_STRICT_READER = re.compile(r"[&*!]")
# What the YAML reader refuses outright: C0 controls but tab, newline and CR, DEL, C1 but NEL,
# and surrogates; the same set PyYAML's reader checks, found here with the line it is on.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass
class Parsed:
    """A YAML document as plain Python values, plus the line of every key path."""

    value: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        """The line of the deepest known prefix of `path` (1-based), if any."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


def load(text: str) -> Parsed:
    """Parse one YAML document strictly; raises YamlError with a line number."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(f"YAML block is larger than {MAX_YAML_BYTES // 1024} KiB", 1)
    text = text.lstrip("\ufeff")
    control = _CONTROL_RE.search(text)
    if control is not None:
        # YAML allows no raw control characters (PyYAML's reader would raise before parsing).
        char = control.group()
        raise YamlError(f"control character {char!r} is not allowed in YAML; write it as an escape in a "
                        'double-quoted string (e.g. "\\e")', text.count("\n", 0, control.start()) + 1)
    if _FastLoader is not None:
        fast = _FastLoader(text)
        try:
            node = fast.get_single_node()
        except yaml.MarkedYAMLError as exc:
            # libyaml stops at 1,000 levels at once; the pure reader would take its time.
            if "maximum nesting depth" in str(exc.problem) and exc.problem_mark is not None:
                raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels", exc.problem_mark.line + 1) from None
            node = None  # the strict reader below says what is wrong, and where
        except yaml.YAMLError:
            node = None
        else:
            # Text with anchors, aliases or tags is judged by the strict reader below.
            if not _NEEDS_STRICT_READER.search(text):
                parsed = Parsed(None)
                if node is not None:
                    parsed.value = _to_python(node, (), parsed.lines)
                return parsed
        finally:
            fast.dispose()
    try:
        loader = _StrictLoader(text)
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0]) from None
    try:
        node = loader.get_single_node()
    except YamlError:
        raise
    except RecursionError:
        # PyYAML's composer recurses once per level: 5,000 levels of `[[[` (25 KB, under
        # every size cap) would otherwise end the command. libyaml stops at 1,000 levels.
        raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels") from None
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        if exc.context and exc.context_mark and "scanning" in exc.context:
            # An unclosed quote is noticed at the end of the text; the fix is where it began.
            problem, mark = f"{exc.context} that starts here: {problem}", exc.context_mark
        raise YamlError(problem, mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc).splitlines()[0]) from None
    finally:
        loader.dispose()
    parsed = Parsed(None)
    if node is not None:
        parsed.value = _to_python(node, (), parsed.lines)
    return parsed


def _to_python(node: Node, path: tuple[str | int, ...], lines: dict[tuple[str | int, ...], int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, ScalarNode):
        return _scalar(node)
    if len(path) >= MAX_DEPTH:
        raise YamlError(f"YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1)
    if isinstance(node, SequenceNode):
        if node.tag != _SEQ:
            raise YamlError(f"YAML tag {node.tag} is not allowed", node.start_mark.line + 1)
        return [_to_python(item, (*path, i), lines) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        if node.tag != _MAP:
            raise YamlError(f"YAML tag {node.tag} is not allowed", node.start_mark.line + 1)
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlError("keys must be plain strings", line)
            key = key_node.value
            if key in result:
                raise YamlError(f"duplicate key '{key}'", line)
            lines[(*path, key)] = line
            result[key] = _to_python(value_node, (*path, key), lines)
        return result
    raise YamlError("unsupported YAML node", node.start_mark.line + 1)  # pragma: no cover


def _scalar(node: ScalarNode) -> Any:
    value = node.value
    if node.tag == _STR:
        # `"\udcff"` is a valid YAML escape but not text: it could not be written as UTF-8.
        if not value.isascii() and _SURROGATE_RE.search(value):
            raise YamlError("a lone surrogate (\\ud800-\\udfff) is not text", node.start_mark.line + 1)
        return value
    if node.tag == _INT:
        if len(value) > 100:  # Python refuses to read more than 4,300 digits; no field needs 100
            raise YamlError(f"a number of {len(value)} digits is not a usable value", node.start_mark.line + 1)
        return int(value)
    if node.tag == _BOOL:
        return value.lower() == "true"
    if node.tag == _NULL:
        return None
    raise YamlError(f"YAML tag {node.tag} is not allowed", node.start_mark.line + 1)


class _Dumper(yaml.SafeDumper):
    """Block style, no line folding, literal blocks for multi-line text.

    Plain scalars are quoted whenever *any* YAML 1.1 reader would type them (so `yes`,
    `0012` and `1:20` are quoted), except timestamps: ours are strings, and quoting every
    one of them would only add noise.
    """


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


# Characters a YAML reader takes as line breaks although Python does not split on them
# the same way; only double quotes (which escape them as \N, \L, \P) carry them intact.
_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if any(ch in value for ch in _YAML_ONLY_BREAKS):
        style: str | None = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


def _represent_none(dumper: yaml.SafeDumper, value: None) -> yaml.ScalarNode:
    return dumper.represent_scalar(_NULL, "")


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(type(None), _represent_none)


def dump(data: dict[str, Any]) -> str:
    """Serialise a mapping in the canonical record style (keys in the given order)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=2**31 - 1,
    )
