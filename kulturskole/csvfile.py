"""Reading the CSV files administrators import: UTF-8, a fixed header, errors naming the line."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from kulturskole.errors import InvalidFile


def read_rows(path: Path, header: Sequence[str]) -> list[tuple[int, list[str]]]:
    """The file's non-empty records after a correct header, as (line number, cells).

    A quoted field may span lines: a record is named by the line it starts on.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InvalidFile(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidFile(f"{path}: cannot read the file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InvalidFile(f"{path}:{line}: not UTF-8 text ({exc.reason})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    first_line = 1
    try:
        for row in reader:
            rows.append((first_line, row))
            first_line = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidFile(f"{path}:{first_line}: not valid CSV ({exc})") from None
    if not rows or [h.strip() for h in rows[0][1]] != list(header):
        raise InvalidFile(f"{path}:1: the header must be {','.join(header)}")
    return [(line, row) for line, row in rows[1:] if any(cell.strip() for cell in row)]
