"""Reactions to a case's transitions are registered once (kulturskole/bootstrap.py), and a
transition refuses to run without them rather than skip its mail, breaches and visits."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from kulturskole import bootstrap, reactions
from kulturskole.db import unit_of_work
from kulturskole.services import cases as service
from models import HistoryEntry, Message
from tests.builders.cases import acting, apply_case


def test_a_transition_refuses_to_run_when_nothing_is_wired(
    engine: Engine, programme_loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply_case(engine, "0301")
    monkeypatch.setattr(reactions, "_registry", [])
    refused = pytest.raises(reactions.NotWired, match=r"kulturskole\.bootstrap\.wire\(\)")
    with refused, unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
    with unit_of_work(engine, readonly=True) as session:
        assert service.find_case(session, "0301").state == "applied"
        actions = session.scalars(select(HistoryEntry.action).order_by(HistoryEntry.seq)).all()
        assert "select" not in actions


def test_wiring_twice_registers_each_reaction_once(
    engine: Engine, programme_loaded: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reactions, "_registry", [])
    bootstrap.wire()
    wired = list(reactions._registry)
    bootstrap.wire()
    assert reactions._registry == wired and len(wired) == 6
    apply_case(engine, "0301")
    with unit_of_work(engine) as session:
        case = service.find_case(session, "0301", for_update=True)
        service.transition(session, case, "select", acting("2024-05-15"))
    with unit_of_work(engine, readonly=True) as session:
        letters = session.scalar(
            select(func.count()).select_from(Message).where(Message.template == "selected")
        )
    assert letters == 1


def test_reactions_run_by_trigger_and_destination_state_in_registration_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reactions, "_registry", [])
    seen: list[str] = []

    def note(name: str) -> reactions.Reaction:
        return lambda session, case, change, acting: seen.append(name)

    reactions.register(note("every"))
    reactions.register(note("terminate"), trigger="terminate")
    reactions.register(note("withdraw"), trigger="withdraw")
    reactions.register(note("terminated"), to_state="terminated")
    reactions.register(note("completed"), to_state="completed")
    reactions.register(note("terminate to terminated"), trigger="terminate", to_state="terminated")
    change = reactions.Change(trigger="terminate", before="active", after="terminated")
    reactions.react(None, None, change, acting("2025-01-10"))  # type: ignore[arg-type]
    assert seen == ["every", "terminate", "terminated", "terminate to terminated"]
