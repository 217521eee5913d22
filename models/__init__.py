"""What is stored. Importing this package registers every table on ``Base.metadata``."""

from models.base import Base
from models.case import ROLES, Case, GroupMember, Person
from models.history import HistoryEntry
from models.municipality import Municipality
from models.programme import Programme, ProgrammeEvent

__all__ = [
    "ROLES",
    "Base",
    "Case",
    "GroupMember",
    "HistoryEntry",
    "Municipality",
    "Person",
    "Programme",
    "ProgrammeEvent",
]
