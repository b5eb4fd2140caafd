"""Several clones: `itsm setup`, `itsm sync`, and the merge driver git calls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itsm.cli.common import ActorOpt, DeskOpt, JsonOpt, NoCommitOpt, boundary, err, open_desk, out
from itsm.operations import inputs
from itsm.output import formats
from itsm.storage import gitio


def register(app: typer.Typer) -> None:
    app.command("setup")(boundary(setup))
    app.command("sync")(boundary(sync))
    app.command("merge-driver")(boundary(merge_driver))


def setup(desk: DeskOpt = None, actor: ActorOpt = None, no_commit: NoCommitOpt = False) -> None:
    """Set this clone up for a team: register the merge driver for record files.

    git does not clone `.git/config`, so a fresh clone of a desk needs this once (`itsm init`
    does it for a new desk, `itsm sync` when it finds it missing). Then `git pull` joins two
    clones' changes to one ticket field by field instead of stopping on a conflict.

    Example: git clone git@example.org:it/desk.git && cd desk && itsm setup
    """
    the_desk = open_desk(desk, config="report")
    who = inputs.resolve_actor(the_desk, actor)
    from itsm.storage import sync as sync_mod

    for line in sync_mod.setup(the_desk, who, commit=inputs.should_commit(the_desk, no_commit)):
        out(f"itsm setup: {line}")


def sync(desk: DeskOpt = None, actor: ActorOpt = None, as_json: JsonOpt = False) -> None:
    """Share this clone's changes with the team: fetch, merge, update the caches, push.

    Records both sides changed are merged by the merge driver (timelines joined, the later
    change of a key kept and noted). A merge a person must decide stops with the files named
    (exit 1); an unreachable remote or a refused push changes nothing here (exit 2).

    Example: itsm sync
    """
    from itsm.storage import sync as sync_mod

    the_desk = open_desk(desk)
    who = inputs.resolve_actor(the_desk, actor)
    repo = gitio.find_repo(the_desk.root)
    name, email = gitio.identity(repo) if repo else (None, None)
    identity = None if name and email is not None else (who, "")
    try:
        result = sync_mod.sync(the_desk, who, identity)
    except sync_mod.SyncConflict as exc:
        for line in exc.reasons:  # why each file stopped, before the one-line refusal
            err(line)
        raise
    if as_json:
        out(formats.json_text({"remote": result.remote, "branch": result.branch, "received": result.received,
                            "sent": result.sent, "merged": result.merged, "notes": result.notes}))
        return
    for note in result.notes:  # the driver's own lines already say who speaks
        err(note if note.startswith("itsm merge-driver:") else f"itsm sync: {note}")
    where = f"{result.remote}/{result.branch}"
    if not result.received and not result.sent:
        out(f"itsm sync: up to date with {where}")
        return
    parts = []
    if result.received:
        parts.append(f"received {result.received} commit{'s' if result.received != 1 else ''}"
                     + (" (merged)" if result.merged else ""))
    if result.sent:
        parts.append(f"sent {result.sent} commit{'s' if result.sent != 1 else ''}")
    out(f"itsm sync: {' and '.join(parts)} ({where})")


def merge_driver(
    base: Annotated[Path, typer.Argument(help="git's %O: the common ancestor's version.")],
    ours: Annotated[Path, typer.Argument(help="git's %A: our version; the result is written here.")],
    theirs: Annotated[Path, typer.Argument(help="git's %B: their version.")],
    path: Annotated[str, typer.Argument(help="git's %P: the record's path in the repository.")] = "",
) -> None:
    """Merge two clones' versions of a record (git calls this; `itsm setup` registers it).

    Exit 0 with the merged record written over OURS, or 1 with conflict markers around what
    a person must decide and one line per decision on stderr.

    Example: git config merge.itsm.driver "itsm merge-driver %O %A %B %P"
    """
    from itsm.storage import sync as sync_mod

    result = sync_mod.run_driver(base, ours, theirs, path or str(ours))
    for line in result.messages:
        err(f"itsm merge-driver: {line}")
    if not result.clean:
        raise typer.Exit(1)
