"""The vocabulary every layer shares: the record model, errors, IDs, the clock, what is safe
to print on a terminal, and the file-system primitives (a safe read, an atomic write, the
caches' folder, work spread over the cores). Imports nothing of itsm above it."""
