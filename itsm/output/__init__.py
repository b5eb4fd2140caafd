"""How rows are written for people and scripts: table, Markdown, CSV and JSON."""
