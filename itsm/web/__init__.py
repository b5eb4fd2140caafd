"""`itsm serve`: the HTTP receiver for alerts and mail, and the report's dashboard."""
