"""What the programme says to a municipality: mail messages and standalone documents.

A **message** ``name`` is three templates under ``notifications/templates``:
``<name>.subject.txt`` (one line), ``<name>.txt`` (plain text body, extends ``base.txt``) and
``<name>.html`` (HTML body, extends ``base.html``). ``render(name, context)`` renders all three
and returns a ``Rendered``; the subject is forced onto one line (no CR/LF can reach a header).
A **document** (``contract``) is one standalone HTML page, rendered by ``render_document``.

Autoescaping is on for ``.html`` and off for ``.txt``; undefined variables raise
(``StrictUndefined``). No programme fact is written into a template: titles, dates, names,
amounts and counts all come from the context.

Common context (every message; mappings, read with dot syntax in the templates):

``programme``
    ``{id, title, subtitles: [str], period_start: date, period_end: date,
    contract: {place, date_text, director}, contact: {name, title, email, phone},
    fee_ore: int}``.
``municipality``
    ``{number, name}``; the name is printed as "<name> kommune" unless it already ends in
    "kommune".
``recipient`` (optional)
    ``{name}``: the person greeted ("Hei Kari,"); absent, None or without a name → "Hei,".
``council``
    ``{name, website}``: ``website`` may be None or absent.
``case``
    ``{state}``.

The key ``subject`` is set by ``render`` (the rendered subject, for the HTML ``<title>``).

Extra context per message: ``REQUIRED_CONTEXT`` (must be present; some may be None) and
``OPTIONAL_CONTEXT`` (may be left out). An *event* is a mapping (or object) like the timetable
lines of the programme file: ``{title, kind, mode ("physical"/"digital"/None), start, end
(dates or None), tentative (bool), when (text or None), time ({start, end} "HH:MM" or None),
duration_minutes (int or None)}`` and optionally ``note``.

A missing context key raises ``jinja2.exceptions.UndefinedError``: top-level keys are checked
before rendering (naming all that are missing), nested ones by ``StrictUndefined``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Undefined, select_autoescape
from jinja2.exceptions import UndefinedError

from kulturskole.config import get_settings
from kulturskole.names import is_county_branch_name, own_name, written_name
from notifications import words as _words

__all__ = [
    "COMMON_CONTEXT",
    "DOCUMENTS",
    "LOCALE",
    "OPTIONAL_CONTEXT",
    "REQUIRED_CONTEXT",
    "TEMPLATES",
    "TEMPLATES_DIR",
    "Rendered",
    "dato",
    "dato_kort",
    "i_tid",
    "environment",
    "klokkeslett",
    "kommune",
    "kr",
    "kroner",
    "maaned",
    "modus",
    "naar",
    "periode",
    "render",
    "render_document",
    "setning",
    "stor_forbokstav",
    "liten_forbokstav",
    "kommune_fullt",
    "naar_i_setning",
    "tall",
    "tidsrom",
    "ukedag",
    "varighet",
]

LOCALE = "nb_NO"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

#: Keys every message template receives (``recipient`` is optional and not listed).
COMMON_CONTEXT: tuple[str, ...] = ("programme", "municipality", "council", "case")

#: Context keys each message needs beyond ``COMMON_CONTEXT``. A key listed here must be
#: present, though some may be None where the message says so:
#:
#: - ``application_received``: ``applied_on`` (date); ``contact`` {name}: the municipality's
#:   contact person named in the application.
#: - ``selected``: ``min_group_size`` (int, from the programme's participation rules).
#: - ``not_selected``: ``reason`` (text or None → not mentioned).
#: - ``withdrawn``: nothing (``reason`` is optional).
#: - ``contract_for_signature``: ``attachment_name`` (file name of the attached contract).
#: - ``welcome``: ``events`` (list of events: those still ahead on the day it is sent),
#:   ``members`` ([{name, role}]: the group, role in Norwegian, coordinator first; may be
#:   empty), ``advisor`` ({name, email, phone} or None: "will be introduced"),
#:   ``instalments`` (int), ``meeting_plan_due``, ``development_plan_due`` (dates or None).
#: - ``reminder``: ``event`` (one event), ``days_before`` (int; 0 → "i dag", 1 → "i morgen");
#:   a guidance visit's reminder (event kind "visit-window") may also give ``advisor``
#:   {name, email, phone}: absence is reported to the advisor.
#: - ``invoice``: ``invoice`` {number, instalment, instalments, amount_ore (int), issue_date,
#:   due_date, kid, account}, ``attachment_name``, ``ehf`` (bool: also sent as EHF).
#: - ``credit_note``: ``credit_note`` {number, credited_number, credited_issue_date, amount_ore,
#:   issue_date, reason}, ``attachment_name``, ``ehf`` (bool); optionally ``refund``
#:   {amount_ore (what was paid and will be paid back), invoice_amount_ore, account (the
#:   municipality's account to refund to, or None: the mail asks for it)}; absent or None: the
#:   invoice was not paid, and the mail says it is not to be paid.
#: - ``payment_reminder``: ``reminder`` {ordinal (1 or 2), invoice_number, kid, account,
#:   amount_ore, paid_ore, balance_ore (ints), issue_date, due_date, new_due_date}.
#: - ``visit_invitation``: ``visit`` {start, end (aware datetimes), mode ("physical" or
#:   "digital"), location (text or None), advisor {name, email, phone}}.
#: - ``visit_changed``: ``visit``, ``previous_start`` (aware datetime).
#: - ``visit_cancelled``: ``visit``, ``reason`` (text or None).
#: - ``obligation_warning``: ``breach`` {rule, rule_text, evidence ([sentences], from
#:   notifications.breach_text), remedy_by (date), can_terminate (bool: the letter says the
#:   agreement can be ended; never for an unpaid invoice), undoable (bool: it can be put right;
#:   False asks for a written explanation and a plan), request (what is asked for by the date)}.
#: - ``termination``: ``termination`` {reason, initiated_by ("leadership" or "coordinator"),
#:   effective_on (date), warning ({sent_on, about, evidence, remedy_by} or None), instalments
#:   {total, invoiced, unpaid, still_invoiced, not_invoiced}, visits_cancelled (int)}; built by
#:   notifications.termination_letter.
#: - ``completion``: nothing.
#: - ``plan_reminder``: ``plan`` {what ("meeting-plan" or "development-plan"), due (date)}: the
#:   plan's due date is near and it is not recorded delivered.
REQUIRED_CONTEXT: dict[str, tuple[str, ...]] = {
    "application_received": ("applied_on", "contact"),
    "selected": ("min_group_size",),
    "not_selected": ("reason",),
    "withdrawn": (),
    "contract_for_signature": ("attachment_name",),
    "welcome": (
        "events",
        "members",
        "advisor",
        "instalments",
        "meeting_plan_due",
        "development_plan_due",
    ),
    "reminder": ("event", "days_before"),
    "invoice": ("invoice", "attachment_name", "ehf"),
    "credit_note": ("credit_note", "attachment_name", "ehf"),
    "payment_reminder": ("reminder",),
    "visit_invitation": ("visit",),
    "visit_changed": ("visit", "previous_start"),
    "visit_cancelled": ("visit", "reason"),
    "obligation_warning": ("breach",),
    "termination": ("termination",),
    "completion": (),
    "plan_reminder": ("plan",),
}
#: - ``contract_meeting_invitation``: ``meeting`` {start, end (aware datetimes), mode
#:   ("physical" or "digital"), location (text or None), host {name, email, phone (or None),
#:   advisor (bool: the case's advisor; otherwise the programme contact)}}.
REQUIRED_CONTEXT["contract_meeting_invitation"] = ("meeting",)
#: - ``contract_meeting_cancelled``: ``meeting`` as above (the case was terminated before it).
REQUIRED_CONTEXT["contract_meeting_cancelled"] = ("meeting",)

#: Keys a message uses when present (absent or None → left out).
#: ``withdrawn``: ``reason``; ``completion``: ``sharing_arena`` (the sharing-arena event, to say
#: when it is planned); ``reminder``: ``advisor`` (a visit's reminder). Any message may set
#: ``formal`` (True: the formal opening "Til <kommune> / v/kommunedirektør og kulturskoleleder",
#: ``formal_to`` naming others) instead of greeting the recipient; a template may set it itself.
OPTIONAL_CONTEXT: dict[str, tuple[str, ...]] = {
    "withdrawn": ("reason",),
    "completion": ("sharing_arena",),
    "reminder": ("advisor",),
    "credit_note": ("refund",),
}
# contract_for_signature: founding_document_name (file name of the attached founding document,
# grunnlagsdokumentet; absent when the programme has none).
OPTIONAL_CONTEXT["contract_for_signature"] = ("founding_document_name",)

# Events (notifications.events): ``event_invitation``: ``event`` (an exact event: the
# inspiration gathering or the sharing arena), ``applicant`` {kind ("municipality" or
# "county-branch")}; ``event_scheduled``: ``event`` (exact, as it is now), ``previous`` (the
# same event as it was: tentative with its ``when``, or exact with other dates), ``applicant``.
REQUIRED_CONTEXT.update(
    {
        "event_invitation": ("event", "applicant"),
        "event_scheduled": ("event", "previous", "applicant"),
    }
)

#: Every message template name.
TEMPLATES: tuple[str, ...] = tuple(REQUIRED_CONTEXT)

#: Standalone documents (``render_document``) and the context keys each needs.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "contract": ("programme", "municipality", "council"),
}
# contract: optionally ``signatures`` {chief_executive, culture_school_head, signed_on,
# director, director_signed_on}: the contract as the three parties signed it.


@dataclass(frozen=True, slots=True)
class Rendered:
    """One rendered message: a one-line subject, a plain text body and an HTML body."""

    subject: str
    text: str
    html: str


# --- filters -----------------------------------------------------------------------------------


def _defined(value: Any) -> None:
    """Raise ``UndefinedError`` for a jinja ``Undefined`` passed to a filter."""
    if isinstance(value, Undefined):
        str(value)  # StrictUndefined raises here, with jinja's own message
        raise UndefinedError("a filter was given an undefined value")


def _field(obj: Any, name: str, default: Any = ...) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for objects; ``default`` when missing."""
    if isinstance(obj, Mapping):
        if name in obj:
            return obj[name]
    elif hasattr(obj, name):
        return getattr(obj, name)
    if default is ...:
        raise UndefinedError(f"{type(obj).__name__} has no {name!r}")
    return default


#: The time zone of the message being rendered (set by :func:`render` and
#: :func:`render_document` for their duration: a message prints a dozen times, and a batch of
#: 5 000 invitations asked the settings 65 000 times); outside them, the settings'.
_rendering_tz: ContextVar[tzinfo | None] = ContextVar("rendering_tz", default=None)


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no time zone; give an aware datetime")
    return moment.astimezone(_rendering_tz.get() or get_settings().tz)


@contextmanager
def _in_time_zone() -> Iterator[None]:
    token = _rendering_tz.set(get_settings().tz)
    try:
        yield
    finally:
        _rendering_tz.reset(token)


def _day(value: Any) -> date:
    _defined(value)
    if isinstance(value, datetime):
        return _local(value).date()
    if isinstance(value, date):
        return value
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}: {value!r}")


def kr(amount: int | Decimal) -> str:
    """An amount in NOK, Norwegian style: ``int`` is øre, ``Decimal`` is kroner.

    ``kr(666667) == "6\\u00a0666,67\\u00a0kr"`` (Babel, nb_NO: no-break spaces U+00A0 between
    the digit groups and before "kr"). A float is refused (``TypeError``): money is exact.
    """
    _defined(amount)
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal):
        raise TypeError(
            f"kr() takes øre as int or kroner as Decimal, not {type(amount).__name__}: {amount!r}"
        )
    if isinstance(amount, int):
        kroner = Decimal(amount).scaleb(-2)
    else:
        if not amount.is_finite():
            raise ValueError(f"kr() got {amount}")
        if amount % Decimal("0.01"):
            raise ValueError(f"{amount} kroner is not a whole number of øre")
        kroner = amount
    return format_currency(kroner, "NOK", locale=LOCALE)


def kroner(amount: int) -> str:
    """An amount (øre, ``int``) for running text: "20 000 kroner", "6 666,67 kroner" (no-break
    spaces in the digit groups and before "kroner"). ``kr`` is for amounts in a table."""
    _defined(amount)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"kroner() takes øre as int, not {type(amount).__name__}: {amount!r}")
    value = Decimal(amount).scaleb(-2)
    shown = format_decimal(
        value, format="#,##0" if amount % 100 == 0 else "#,##0.00", locale=LOCALE
    )
    return f"{shown}\u00a0kroner"


@lru_cache(maxsize=4096)
def _date_as(day: date, pattern: str) -> str:
    """Babel's ``format_date`` in Norwegian bokmål, remembered: a batch of letters prints the
    same few days thousands of times, and Babel parses its pattern each time."""
    return format_date(day, pattern, locale=LOCALE)


def dato(value: date | datetime) -> str:
    """A date in words, "24. september 2024"; an aware datetime is taken in Europe/Oslo."""
    return _date_as(_day(value), "long")


def dato_kort(value: date | datetime) -> str:
    """A date in digits, "24.09.2024"; an aware datetime is taken in Europe/Oslo."""
    return _date_as(_day(value), "dd.MM.yyyy")


def ukedag(value: date | datetime) -> str:
    """The weekday, "tirsdag"."""
    return _date_as(_day(value), "EEEE")


def maaned(value: date | datetime) -> str:
    """Month and year, "august 2024"."""
    return _date_as(_day(value), "MMMM yyyy")


_CLOCK = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


def klokkeslett(value: time | datetime | str) -> str:
    """A clock time as Norwegian writes it, "09.00": a ``time``, an aware datetime (in
    Europe/Oslo) or "H:MM" (or "H.MM") text. Running text puts "kl." before it: "kl. 09.00"."""
    _defined(value)
    if isinstance(value, datetime):
        value = _local(value).time()
    if isinstance(value, time):
        return f"{value.hour:02d}.{value.minute:02d}"
    if isinstance(value, str) and (match := _CLOCK.fullmatch(value.strip())):
        return f"{int(match[1]):02d}.{match[2]}"
    raise TypeError(f"expected a time, an aware datetime or 'HH:MM', got {value!r}")


def klokkeslett_fra_til(start: time | datetime | str, end: time | datetime | str) -> str:
    """A span of clock times, "kl. 10.00–12.30" (an en dash, no spaces)."""
    return f"kl. {klokkeslett(start)}–{klokkeslett(end)}"


_NUMBER_WORDS = (
    "null",
    "en",
    "to",
    "tre",
    "fire",
    "fem",
    "seks",
    "sju",
    "åtte",
    "ni",
    "ti",
    "elleve",
    "tolv",
)


def tall(number: int, kjonn: str = "m") -> str:
    """A count in running text as Norwegian writes it: in words up to twelve, digits above.

    ``tall(4) == "fire"``, ``tall(7) == "sju"``, ``tall(13) == "13"``; one is "en", or "ett"
    before a neuter noun (``tall(1, "n")``: "ett møte"); ``kjonn`` is "m" (masculine and
    feminine) or "n" (neuter). A bool, a float or a negative number is refused.
    """
    _defined(number)
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError(f"tall() takes a whole number, not {type(number).__name__}: {number!r}")
    if number < 0:
        raise ValueError(f"tall() takes a count (zero or more), not {number}")
    if kjonn not in ("m", "n"):
        raise ValueError(f"kjonn is 'm' or 'n', not {kjonn!r}")
    if number > 12:
        return format_decimal(number, locale=LOCALE)
    if number == 1 and kjonn == "n":
        return "ett"
    return _NUMBER_WORDS[number]


def periode(start: date | datetime, end: date | datetime) -> str:
    """A span of days: "24. september 2024", "24.–25. september 2024",
    "30. september – 1. november 2024", "30. desember 2025 – 2. januar 2026"."""
    first, last = _day(start), _day(end)
    if last < first:
        raise ValueError(f"{last.isoformat()} is before {first.isoformat()}")
    if first == last:
        return dato(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}.–{dato(last)}"
    if first.year == last.year:
        return f"{_date_as(first, 'd. MMMM')} – {dato(last)}"
    return f"{dato(first)} – {dato(last)}"


def tidsrom(start: datetime, end: datetime) -> str:
    """A meeting's time, "tirsdag 1. oktober 2024 kl. 10.00–12.00" (Europe/Oslo)."""
    _defined(start)
    _defined(end)
    first, last = _local(start), _local(end)
    if last < first:
        raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
    text = f"{ukedag(first)} {dato(first)} kl. {klokkeslett(first)}"
    if first.date() == last.date():
        return f"{text}–{klokkeslett(last)}"
    return f"{text} til {ukedag(last)} {dato(last)} kl. {klokkeslett(last)}"


def varighet(minutes: int) -> str:
    """A duration: "45 minutter", "en time", "2,5 timer", "to timer", "en time og 40 minutter"
    (whole counts up to twelve in words, as ``tall``)."""
    _defined(minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
        raise ValueError(f"expected a positive number of minutes, got {minutes!r}")

    def count(number: int | Decimal, one: str, many: str) -> str:
        if isinstance(number, Decimal) and number == number.to_integral_value():
            number = int(number)
        shown = tall(number) if isinstance(number, int) else format_decimal(number, locale=LOCALE)
        return f"{shown} {one if number == 1 else many}"

    if minutes < 60:
        return count(minutes, "minutt", "minutter")
    if minutes % 30 == 0:
        return count(Decimal(minutes) / 60, "time", "timer")
    hours, rest = divmod(minutes, 60)
    return f"{count(hours, 'time', 'timer')} og {count(rest, 'minutt', 'minutter')}"


_MODES = {"physical": "fysisk", "digital": "digital", None: "ikke avklart"}


def modus(mode: str | None) -> str:
    """An event's or visit's mode in Norwegian: "fysisk", "digital" or "ikke avklart"."""
    _defined(mode)
    if mode not in _MODES:
        raise ValueError(f"unknown mode {mode!r}; expected 'physical', 'digital' or None")
    return _MODES[mode]


def naar(event: Any) -> str:
    """When an event is: its dates (and clock time or duration), or a tentative event's
    ``when`` text ("Juni eller august 2025")."""
    _defined(event)
    if _field(event, "tentative", False):
        text = _field(event, "when", None)
        if not text:
            raise ValueError(f"the tentative event {_field(event, 'title', '?')!r} has no `when`")
    else:
        text = periode(_field(event, "start"), _field(event, "end"))
    clock = _field(event, "time", None)
    minutes = _field(event, "duration_minutes", None)
    if clock:
        text += f" {klokkeslett_fra_til(_field(clock, 'start'), _field(clock, 'end'))}"
    elif minutes:
        text += f" ({varighet(minutes)})"
    return text


def naar_i_setning(event: Any) -> str:
    """When an event is, for the middle of a sentence: "onsdag 21. august 2024",
    "tirsdag 24. september 2024 kl. 10.00–12.30", "24.–25. september 2024", or a tentative
    event's ``when`` text with a small first letter ("januar 2026, uke 2–3 eller 4").

    The duration is not given here (say it in a sentence of its own: ``varighet``)."""
    _defined(event)
    if _field(event, "tentative", False):
        text = _field(event, "when", None)
        if not text:
            raise ValueError(f"the tentative event {_field(event, 'title', '?')!r} has no `when`")
        return liten_forbokstav(text)
    first, last = _day(_field(event, "start")), _day(_field(event, "end"))
    text = f"{ukedag(first)} {dato(first)}" if first == last else periode(first, last)
    clock = _field(event, "time", None)
    if clock:
        text += f" {klokkeslett_fra_til(_field(clock, 'start'), _field(clock, 'end'))}"
    return text


_MONTHS = (
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
)


def i_tid(text: str) -> str:
    """A time phrase from ``naar_i_setning`` with the preposition a month or week needs:
    "januar 2026, uke 2–3 eller 4" → "i januar 2026, uke 2–3 eller 4"; a day ("onsdag 14.
    januar 2026", "13.–14. januar 2026") needs none and is kept."""
    _defined(text)
    text = str(text)
    first = text.split(" ", 1)[0].strip(",").casefold()
    return f"i {text}" if first in _MONTHS or first == "uke" else text


def kommune(name: str) -> str:
    """A municipality's own name as it writes it in running text and subjects, "Bodø kommune":
    Statistics Norway's list form is turned into the own name first ("Herøy (Møre og Romsdal)"
    → "Herøy kommune", "Trondheim - Tråante" → "Trondheim kommune"; ``kulturskole.names``).
    A name already ending in "kommune" is kept, and so is a county branch's ("Norsk
    kulturskoleråd Trøndelag": an applicant too, never a kommune)."""
    _defined(name)
    name = str(name).strip()
    if is_county_branch_name(name):
        return name
    name = own_name(name) or name
    return name if name.casefold().endswith("kommune") else f"{name} kommune"


def kommune_fullt(name: str) -> str:
    """A municipality's full written name, with its Sami or Kven parallel name where it has one,
    for an address line, a formal opening or a contract party: "Trondheim kommune – Tråante",
    "Bodø kommune" (``kulturskole.names.written_name``)."""
    _defined(name)
    return written_name(str(name).strip())


def setning(text: str) -> str:
    """A reason typed by an administrator, printed as a sentence: the first letter upper-case
    and a full stop at the end unless it ends in one already ("Mangler dialog med
    fylkesavdelingen" → "Mangler dialog med fylkesavdelingen.")."""
    _defined(text)
    text = str(text).strip()
    if not text:
        return text
    text = text[:1].upper() + text[1:]
    return text if text[-1] in '.!?…»)"' else f"{text}."


def stor_forbokstav(text: str) -> str:
    """Upper-case the first letter only ("regionale program" → "Regionale program")."""
    _defined(text)
    text = str(text)
    return text[:1].upper() + text[1:]


def liten_forbokstav(text: str) -> str:
    """Lower-case the first letter of a title used inside a sentence ("Koordinatorsamling 1"
    → "koordinatorsamling 1"); a word in capitals throughout ("EHF") is kept."""
    _defined(text)
    text = str(text)
    if text[:2].isupper():  # an acronym ("EHF", "EHF-faktura")
        return text
    return text[:1].lower() + text[1:]


def _fail(message: str) -> None:
    raise ValueError(message)


# --- the environment -----------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html",),
            disabled_extensions=("txt",),
            default_for_string=False,
            default=True,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    env.filters.update(
        kr=kr,
        kroner=kroner,
        dato=dato,
        dato_kort=dato_kort,
        ukedag=ukedag,
        maaned=maaned,
        klokkeslett=klokkeslett,
        periode=periode,
        tidsrom=tidsrom,
        varighet=varighet,
        modus=modus,
        naar=naar,
        kommune=kommune,
        kommune_fullt=kommune_fullt,
        stor_forbokstav=stor_forbokstav,
        setning=setning,
        liten_forbokstav=liten_forbokstav,
        naar_i_setning=naar_i_setning,
        tall=tall,
        i_tid=i_tid,
        klokkeslett_fra_til=klokkeslett_fra_til,
    )
    env.globals["fail"] = _fail
    return env


#: The shared jinja environment (filters as above; the global ``fail(message)`` raises).
environment = _environment()
# Ordinals in running text ("det første av tre avdrag"), from notifications.words.
environment.filters.update(_words.FILTERS)

# Whitespace except the no-break spaces, which Babel puts inside amounts ("6 666,67 kr").
_SUBJECT_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BLANK_LINES = re.compile(r"\n{3,}")


def _one_line(text: str) -> str:
    return _CONTROL.sub("", _SUBJECT_SPACE.sub(" ", text)).strip()


def _tidy_text(text: str) -> str:
    """Trailing spaces off every line (but the signature separator "-- "), at most one blank
    line in a row, one final newline."""
    text = "\n".join(line if line == "-- " else line.rstrip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip("\n") + "\n"


def _require(what: str, context: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    missing = [key for key in keys if key not in context]
    if missing:
        raise UndefinedError(f"{what} needs context keys that are missing: {', '.join(missing)}")


def render(name: str, context: Mapping[str, Any]) -> Rendered:
    """Render message ``name`` (one of ``TEMPLATES``) with ``context``.

    The subject's whitespace runs (CR/LF included) become single spaces and control characters
    are dropped, so it is always one line. Raises ``ValueError`` for an unknown name and
    ``jinja2.exceptions.UndefinedError`` for missing context.
    """
    if name not in REQUIRED_CONTEXT:
        raise ValueError(f"unknown message template {name!r}; known: {', '.join(TEMPLATES)}")
    _require(f"message {name!r}", context, COMMON_CONTEXT + REQUIRED_CONTEXT[name])
    values = dict(context)
    with _in_time_zone():
        subject = _one_line(environment.get_template(f"{name}.subject.txt").render(values))
        values["subject"] = subject
        text = _tidy_text(environment.get_template(f"{name}.txt").render(values))
        html = environment.get_template(f"{name}.html").render(values)
    return Rendered(subject=subject, text=text, html=html)


def render_document(name: str, context: Mapping[str, Any]) -> str:
    """Render standalone HTML document ``name`` ("contract" or "contract.html")."""
    key = name.removesuffix(".html")
    if key not in DOCUMENTS:
        raise ValueError(f"unknown document {name!r}; known: {', '.join(DOCUMENTS)}")
    _require(f"document {key!r}", context, DOCUMENTS[key])
    with _in_time_zone():
        return environment.get_template(f"{key}.html").render(dict(context))


# --- context from the programme file ----------------------------------------------------------
