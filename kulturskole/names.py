"""Municipalities' own names, for what a municipality receives (invoices and their mail).

``Municipality.name`` holds Statistics Norway's list form, which tells two municipalities of one
name apart ("Våler (Østfold)", "Våler (Innlandet)") and joins parallel names in Norwegian, Sami
and Kven ("Trondheim - Tråante", "Kárášjohka - Karasjok"). Lists (the console, the CLI) keep that
form; an invoice names the buyer as the municipality names itself: "Våler kommune",
"Trondheim kommune". The parallel-name forms come from ``data/kommunenavn.csv``, whose header
says where each form comes from.

How a letter writes the name (issue 13):

- In running text and in subjects, the own name: "Herøy kommune" (never "Herøy (Møre og
  Romsdal) kommune"), "Rana kommune" (never "Rana - Raane kommune"). ``own_name``; the letters'
  ``kommune`` filter adds "kommune".
- Where the municipality is addressed or named as a party (a formal opening, the contract's
  parties), the full written name, ``written_name``: the own name with "kommune", then the
  Sami and/or Kven parallel names joined by en dashes, as the municipalities write their
  combined names ("Rana kommune – Raane", "Kåfjord kommune – Gáivuotna – Kaivuono"). The data
  file records the parallel names only, not the Sami or Kven word for "municipality" that some
  municipalities add ("Raane tjïelte"): that word is not guessed, so the parallel name stands
  alone after the dash. SSB's " - " between the forms is never printed.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from pathlib import Path
from typing import Protocol

from kulturskole import DATA_DIR

NAMES_FILE = DATA_DIR / "kommunenavn.csv"
_COUNTY = re.compile(r"\s*\([^)]*\)\s*$")


class _Named(Protocol):
    name: str


@cache
def _own_forms(path: Path = NAMES_FILE) -> dict[str, tuple[str, str]]:
    """SSB name → (own name, parallel names), from the data file (comment lines skipped)."""
    text = path.read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    forms: dict[str, tuple[str, str]] = {}
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        forms[row["ssb_name"].strip()] = (row["own_name"].strip(), row["parallel_names"].strip())
    return forms


def own_name(ssb_name: str) -> str:
    """The municipality's own name, without "kommune": "Våler (Østfold)" → "Våler",
    "Trondheim - Tråante" → "Trondheim", "Kárášjohka - Karasjok" → "Karasjok".

    A parallel-name form that the data file does not list (a municipality created after 2024)
    is kept as SSB writes it, so that nothing is guessed.
    """
    name = (ssb_name or "").strip()
    known = _own_forms().get(name)
    if known is not None:
        return known[0]
    return _COUNTY.sub("", name) or name


def parallel_names(ssb_name: str) -> str | None:
    """The Sami and/or Kven forms of a parallel-name municipality ("Tråante"), else None."""
    known = _own_forms().get((ssb_name or "").strip())
    return known[1] or None if known is not None else None


def invoice_name(municipality: _Named | str) -> str:
    """The legal name an invoice gives the buyer: "Våler kommune", "Trondheim kommune"."""
    ssb = municipality if isinstance(municipality, str) else municipality.name
    if is_county_branch_name(ssb):  # a county branch is the council's own: its name as it is
        return ssb.strip()
    name = own_name(ssb)
    return name if name.casefold().endswith("kommune") else f"{name} kommune"


def written_name(municipality: _Named | str) -> str:
    """The full written name for an address line or a contract party: "Rana kommune – Raane",
    "Trondheim kommune – Tråante", "Herøy kommune" (no parallel name: the own name alone)."""
    ssb = municipality if isinstance(municipality, str) else municipality.name
    name = invoice_name(ssb)
    parallel = parallel_names(ssb)
    if not parallel:
        return name
    forms = [form.strip() for form in parallel.split(" - ") if form.strip()]
    return " – ".join([name, *forms])


# --- county branches (fylkesavdelinger) -------------------------------------------------------

#: A county branch is named as the council names it on its own pages ("Norsk kulturskoleråd
#: Trøndelag", kulturskoleradet.no/lokale-sider/trondelag): the council's name and the county's
#: Norwegian name. It is a part of the council, never "… kommune".
COUNTY_BRANCH_PREFIX = "Norsk kulturskoleråd "


def county_branch_name(county_name: str) -> str:
    """The county branch of a county, from Statistics Norway's county name:
    "Trøndelag - Trööndelage" → "Norsk kulturskoleråd Trøndelag", "Oslo" → "Norsk
    kulturskoleråd Oslo" (the Norwegian form comes first in SSB's list)."""
    norwegian = (county_name or "").split(" - ")[0].strip()
    if not norwegian:
        raise ValueError("a county branch needs its county's name")
    return COUNTY_BRANCH_PREFIX + norwegian


def is_county_branch_name(name: str) -> bool:
    """True for a county branch's name ("Norsk kulturskoleråd Trøndelag"), which a letter prints
    as it is (never with "kommune" after it)."""
    return str(name or "").strip().startswith(COUNTY_BRANCH_PREFIX)
