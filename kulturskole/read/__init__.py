"""The read side: what the CLI and the web console show, one module per subject.

Each read function takes a Session (and filters) and returns plain typed data (TypedDicts)
whose JSON form is exactly what ``--json`` prints; nothing here changes a row.
"""
