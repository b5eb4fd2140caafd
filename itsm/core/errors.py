"""The one exception type that carries a user-facing refusal to the CLI's single exit point."""

from __future__ import annotations

EXIT_FINDINGS = 1
EXIT_REFUSED = 2


class UsageError(Exception):
    """A refusal: bad arguments, unknown ID, a disallowed transition, malformed input.

    `message` says what and why in one line; `hint` says how to fix it, when there is a fix.
    Raising it must happen before anything is written, so a refusal changes nothing.
    """

    exit_code = EXIT_REFUSED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class StateRefusal(UsageError):
    """A refusal because of the record's own state (a transition the lifecycle does not
    allow, a close whose checklist is not met) — not because of the desk or the input.
    `autoclose` reports these per ticket and goes on; any other refusal stops it."""


class Finding:
    """One fault found in a desk, as data: `path:line: message` (line may be unknown).

    A `warning` is worth a look but is not a fault: `itsm check` still exits 0 for it."""

    __slots__ = ("line", "message", "path", "severity")

    def __init__(self, path: str, line: int | None, message: str, severity: str = "error") -> None:
        self.path = path
        self.line = line
        self.message = message
        self.severity = severity

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.severity == "warning" else self.message
        return f"{self.path}:{self.line}: {message}" if self.line else f"{self.path}: {message}"

    def __repr__(self) -> str:
        return f"Finding({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message, "severity": self.severity}
