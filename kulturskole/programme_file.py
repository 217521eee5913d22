"""A programme definition file (``programmes/*.yaml``): parsing with line numbers.

Every error names the file, the line and the field, e.g.
``programmes/x.yaml:42: events[5].start: Input should be a valid date (YYYY-MM-DD)``.
The schema itself is ``models.definition``: the shape of what is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kulturskole.errors import InvalidFile
from models.definition import ProgrammeDefinition

Loc = tuple[str | int, ...]


# --- reading the file -------------------------------------------------------------------------

_KEEP_TEXT = {"tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Reader:
    """Builds plain data from composed YAML nodes and records the line of every path."""

    def __init__(self, display: str) -> None:
        self.display = display
        self.lines: dict[Loc, int] = {}
        self.scalars = yaml.constructor.SafeConstructor()

    def build(self, node: yaml.Node, path: Loc = ()) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    raise InvalidFile(f"{self.display}:{line}: {_dotted(path)}: a key must be text")
                key = key_node.value
                if key in result:
                    where = _dotted((*path, key))
                    raise InvalidFile(f"{self.display}:{line}: {where}: duplicate key")
                self.lines[(*path, key)] = line
                result[key] = self.build(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        # Dates and decimals stay text, parsed by the schema (never floats); "14:00" is a
        # sexagesimal int to YAML 1.1, and is kept as text too.
        if node.tag in _KEEP_TEXT or (node.tag == "tag:yaml.org,2002:int" and ":" in node.value):
            return node.value
        return self.scalars.construct_object(node)

    def line_of(self, loc: Loc) -> int:
        for length in range(len(loc), -1, -1):
            if loc[:length] in self.lines:
                return self.lines[loc[:length]]
        return 1


def _yaml_problem(display: str, error: yaml.YAMLError) -> InvalidFile:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = mark.line + 1 if mark is not None else 1
    parts = [getattr(error, "context", None), getattr(error, "problem", None)]
    reason = ", ".join(str(part) for part in parts if part) or str(error)
    return InvalidFile(f"{display}:{line}: not valid YAML: {reason}")


def parse_programme_file(path: Path) -> ProgrammeDefinition:
    """Read and validate a programme file; ``InvalidFile`` names file, line and field."""
    display = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidFile(f"{display}: no such file") from None
    except UnicodeDecodeError:
        raise InvalidFile(f"{display}: not UTF-8 text") from None
    except OSError as error:
        raise InvalidFile(f"{display}: cannot read the file: {error.strerror}") from None
    reader = _Reader(display)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        if root is None:
            raise InvalidFile(f"{display}:1: the file is empty")
        data = reader.build(root)
    except yaml.YAMLError as error:
        raise _yaml_problem(display, error) from None
    try:
        return ProgrammeDefinition.model_validate(data)
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            loc: Loc = (*problem["loc"], *problem.get("ctx", {}).get("loc", ()))
            field = _dotted(loc)
            prefix = f"{display}:{reader.line_of(loc)}: " + (f"{field}: " if field else "")
            lines.append(prefix + problem["msg"])
        raise InvalidFile("\n".join(lines)) from None
