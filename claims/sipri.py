"""Transfer claims in the layout of SIPRI's Trade Register: one row per claim, uncertain values in brackets.

The export writes it from claim documents; the import reads it back onto claims already here (the
layout has no statement nor attribution chain, so it edits the deal of a claim, never creates one).
"""

import csv
import re
from collections.abc import Iterable, Iterator
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils.translation import gettext as _

from claims import selectors, tabular, vocab
from claims.models import Actor
from claims.schema import write_shape

# (column, meaning): the Trade Register's columns in its order, then ours. The file's column order.
COLUMNS = [
    ("Recipient", "recipient actor's name; (in brackets) when uncertain"),
    ("Supplier", "supplier actor's name; (in brackets) when uncertain"),
    ("Year of order", "e.g. 2023, c. 2023 when approximate; (in brackets) when uncertain"),
    ("Number ordered", "whole number; (in brackets) when uncertain"),
    ("Weapon designation", "e.g. KN-23; (in brackets) when uncertain"),
    ("Weapon description", "the item as described"),
    ("Year(s) of delivery", "e.g. 2023 or 2023-2025, c. when approximate; (in brackets) when uncertain"),
    ("Number delivered", "whole number; (in brackets) when uncertain"),
    ("Status", "deal status: " + ", ".join(vocab.DealStatus.values)),
    ("Comments", "the deal's comments"),
    ("Claim id", "our claim's uuid: the import edits that claim"),
    ("Credibility", "our current assessment's credibility, 1–6 (not imported)"),
]
HEADER = [name for name, _meaning in COLUMNS]
# Each bracketable column: the write-shape key of its value and of its flag.
APPROXIMATE = "c. "
_YEARS = re.compile(r"^(?P<about>c\.\s*)?(?P<first>\d{4})(?:\s*[-–]\s*(?P<last>\d{4}))?$")


def _bracketed(text: str, uncertain: bool) -> str:
    return f"({text})" if text and uncertain else text


def _years(first, last, precision: str) -> str:
    if first is None:
        return ""
    years = f"{first}-{last}" if last is not None and last != first else str(first)
    return f"{APPROXIMATE}{years}" if precision == vocab.YearPrecision.APPROXIMATE else years


def _number(value) -> str:
    return "" if value is None else str(value)


def claim_row(claim: dict) -> list[str]:
    """One row from a claim's document (§9 JSON), every cell neutralised against formulas."""
    deal, uncertain = claim.get("deal") or {}, claim.get("uncertain") or {}
    assessment = claim.get("assessment") or {}
    values = {
        "Recipient": _bracketed((claim.get("recipient") or {}).get("name", ""), uncertain.get("recipient")),
        "Supplier": _bracketed((claim.get("supplier") or {}).get("name", ""), uncertain.get("supplier")),
        "Year of order": _bracketed(
            _years(deal.get("order_year"), None, deal.get("order_precision")), uncertain.get("order_year")
        ),
        "Number ordered": _bracketed(_number(deal.get("number_ordered")), uncertain.get("number_ordered")),
        "Weapon designation": _bracketed(claim.get("designation") or "", uncertain.get("designation")),
        "Weapon description": claim.get("item_description") or "",
        "Year(s) of delivery": _bracketed(
            _years(
                deal.get("delivery_first_year"),
                deal.get("delivery_last_year"),
                deal.get("delivery_precision"),
            ),
            uncertain.get("delivery_years"),
        ),
        "Number delivered": _bracketed(
            _number(deal.get("number_delivered")), uncertain.get("number_delivered")
        ),
        "Status": deal.get("status") or "",
        "Comments": deal.get("comments") or "",
        "Claim id": claim["id"],
        "Credibility": _number(assessment.get("credibility")),
    }
    return [tabular.neutralise(values[name]) for name in HEADER]


def deal_facts(claim) -> list[tuple[str, str]]:
    """The deal of a Claim as (label, value) pairs for the claim page, uncertain values in brackets."""
    flags = {field: getattr(claim, f"uncertain_{field}") for field in ("number_ordered", "number_delivered")}
    facts = [
        (_("Deal status"), claim.get_deal_status_display() if claim.deal_status else ""),
        (_("Deal type"), claim.get_deal_type_display() if claim.deal_type else ""),
        (
            _("Year of order"),
            _bracketed(
                _years(claim.deal_order_year, None, claim.deal_order_precision), claim.uncertain_order_year
            ),
        ),
        (_("Number ordered"), _bracketed(_number(claim.deal_number_ordered), flags["number_ordered"])),
        (
            _("Years of delivery"),
            _bracketed(
                _years(
                    claim.deal_delivery_first_year,
                    claim.deal_delivery_last_year,
                    claim.deal_delivery_precision,
                ),
                claim.uncertain_delivery_years,
            ),
        ),
        (_("Number delivered"), _bracketed(_number(claim.deal_number_delivered), flags["number_delivered"])),
        (_("Comments"), claim.deal_comments),
    ]
    category = vocab.un_category(item_category=claim.item_category, explicit=claim.deal_un_category)
    if category:
        label = str(vocab.UNRegisterCategory(category).label)
        facts.append(
            (
                _("UN Register"),
                label if claim.deal_un_category else _("%(c)s (from the item category)") % {"c": label},
            )
        )
    return [(label, value) for label, value in facts if value]


# --- the import -----------------------------------------------------------------------------------


class _Cells:
    """A row's cells, read with their brackets; problems collected by column."""

    def __init__(self, row: dict[str, str]):
        self.row = {
            key: tabular.restore(value or "").strip() for key, value in row.items() if key is not None
        }
        self.errors: dict[str, list[str]] = {}

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    def bracketed(self, column: str) -> tuple[str, bool]:
        text = self.row.get(column, "")
        if len(text) >= 2 and text.startswith("(") and text.endswith(")"):
            return text[1:-1].strip(), True
        return text, False

    def number(self, column: str) -> tuple[int | None, bool]:
        text, uncertain = self.bracketed(column)
        if not text:
            return None, uncertain
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            self.error(column, _("%(value)r is not a whole number.") % {"value": text})
            return None, uncertain
        return int(text), uncertain

    def years(self, column: str) -> tuple[int | None, int | None, str, bool]:
        text, uncertain = self.bracketed(column)
        if not text:
            return None, None, vocab.YearPrecision.EXACT, uncertain
        match = _YEARS.match(text)
        if match is None:
            self.error(
                column, _("%(value)r is not a year (2023), years (2023-2025) or c. 2023.") % {"value": text}
            )
            return None, None, vocab.YearPrecision.EXACT, uncertain
        precision = vocab.YearPrecision.APPROXIMATE if match["about"] else vocab.YearPrecision.EXACT
        last = int(match["last"]) if match["last"] else None
        return int(match["first"]), last, precision, uncertain


def _actor(name: str, current: dict | None) -> int | str | None:
    """The id of the actor a cell names: the claim's own when the name is unchanged, else by name or
    alias; the name itself when no actor has it (the caller refuses it)."""
    if not name:
        return None
    if current and current["name"] == name:
        return current["id"]
    match = (
        Actor.objects.filter(Q(name__iexact=name) | Q(aliases__icontains=f'"{name}"')).order_by("pk").first()
    )
    return match.pk if match else name


def _payload(cells: _Cells, document: dict) -> dict:
    """The claim's current write shape with the row's deal laid over it."""
    body = write_shape(document)
    deal, uncertain = dict(body["deal"]), dict(body["uncertain"])
    for column, key in (("Supplier", "supplier"), ("Recipient", "recipient")):
        name, uncertain[key] = cells.bracketed(column)
        actor = _actor(name, document.get(key))
        if isinstance(actor, str):
            cells.error(column, _("No actor is called %(name)r.") % {"name": actor})
        else:
            body[key] = actor
    deal["order_year"], _last, deal["order_precision"], uncertain["order_year"] = cells.years("Year of order")
    if _last is not None:
        cells.error("Year of order", _("One year of order, not a range."))
    deal["number_ordered"], uncertain["number_ordered"] = cells.number("Number ordered")
    body["designation"], uncertain["designation"] = cells.bracketed("Weapon designation")
    body["item_description"] = cells.row.get("Weapon description", "")
    (
        deal["delivery_first_year"],
        deal["delivery_last_year"],
        deal["delivery_precision"],
        uncertain["delivery_years"],
    ) = cells.years("Year(s) of delivery")
    deal["number_delivered"], uncertain["number_delivered"] = cells.number("Number delivered")
    deal["status"] = cells.row.get("Status", "")
    deal["comments"] = cells.row.get("Comments", "")
    credibility = str((document.get("assessment") or {}).get("credibility") or "")
    if cells.row.get("Credibility", "") != credibility:
        cells.error(
            "Credibility",
            _("Credibility is assessed on the claim, not imported: leave it as exported (%(value)s).")
            % {"value": credibility or _("none")},
        )
    return {**body, "deal": deal, "uncertain": uncertain, "id": document["id"]}


def sipri_rows(lines: Iterable[str], *, by: AbstractBaseUser) -> Iterator[tuple[int, dict | Exception]]:
    """(line number, the claim's write payload or why the row cannot be read), for importing.import_rows:
    each row is the current claim it names, with the row's deal laid over it, so that the import's one
    path (the write shape, the services' validation) checks and writes it."""
    reader = csv.DictReader(lines)
    missing = [name for name in HEADER if name not in (reader.fieldnames or [])]
    if missing:
        yield 1, tabular.RowError(_("missing column(s): %(names)s.") % {"names": ", ".join(missing)})
        return
    rows, start = [], 2  # line 1 is the header
    for row in reader:
        rows.append((start, _Cells(row)))
        start = reader.line_num + 1  # a quoted cell may run over several lines
    ids = {}
    for _line, cells in rows:
        try:
            ids[cells.row.get("Claim id", "")] = UUID(cells.row.get("Claim id", ""))
        except ValueError:
            continue
    claims = {
        str(claim.uuid): claim for claim in selectors.claims_visible_to(by).filter(uuid__in=set(ids.values()))
    }
    documents = {
        document["id"]: document for document in selectors.documents_visible_to(by, list(claims.values()))
    }
    for line, cells in rows:
        given = cells.row.get("Claim id", "")
        document = documents.get(str(ids[given])) if given in ids else None
        if document is None:
            yield (
                line,
                tabular.RowError(
                    _(
                        "Claim id: no claim %(id)r here. The SIPRI layout has no statement nor attribution"
                        " chain: create the claim first, then give its id."
                    )
                    % {"id": given}
                ),
            )
            continue
        payload = _payload(cells, document)
        if cells.errors:
            yield (
                line,
                tabular.RowError(
                    "; ".join(f"{column}: {' '.join(messages)}" for column, messages in cells.errors.items())
                ),
            )
            continue
        yield line, payload
