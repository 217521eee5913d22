"""``kulturskole cases …``: applying, the group, signatures, transitions, and reading a case."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kulturskole.cli.common import (
    AsOfOpt,
    JsonOpt,
    ProgrammeOpt,
    acting,
    ok,
    parse_date,
    print_json,
    table,
    work,
)
from kulturskole.errors import InvalidInput
from kulturskole.read.cases import case_detail, list_cases
from kulturskole.read.history import HistoryRow, case_history
from kulturskole.services import cases as service
from kulturskole.services import invoicing_details as details_service
from models import ROLES
from states.conditions import INITIATORS
from states.machine import STATES

cases = typer.Typer(help="Municipalities' participation in a programme.", no_args_is_help=True)
Number = Annotated[
    str,
    typer.Argument(
        metavar="NR", help="Kommunenummer (4 digits), or a county branch as F and its fylkesnummer."
    ),
]
ReasonOpt = Annotated[str | None, typer.Option("--reason", help="Why (kept in the history).")]


@cases.command("apply")
def apply_(
    contact_name: Annotated[str, typer.Option("--contact-name", help="Who applies.")],
    contact_email: Annotated[str, typer.Option("--contact-email")],
    motivation: Annotated[str, typer.Option("--motivation", help="Why the municipality applies.")],
    development_area: Annotated[
        str, typer.Option("--development-area", help="The county branch's development area.")
    ],
    # The one argument: after the required options, as it may be left out (--county).
    number: Annotated[
        str | None,
        typer.Argument(
            metavar="[NR]",
            help="Kommunenummer (4 digits); for a county branch give --county instead (or F50).",
            show_default=False,
        ),
    ] = None,
    county_dialogue: Annotated[
        bool, typer.Option("--county-dialogue", help="In dialogue with the county branch.")
    ] = False,
    county: Annotated[
        str | None,
        typer.Option(
            "--county",
            metavar="FYLKESNR",
            help="The applicant is the council's county branch of this county (e.g. 50).",
        ),
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Register an application from a municipality (NR) or a county branch (--county)."""
    number = _applicant(number, county)
    application = service.Application(
        contact_name=contact_name,
        contact_email=contact_email,
        motivation=motivation,
        development_area=development_area,
        county_dialogue=county_dialogue,
    )
    with work() as session:
        case = service.apply(session, number, application, acting(as_of), programme)
        ok(f"{case.municipality_number} {case.municipality.name}: applied to {case.programme_id}")


def _applicant(number: str | None, county: str | None) -> str:
    """NR or --county (exactly one): the applicant's number in the register."""
    from kulturskole.services.applicants import county_branch_number

    if number and county:
        raise InvalidInput(
            "give either NR (a municipality) or --county (a county branch), not both"
        )
    if county is not None:
        return county_branch_number(county)
    if not number:
        raise InvalidInput("say who applies: NR (kommunenummer) or --county FYLKESNR")
    return number


@cases.command("amend")
def amend(
    number: Number,
    motivation: Annotated[str | None, typer.Option("--motivation")] = None,
    development_area: Annotated[str | None, typer.Option("--development-area")] = None,
    county_dialogue: Annotated[
        bool | None, typer.Option("--county-dialogue/--no-county-dialogue")
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Change the answers of an application that is being considered."""
    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        changed = service.amend_application(
            session,
            case,
            acting(as_of),
            motivation=motivation,
            development_area=development_area,
            county_dialogue=county_dialogue,
        )
    ok(f"{number}: " + (f"changed {', '.join(changed)}" if changed else "nothing changed"))


@cases.command("member")
def member(
    number: Number,
    email: Annotated[str, typer.Option("--email", help="Identifies the member.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    phone: Annotated[str | None, typer.Option("--phone")] = None,
    role: Annotated[str | None, typer.Option("--role", help=" | ".join(ROLES))] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the member.")] = False,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Add or update a group member (by e-mail), or remove one with --remove."""
    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        if remove:
            service.remove_member(session, case, acting(as_of), email)
            ok(f"{number}: removed {email}")
            return
        lacking = [opt for opt, v in (("--name", name), ("--role", role)) if not v]
        if lacking:
            raise InvalidInput(f"adding or updating a member needs {' and '.join(lacking)}")
        _, outcome = service.set_member(
            session, case, acting(as_of), name=name, email=email, phone=phone, role=role
        )
    ok(f"{number}: member {email} {outcome}")


@cases.command("record")
def record_(
    number: Number,
    role_mapping_done: Annotated[
        bool, typer.Option("--role-mapping-done", help="The role mapping (kartlegging) is done.")
    ] = False,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record a preparation the contract needs."""
    if not role_mapping_done:
        raise InvalidInput("say what to record: --role-mapping-done")
    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        changed = service.record_role_mapping(session, case, acting(as_of))
    ok(f"{number}: role mapping " + ("recorded" if changed else "was already recorded"))


@cases.command("sign")
def sign(
    number: Number,
    chief_executive: Annotated[str, typer.Option("--chief-executive")],
    culture_school_head: Annotated[str, typer.Option("--culture-school-head")],
    signed_on: Annotated[str, typer.Option("--signed-on", help="YYYY-MM-DD")],
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Record the municipality's signatures on the contract."""
    day = parse_date(signed_on, "--signed-on")
    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        service.sign(
            session,
            case,
            acting(as_of),
            chief_executive=chief_executive,
            culture_school_head=culture_school_head,
            signed_on=day,
        )
    ok(f"{number}: contract signed on {day.isoformat()}")


@cases.command("invoicing-details")
def invoicing_details(
    number: Number,
    reference: Annotated[
        str | None,
        typer.Option("--reference", help='The buyer\'s reference ("deres ref."), max 100.'),
    ] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="The invoice e-mail address.")
    ] = None,
    address: Annotated[
        str | None,
        typer.Option(
            "--address", help='Postal address: "Street 1, 1234 Place" or lines (newlines).'
        ),
    ] = None,
    org_number: Annotated[
        str | None,
        typer.Option(
            "--orgnr", help="Organisation number receiving invoices (default: the municipality's)."
        ),
    ] = None,
    peppol_id: Annotated[
        str | None, typer.Option("--peppol-id", help="Peppol id (default 0192:<orgnr>).")
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", help='Invoice receiver\'s legal name (default "<X> kommune").'),
    ] = None,
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set who receives the case's invoices (partial updates; "" clears a field); with no
    options, show the details as an invoice would carry them now."""
    given = {
        "reference": reference,
        "email": email,
        "address": address,
        "org_number": org_number,
        "peppol_id": peppol_id,
        "name": name,
    }
    changed: list[str] = []
    if all(value is None for value in given.values()):
        with work(readonly=True) as session:
            case = service.find_case(session, number, programme)
            view = details_service.effective_details(case)
    else:
        with work() as session:
            view, changed = details_service.set_invoicing_details(
                session, number, acting(as_of), programme_id=programme, **given
            )
    if as_json:
        print_json({"municipality": number, "changed": changed, **view.as_json()})
        return
    if any(value is not None for value in given.values()):
        ok(f"{number}: " + (f"changed {', '.join(changed)}" if changed else "nothing changed"))
    default = " (default)"
    table(
        f"invoicing details of {number}",
        ["field", "value"],
        [
            ["name", view.name + (default if "name" in view.defaults else "")],
            [
                "organisation number",
                (view.org_number or "none") + (default if "org_number" in view.defaults else ""),
            ],
            [
                "Peppol id",
                (view.peppol_id or "none (no EHF)")
                + (default if "peppol_id" in view.defaults else ""),
            ],
            ["e-mail", view.email or "not given"],
            ["address", "; ".join(view.address) or "not given"],
            ["reference", view.reference or "not given (the coordinator's name is used)"],
        ],
    )


def _transition_command(trigger: str, summary: str) -> None:
    def command(
        number: Number,
        reason: ReasonOpt = None,
        programme: ProgrammeOpt = None,
        as_of: AsOfOpt = None,
    ) -> None:
        _fire(number, trigger, reason, None, programme, as_of)

    command.__doc__ = summary
    cases.command(trigger)(command)


for _trigger, _summary in (
    ("select", "Select the municipality for the programme."),
    ("reject", "Do not select the municipality (the application ends as declined)."),
    ("withdraw", "The municipality withdraws before the contract (ends as declined)."),
    ("contract", "The contract is in place: group, coordinator, role mapping, signatures."),
    ("activate", "The municipality starts taking part (the programme period has started)."),
    ("complete", "The municipality has completed the programme period."),
):
    _transition_command(_trigger, _summary)


@cases.command("terminate")
def terminate(
    number: Number,
    reason: Annotated[str, typer.Option("--reason", help="Why the contract ends.")],
    initiated_by: Annotated[str, typer.Option("--initiated-by", help=" | ".join(INITIATORS))],
    programme: ProgrammeOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """End the contract with immediate effect."""
    if initiated_by not in INITIATORS:
        raise InvalidInput(
            f"--initiated-by must be {' or '.join(INITIATORS)}, not {initiated_by!r}"
        )
    _fire(number, "terminate", reason, initiated_by, programme, as_of)


def _fire(
    number: str,
    trigger: str,
    reason: str | None,
    initiated_by: str | None,
    programme: str | None,
    as_of: str | None,
) -> None:
    with work() as session:
        case = service.find_case(session, number, programme, for_update=True)
        before, after = service.transition(
            session, case, trigger, acting(as_of), reason=reason, initiated_by=initiated_by
        )
        ok(f"{number} {case.municipality.name}: {before} → {after}")


@cases.command("list")
def list_(
    state: Annotated[str | None, typer.Option("--state", help=" | ".join(STATES))] = None,
    programme: ProgrammeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List cases, optionally in one state."""
    with work(readonly=True) as session:
        rows = list_cases(session, programme_id=programme, state=state)
    if as_json:
        print_json(rows)
    else:
        table(
            f"{len(rows)} cases",
            ["nr", "municipality", "state", "applied"],
            [[r["municipality"], r["name"], r["state"], r["applied_on"]] for r in rows],
        )


@cases.command("show")
def show(
    number: Number, programme: ProgrammeOpt = None, as_of: AsOfOpt = None, as_json: JsonOpt = False
) -> None:
    """Show a case: application, group, signatures, and what each possible trigger still needs."""
    with work(readonly=True) as session:
        data = case_detail(session, number, acting(as_of).as_of, programme)
    if as_json:
        print_json(data)
        return
    ok(f"{data['municipality']} {data['name']} in {data['programme']}: {data['state']}")
    ok(f"contact: {data['contact']['name']} <{data['contact']['email']}>")
    table(
        "group",
        ["role", "name", "e-mail", "phone"],
        [[m["role"], m["name"], m["email"], m["phone"]] for m in data["members"]],
    )
    for trigger, unmet in data["missing"].items():
        ok(f"{trigger}: " + ("ready" if not unmet else "; ".join(unmet)))


@cases.command("history")
def history(number: Number, programme: ProgrammeOpt = None, as_json: JsonOpt = False) -> None:
    """The case's history, oldest first."""
    with work(readonly=True) as session:
        data = case_history(session, number, programme)
    if as_json:
        print_json(data)
        return
    print_history(f"history of {number}", data)


def print_history(title: str, data: list[HistoryRow]) -> None:
    table(
        title,
        ["seq", "effective", "at (UTC)", "actor", "action", "from → to", "reason", "details"],
        [
            [
                d["seq"],
                d["effective_on"],
                d["at"][:16].replace("T", " "),
                d["actor"],
                d["action"],
                f"{d['from_state'] or ''} → {d['to_state']}" if d["to_state"] else "",
                d["reason"],
                _summary(d["details"]),
            ]
            for d in data
        ],
    )


def _summary(details: dict[str, Any]) -> str:
    """The details an administrator scans for; the rest is in --json."""
    keys = ("role", "changed", "initiated_by", "signed_on", "template")
    return ", ".join(
        f"{k}={','.join(v) if isinstance(v, list) else v}" for k in keys if (v := details.get(k))
    )


def register(app: typer.Typer) -> None:
    app.add_typer(cases, name="cases")
