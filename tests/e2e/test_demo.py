"""The main job's end state, on a small seeded sample of the municipalities."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from kulturskole.db import unit_of_work
from kulturskole.history import verify
from kulturskole.visits.scheduling import invite_dates
from models import Breach, Case, HistoryEntry, Invoice, InvoiceDelivery, Message, Payment, Visit

pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.slow]


def test_the_whole_programme_ends_as_it_should(engine: Engine, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from kulturskole.demo import run_demo

    monkeypatch.setenv("KULTURSKOLE_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.chdir(tmp_path)  # var/ (bank files, invoice documents) goes here
    run_demo(share=0.03, seed=11)
    with unit_of_work(engine, readonly=True) as session:
        selected = (
            session.scalars(select(Case).join(HistoryEntry).where(HistoryEntry.action == "select"))
            .unique()
            .all()
        )
        assert selected, "somebody must have been selected"
        assert {c.state for c in selected} <= {"completed", "terminated"}
        assert [c.state for c in selected].count("terminated") == 1  # the approved termination
        fee = selected[0].programme.fee_ore
        billed = dict(
            session.execute(
                select(Invoice.case_id, func.sum(Invoice.amount_ore))
                .where(Invoice.kind == "invoice", Invoice.status != "credited")
                .group_by(Invoice.case_id)
            ).all()
        )
        for case in selected:
            if case.state == "completed":
                assert billed[case.id] == fee  # the three instalments add up to the fee
            else:
                assert billed.get(case.id, 0) < fee
        duplicates = session.execute(
            select(Message.case_id, Message.template, Message.subject, func.count())
            .group_by(Message.case_id, Message.template, Message.subject)
            .having(func.count() > 1)
        ).all()
        assert duplicates == []
        assert (
            session.scalar(
                select(func.count()).select_from(Message).where(Message.status != "sent")
            )
            == 0
        )
        decided = session.scalars(select(Breach).where(Breach.status == "terminated")).all()
        assert len(decided) == 1 and decided[0].decision == "approve"
        # a person decided, with a console account behind the name
        assert decided[0].decided_by == "programleder@kulturskoleradet.no"
        # the municipalities paid by KID, and the bank's camt.054 files settled every invoice
        standing = session.execute(
            select(Invoice.id, Invoice.amount_ore, Invoice.status).where(
                Invoice.kind == "invoice", Invoice.status != "credited"
            )
        ).all()
        paid = dict(
            session.execute(
                select(Payment.invoice_id, func.sum(Payment.amount_ore)).group_by(
                    Payment.invoice_id
                )
            ).all()
        )
        assert standing and all(status == "paid" for _, _, status in standing)
        assert all(paid[invoice_id] == amount for invoice_id, amount, _ in standing)
        assert sorted((tmp_path / "var" / "bank").glob("camt054-*.xml"))
        assert list(verify(session)) == []
        done = session.execute(select(Visit.case_id, Visit.id).where(Visit.status == "done")).all()
        assert done, "advisors must have visited"
        marked = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "visit-done")
        ).all()
        assert sorted((e.case_id, e.details["visit"]) for e in marked) == sorted(done)
        # one window at a time: every exact window visited, each booked from its invitation day
        programme = selected[0].programme
        invited_on = invite_dates(programme)
        assert {window for window, in session.execute(
            select(Visit.window_id).where(Visit.status == "done")
        )} == set(invited_on)  # fmt: skip
        booked = session.scalars(
            select(HistoryEntry).where(HistoryEntry.action == "visit-scheduled")
        ).all()
        assert booked and all(e.effective_on >= invited_on[e.details["window"]] for e in booked)
        # the whole group at the gatherings: the termination for a group that stayed away
        assert decided[0].evidence["text"] == (
            "Ingen fra kommunegruppen deltok på fellessamling 1, 24.–25. september 2024."
        )
        # each plan reminded before its due date
        reminded = session.scalars(
            select(Message.idempotency_key).where(Message.template == "plan_reminder")
        ).all()
        assert {key.split("/")[-2] for key in reminded} == {"meeting-plan", "development-plan"}
        # every EHF handed to the folder drop, and confirmed by the (simulated) provider
        ehf = session.execute(
            select(InvoiceDelivery.status, func.count())
            .where(InvoiceDelivery.channel == "ehf")
            .group_by(InvoiceDelivery.status)
        ).all()
        assert dict(ehf).keys() == {"delivered"} and dict(ehf)["delivered"] > 0
        confirmed = [
            e
            for e in session.scalars(
                select(HistoryEntry).where(HistoryEntry.action == "invoice-delivered")
            )
            if e.details["channel"] == "ehf"  # the mail's delivery is recorded too
        ]
        assert len(confirmed) == dict(ehf)["delivered"]
        assert all(e.details["confirmed"] for e in confirmed)
    outbox = tmp_path / "var" / "ehf-outbox"
    manifest = (outbox / "manifest.jsonl").read_text().splitlines()
    receipts = (outbox / "receipts.jsonl").read_text().splitlines()
    assert len(receipts) == len(manifest) == dict(ehf)["delivered"]
    assert len(list((tmp_path / "outbox").glob("*.eml"))) > 0
