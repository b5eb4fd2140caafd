"""Desk-wide commands: init and check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itsm.cli.common import ActorOpt, DeskOpt, JsonOpt, NoCommitOpt, boundary, err, open_desk, out, progress_bar
from itsm.core.errors import EXIT_FINDINGS, UsageError
from itsm.operations import desk_init, inputs
from itsm.output import formats


def register(app: typer.Typer) -> None:
    app.command("init")(boundary(init))
    app.command("check")(boundary(check_cmd))


def count_of(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def init(
    path: Annotated[Path, typer.Argument(help="Folder for the new desk.")] = Path("."),
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
) -> None:
    """Make a desk: tickets/, problems/, kb/, itsm.yaml, .gitignore; `git init` if needed.

    Example: itsm init ~/servicedesk
    """
    for line in desk_init.init(path, actor=actor, commit=not no_commit):
        out(line)


def check_cmd(
    fix: Annotated[bool, typer.Option("--fix", help="First remove the temporary files of interrupted writes, and write derived fields (responded, deadlines) afresh where they disagree with the timeline.")] = False,
    ref: Annotated[str | None, typer.Argument(
        metavar="[REF]", show_default=False,
        help="With --changed: the branch, tag or commit to compare with. Default: the upstream branch.",
    )] = None,
    changed: Annotated[bool, typer.Option(
        "--changed",
        help="Check only the records changed since REF, committed or not, and the links that touch them "
             "(for a pre-commit hook or a pull request).",
    )] = False,
    desk: DeskOpt = None,
    actor: ActorOpt = None,
    no_commit: NoCommitOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Validate every record and the config; print `path:line: message` per fault.

    Exit 1 when anything is wrong, so CI can run it. Warnings (records with changes nobody
    committed, temporary files of interrupted writes) are printed too but do not fail it.
    `--changed origin/main` checks only what a branch changed (`--changed HEAD`: what is not
    committed yet).

    Example: itsm check --json
    """
    from itsm.operations import desk_check  # only this command needs the desk-wide rules

    the_desk = open_desk(desk, config="report")
    if ref is not None and not changed:
        raise UsageError(f"'{ref}': `itsm check` takes no argument but with --changed",
                         hint=f"itsm check --changed {ref}")
    if fix and changed:
        raise UsageError("--fix works on the whole desk, --changed on a part of it",
                         hint="run `itsm check --fix`, then `itsm check --changed`")
    if fix:
        for path in desk_check.fix(the_desk):
            err(f"itsm check: removed {the_desk.relative(path)}")
        if not the_desk.config.findings:  # with a wrong itsm.yaml the clocks cannot be trusted
            commit = inputs.should_commit(the_desk, no_commit)
            for ticket_id in desk_check.rederive(the_desk, inputs.resolve_actor(the_desk, actor), commit):
                err(f"itsm check: {ticket_id}: responded and SLA deadlines derived afresh")
    scope = None
    if changed:
        findings, scope = desk_check.check_changed(the_desk, ref, progress_bar("itsm check"))
        if scope.everything:
            err(f"itsm check: itsm.yaml changed since {scope.ref}, and with it the rules of every record: "
                "checking them all")
    else:
        findings = desk_check.check_desk(the_desk, progress_bar("itsm check"))
    faults = [f for f in findings if f.severity == "error"]
    if as_json:
        out(formats.json_text([f.to_json() for f in findings]))
    else:
        for finding in findings:
            out(str(finding))
        if scope is not None and not scope.everything:
            counts = scope.counts
        else:
            counts = {kind: len(the_desk.record_files(kind)) for kind in ("ticket", "problem", "kb")}
        summary = ", ".join(
            count_of(counts[kind], noun) for kind, noun in (("ticket", "ticket"), ("problem", "problem"), ("kb", "KB article"))
        )
        if scope is not None and not scope.everything:
            summary += f" changed since {scope.ref}"
        warnings = len(findings) - len(faults)
        if warnings:
            summary += f"; {count_of(warnings, 'warning')}"
        faulty = len({f.path for f in faults})
        err(f"itsm check: {count_of(len(faults), 'fault')} in {count_of(faulty, 'file')} ({summary})" if faults
            else f"itsm check: ok ({summary})")
    if faults:
        raise typer.Exit(EXIT_FINDINGS)
