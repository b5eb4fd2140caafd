"""What a person (or a channel) does to a desk, each action one module of the process:
record, log, assign, categorise, escalate, wait, resolve, close; problems and the KB;
taking in mail and alerts; the desk-wide check. Every write goes through the store."""
