"""How rows and records are written for people and scripts: table, Markdown, CSV and JSON, and a
record as a person reads it on a terminal."""
