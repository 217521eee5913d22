"""Composition: the one place that says what happens when a case changes state.

Every entry point (the CLI, the flows package, the tests, the benchmarks) calls ``wire()``
before it works; ``transition()`` refuses to run until it has. The order of registration is the
order of effects after the history entry: the mail is queued, then a terminated case's open
breaches are closed, then its future visits are cancelled (with calendar cancellations); a
contracted case's signed contract is stored as a PDF and its contract meeting booked (and
cancelled, if it has not taken place, when the case is terminated). It also says how the
delivery makes the attachments queued without content (an invoice mail's PDF).

Each reaction imports its domain when it first runs: wiring is then free for a command that
only reads (the mail's templates, the PDF renderer and the EHF builder cost about a second to
import), and a transition still cannot run without its reactions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kulturskole import reactions
from notifications import attachments

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kulturskole.history import Acting
    from kulturskole.reactions import Change
    from models import Case


def wire() -> None:
    """Register the reactions; calling it again changes nothing."""
    reactions.register(queue_mail)
    reactions.register(close_breaches, trigger="terminate")
    reactions.register(cancel_visits, trigger="terminate")
    reactions.register(store_contract, trigger="contract")
    reactions.register(book_contract_meeting, trigger="contract")
    reactions.register(cancel_contract_meeting, trigger="terminate")
    attachments.register("invoice-pdf", attachments.Maker(read=invoice_pdfs, make=lay_out_pdf))


def invoice_pdfs(session: Session, message_ids: list[int]) -> dict[int, Any]:
    """What each invoice mail's PDF is laid out from: the invoice's stored document."""
    from kulturskole.invoicing.pdf import mail_pdfs

    return mail_pdfs(session, message_ids)


def lay_out_pdf(job: Any) -> bytes:  # noqa: ANN401 - mail_pdfs's plain arguments
    from kulturskole.invoicing.pdf import layout  # WeasyPrint loads slowly

    return layout(*job)


def queue_mail(session: Session, case: Case, change: Change, acting: Acting) -> None:
    """What the transition tells the municipality goes to the outbox (template per trigger);
    a termination letter says what invoicing will and will not invoice."""
    from kulturskole.invoicing.issuing import instalments_on_termination
    from notifications import case_mail

    case_mail.after_transition(
        session,
        case,
        change.trigger,
        acting,
        reason=change.reason,
        initiated_by=change.initiated_by,
        instalments=(
            instalments_on_termination(session, case, acting.as_of)
            if change.trigger == "terminate"
            else None
        ),
    )


def store_contract(session: Session, case: Case, change: Change, acting: Acting) -> None:
    """The contract, complete with the three signatures, is stored as a PDF with the case."""
    from kulturskole.contract.signed import store_signed_contract

    store_signed_contract(session, case, acting)


def book_contract_meeting(session: Session, case: Case, change: Change, acting: Acting) -> None:
    """The programme period starts with an agreement and contract meeting: book it, invite."""
    from kulturskole.contract.meeting import book

    book(session, case, acting)


def cancel_contract_meeting(session: Session, case: Case, change: Change, acting: Acting) -> None:
    from kulturskole.contract.meeting import cancel_for_termination

    cancel_for_termination(session, case, acting)


def close_breaches(session: Session, case: Case, change: Change, acting: Acting) -> None:
    from kulturskole.obligations.breaches import close_for_termination

    close_for_termination(session, case, acting)


def cancel_visits(session: Session, case: Case, change: Change, acting: Acting) -> None:
    from kulturskole.visits.changes import cancel_future_visits

    cancel_future_visits(session, case, acting, f"Avtalen er avsluttet: {change.reason}")
