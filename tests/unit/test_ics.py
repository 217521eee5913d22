"""Calendar invitations for guidance visits: kulturskole.visits.ics."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from kulturskole.visits.ics import Invitation, invitation_ics

OSLO = ZoneInfo("Europe/Oslo")
UID = "visit-42@kulturskole.kulturskoleradet.no"
SUMMARY = "Veiledningsbesøk: Fremtidens kulturskole – Bærum kommune (Ås, Øvre Eiker)"


def make(**changes) -> Invitation:
    fields = dict(
        uid=UID,
        sequence=0,
        method="REQUEST",
        start=datetime(2024, 10, 22, 10, 0, tzinfo=OSLO),
        end=datetime(2024, 10, 22, 12, 0, tzinfo=OSLO),
        summary=SUMMARY,
        description="Veiledningsbesøk i kommunen.\nTema: søknad, rammeplan; økonomi.",
        location="Bærum kommune",
        organizer_name="Åse Rådgiver",
        organizer_email="ase.radgiver@kulturskoleradet.no",
        attendees=(
            ("Kari Nordmann", "kari.nordmann@baerum.kommune.no"),
            (None, "postmottak@baerum.kommune.no"),
        ),
        stamp=datetime(2024, 10, 1, 9, 30, tzinfo=UTC),
    )
    fields.update(changes)
    return Invitation(**fields)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def unfolded(data: bytes) -> str:
    return data.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")


def test_round_trip() -> None:
    invitation = make()
    data = invitation_ics(invitation)
    calendar, event = parse(data)

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Norsk kulturskoleråd//kulturskole//NB"
    assert str(event["UID"]) == UID
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == SUMMARY
    assert str(event["DESCRIPTION"]) == invitation.description
    assert str(event["LOCATION"]) == "Bærum kommune"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["TRANSP"]) == "OPAQUE"

    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:ase.radgiver@kulturskoleradet.no"
    assert organizer.params["CN"] == "Åse Rådgiver"

    attendees = event["ATTENDEE"]
    assert [str(a) for a in attendees] == [
        "mailto:kari.nordmann@baerum.kommune.no",
        "mailto:postmottak@baerum.kommune.no",
    ]
    assert attendees[0].params["CN"] == "Kari Nordmann"
    assert "CN" not in attendees[1].params
    for attendee in attendees:
        assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
        assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        assert attendee.params["RSVP"] == "TRUE"

    start, end = event["DTSTART"].dt, event["DTEND"].dt
    assert start == invitation.start and end == invitation.end
    assert getattr(start.tzinfo, "key", None) == "Europe/Oslo"
    assert getattr(end.tzinfo, "key", None) == "Europe/Oslo"
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event["DTSTAMP"].dt == invitation.stamp

    text = unfolded(data)
    assert "DTSTAMP:20241001T093000Z\r\n" in text
    assert '\nORGANIZER;CN="Åse Rådgiver":mailto:ase.radgiver@kulturskoleradet.no\r\n' in text


def test_crlf_and_folding() -> None:
    data = invitation_ics(make(description="Lang tekst om kulturskolen. " * 20))
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert b"\r\n " in data  # the long description was folded


def test_summer_and_winter_time() -> None:
    summer = make(
        start=datetime(2024, 10, 22, 10, tzinfo=OSLO), end=datetime(2024, 10, 22, 12, tzinfo=OSLO)
    )
    winter = make(
        start=datetime(2024, 10, 29, 10, tzinfo=OSLO), end=datetime(2024, 10, 29, 12, tzinfo=OSLO)
    )
    for invitation, day, utc_hour in ((summer, "20241022", 8), (winter, "20241029", 9)):
        data = invitation_ics(invitation)
        text = unfolded(data)
        assert f"\r\nDTSTART;TZID=Europe/Oslo:{day}T100000\r\n" in text
        assert f"\r\nDTEND;TZID=Europe/Oslo:{day}T120000\r\n" in text

        calendar, event = parse(data)
        assert event["DTSTART"].dt.astimezone(UTC) == datetime(
            2024, 10, int(day[-2:]), utc_hour, tzinfo=UTC
        )
        assert event["DTEND"].dt.astimezone(UTC) == datetime(
            2024, 10, int(day[-2:]), utc_hour + 2, tzinfo=UTC
        )

        (vtimezone,) = calendar.walk("VTIMEZONE")
        assert str(vtimezone["TZID"]) == "Europe/Oslo"
        offsets_to = {(part.name, part["TZOFFSETTO"].to_ical()) for part in vtimezone.subcomponents}
        assert ("DAYLIGHT", "+0200") in offsets_to
        assert ("STANDARD", "+0100") in offsets_to
        # The zone's own transitions in the event's year are in it, as the package writes them.
        assert "BEGIN:DAYLIGHT\r\nDTSTART:20240331T030000\r\n" in text
        assert "BEGIN:STANDARD\r\nDTSTART:20241027T030000\r\n" in text
        # A client that knows no IANA zones and reads only the VTIMEZONE gets the same offset.
        described = vtimezone.to_tz(lookup_tzid=False)
        local = datetime(2024, 10, int(day[-2:]), 10)
        assert local.replace(tzinfo=described).utcoffset() == timedelta(hours=10 - utc_hour)
        # DTSTART and DTEND are the only properties with a TZID parameter.
        assert text.count("TZID=") == 2


def test_vtimezone_covers_a_visit_across_new_year() -> None:
    data = invitation_ics(
        make(
            start=datetime(2025, 12, 31, 22, tzinfo=OSLO),
            end=datetime(2026, 1, 1, 1, tzinfo=OSLO),
        )
    )
    calendar, event = parse(data)
    assert event["DTEND"].dt.astimezone(UTC) == datetime(2026, 1, 1, 0, tzinfo=UTC)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    described = vtimezone.to_tz(lookup_tzid=False)
    for local, hours in (
        (datetime(2025, 12, 31, 22), 1),
        (datetime(2026, 1, 1, 1), 1),
        (datetime(2026, 3, 29, 1, 59), 1),  # summer time 2026 begins at 02:00 -> 03:00
        (datetime(2026, 3, 29, 3, 0), 2),
        (datetime(2026, 10, 25, 3, 1), 1),  # and ends at 03:00 -> 02:00
    ):
        assert local.replace(tzinfo=described).utcoffset() == timedelta(hours=hours), local


def test_start_in_utc_is_written_as_oslo_local_time() -> None:
    start = datetime(2024, 6, 3, 7, 30, tzinfo=UTC)  # 09:30 summer time in Oslo
    new_york = ZoneInfo("America/New_York")
    end = datetime(2024, 6, 3, 5, 0, tzinfo=new_york)  # 09:00 UTC = 11:00 in Oslo
    data = invitation_ics(make(start=start, end=end))
    text = unfolded(data)
    assert "\r\nDTSTART;TZID=Europe/Oslo:20240603T093000\r\n" in text
    assert "\r\nDTEND;TZID=Europe/Oslo:20240603T110000\r\n" in text
    assert "America/New_York" not in text
    _calendar, event = parse(data)
    assert event["DTSTART"].dt == start
    assert event["DTEND"].dt == end
    assert event["DTSTART"].dt.tzinfo.key == "Europe/Oslo"


def test_stamp_in_another_zone_is_written_in_utc() -> None:
    data = invitation_ics(make(stamp=datetime(2024, 10, 1, 11, 30, tzinfo=OSLO)))
    assert b"\r\nDTSTAMP:20241001T093000Z\r\n" in data


def test_cancel() -> None:
    data = invitation_ics(make(method="CANCEL", sequence=3))
    text = unfolded(data)
    assert "\r\nMETHOD:CANCEL\r\n" in text
    assert "\r\nSTATUS:CANCELLED\r\n" in text
    assert "CONFIRMED" not in text
    calendar, event = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == UID
    assert int(event["SEQUENCE"]) == 3


def test_cancel_status_follows_method() -> None:
    assert make(method="CANCEL").status == "CANCELLED"
    assert make(method="CANCEL") == make(method="CANCEL", status="CANCELLED")
    with pytest.raises(ValueError, match="CANCEL"):
        make(status="CANCELLED")


def test_update_keeps_uid_and_raises_sequence() -> None:
    first = invitation_ics(make())
    moved = invitation_ics(
        make(
            sequence=1,
            start=datetime(2024, 10, 23, 10, tzinfo=OSLO),
            end=datetime(2024, 10, 23, 12, tzinfo=OSLO),
        )
    )
    assert parse(first)[1]["UID"] == parse(moved)[1]["UID"]
    assert b"\r\nSEQUENCE:1\r\n" in moved
    assert b"\r\nMETHOD:REQUEST\r\n" in moved


def test_escaping_is_done_by_the_package() -> None:
    description = "Agenda:\n1. Status, mål; plan\n2. Veien videre\\neste år"
    location = "Nettmøte: https://teams.example/møte?id=1,2;3"
    data = invitation_ics(make(description=description, location=location))
    text = unfolded(data)
    assert "Status\\, mål\\; plan\\n2." in text
    _calendar, event = parse(data)
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == location


def test_names_with_commas_and_quotes() -> None:
    attendees = (('Hansen, Kari "Kulturskolen"', "kari@example.no"),)
    _calendar, event = parse(invitation_ics(make(attendees=attendees)))
    assert event["ATTENDEE"].params["CN"] == 'Hansen, Kari "Kulturskolen"'


def test_no_location() -> None:
    data = invitation_ics(make(location=None))
    assert b"LOCATION" not in data


def test_deterministic() -> None:
    assert invitation_ics(make()) == invitation_ics(make())
    assert invitation_ics(make(method="CANCEL", sequence=2)) == invitation_ics(
        make(method="CANCEL", sequence=2)
    )
    assert invitation_ics(make()) != invitation_ics(make(sequence=1))


def test_fractions_of_a_second_are_dropped_consistently() -> None:
    start = datetime(2024, 10, 22, 10, 0, 0, 900_000, tzinfo=OSLO)
    data = invitation_ics(make(start=start))
    assert "DTSTART;TZID=Europe/Oslo:20241022T100000\r\n" in unfolded(data)


@pytest.mark.parametrize("field", ["start", "end", "stamp"])
def test_naive_datetimes_are_refused(field: str) -> None:
    aware = getattr(make(), field)
    with pytest.raises(ValueError, match="timezone-aware"):
        make(**{field: aware.replace(tzinfo=None)})


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1), timedelta(microseconds=5)])
def test_end_must_be_after_start(length: timedelta) -> None:
    start = datetime(2024, 10, 22, 10, tzinfo=OSLO)
    with pytest.raises(ValueError, match="not after start"):
        make(start=start, end=start + length)


def test_end_after_start_across_zones() -> None:
    # 10:00 Oslo is 08:00 UTC in October before the change: 09:00 UTC is after it.
    start = datetime(2024, 10, 22, 10, tzinfo=OSLO)
    invitation_ics(make(start=start, end=datetime(2024, 10, 22, 9, tzinfo=UTC)))
    with pytest.raises(ValueError):
        make(start=start, end=datetime(2024, 10, 22, 8, tzinfo=UTC))


@pytest.mark.parametrize(
    "changes",
    [
        {"method": "PUBLISH"},
        {"status": "TENTATIVE"},
        {"sequence": -1},
        {"uid": " "},
        {"attendees": ()},
        {"organizer_email": "not-an-address"},
        {"attendees": ((None, "kari@example.no\r\nX-EVIL:1"),)},
        {"start": datetime(2024, 10, 22).date()},
    ],
)
def test_invalid_invitations_are_refused(changes: dict) -> None:
    with pytest.raises(ValueError):
        make(**changes)


def test_attendees_given_as_a_list_are_stored_as_a_tuple() -> None:
    invitation = make(attendees=[["Kari", "kari@example.no"]])
    assert invitation.attendees == (("Kari", "kari@example.no"),)
    hash(invitation)
    assert dataclasses.replace(invitation, sequence=1).attendees == invitation.attendees
