"""Full-text search (the Whoosh index under .itsm/index/) and what it finds: diagnoses,
look-alikes, problem candidates."""
