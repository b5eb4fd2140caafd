"""Which way an interaction on a timeline went: from the user, to the user, or internal.

Pure: an entry and its ticket in. The SLA's response clock stops on the first word to the
user; a reply after a resolution keeps a ticket from closing by silence.
"""

from __future__ import annotations

from itsm.core.model import CONTACT_KINDS, INBOUND_KINDS, INTERACTION_KINDS, Entry, Ticket


def direction(entry: Entry, ticket: Ticket) -> str | None:
    """"in" (from the user), "out" (contact with the user), "internal" (a note), or None
    for an entry that is not an interaction. What the reporter logs on a ticket someone else
    owns is the user speaking."""
    if entry.kind in INBOUND_KINDS:
        return "in"
    if entry.kind not in INTERACTION_KINDS:
        return None
    if entry.actor == ticket.reporter and entry.actor != ticket.owner:
        return "in"
    return "out" if entry.kind in CONTACT_KINDS else "internal"
