"""The record file format: strict YAML, Markdown with front-matter, and the shape a reader
needs (a status it knows, times that are times)."""
