"""The rules of the process, pure: the lifecycle table, SLA and request clocks, working
time, the rules a record keeps, the facts read from a timeline, and what is slipping."""
