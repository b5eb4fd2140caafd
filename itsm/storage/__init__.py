"""The desk on disk and in git: finding records, reading them, writing them atomically under
the desk lock, every git call, what changed since a cache was built, and several clones
(the merge driver and `itsm sync`)."""
