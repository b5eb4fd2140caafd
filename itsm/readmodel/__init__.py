"""The read model: every record's parsed content in SQLite under .itsm/, for the desk now
and as it was at a past commit (`--as-of`). A cache, never the truth."""
