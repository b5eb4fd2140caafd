"""What the desk tells its managers: the report (pure), its HTML pages, the report of a desk
as read from the read model, and a record's history from git."""
