"""How a figure is written: numbers, percentages, dates and quarters, the one place (kernel).

Pages (through the template filters of portal/templatetags/formats.py), official PDFs, Excel
text cells, e-mails and messages all call these functions, so one figure reads the same
wherever it is printed. The forms are the official Vietnamese ones (Nghị định 30/2020 for
state documents, Hướng dẫn 36-HD/VPTW for Party ones):

- numbers: a dot between thousands, a decimal comma ("1.234,5"); rounded half up when a
  number of decimals is asked for, as official reports round;
- percentages: the sign right after the figure, no space ("45,0%"), as administrative
  documents write it;
- dates: dd/mm/yyyy ("05/01/2026"), and "ngày 05 tháng 01 năm 2026" in a document's place
  and date line (a day below 10 and the months 1 and 2 with a leading zero);
- quarters: Roman numerals ("Quý IV năm 2025").

Written out rather than left to the active locale: a document reads the same whichever
language the request or the worker runs in. The API carries machine forms (ISO 8601 dates,
numbers as numbers), not these texts. Imports no domain app.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

DASH = "—"  # a figure that is not there, or cannot be computed
DMY = "%d/%m/%Y"  # the official day form, also what the date fields read back
PERCENT_DECIMALS = 1  # "45,0%": achievements and completeness rates


# --- Numbers and percentages ------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    """``value`` as a finite Decimal, or None (blank, not a number)."""
    if value is None or value == "":
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def vn_number(value: Any, decimals: int | None = None) -> str:
    """1234.56 → "1.234,56"; with ``decimals`` rounded half up ("1.234,6" for 1); "—" blank.

    Without ``decimals`` the number is written as stored, without useless zeros (1234.50 →
    "1.234,5", 80.00 → "80").
    """
    number = _decimal(value)
    if number is None:
        return DASH
    if decimals is None:
        text = f"{number.normalize():,f}"
    else:
        text = f"{number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_plain_number(value: Decimal | None) -> str:
    """A figure as typed back into a form field: "1234,5" (no grouping, a decimal comma, no
    useless zeros); "" for none. reporting.forms.normalise_number reads it back."""
    if value is None:
        return ""
    return format(value.normalize(), "f").replace(".", ",")


def vn_percent(value: Any, decimals: int = PERCENT_DECIMALS) -> str:
    """A percentage already computed (0–100): 45 → "45,0%"; "—" when there is none."""
    number = _decimal(value)
    return DASH if number is None else f"{vn_number(number, decimals)}%"


def vn_ratio_percent(numerator: Any, denominator: Any, decimals: int = PERCENT_DECIMALS) -> str:
    """numerator/denominator as a percentage: 450 of 1000 → "45,0%"; "—" when it cannot be
    computed (a figure missing, a denominator of 0)."""
    top, bottom = _decimal(numerator), _decimal(denominator)
    if top is None or not bottom:
        return DASH
    return vn_percent(top / bottom * 100, decimals)


def vn_figure(value: Any, decimals: int | None = None, *, unit: str = "") -> str:
    """A figure with its unit of measure: "45,0%" (the percent sign right after the figure),
    "120 tin, bài" (any other unit after a space), "1.234" (no unit); "—" alone when blank."""
    if _decimal(value) is None:
        return DASH
    text = vn_number(value, decimals)
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}" if unit else text


# --- Dates ---------------------------------------------------------------------------------------


def vn_date(value: date | datetime | None, *, empty: str = DASH, with_time: bool = True) -> str:
    """A day as dd/mm/yyyy ("05/01/2026"); a moment in local time with its hour ("05/01/2026
    14:30"), or only its local day without ``with_time``; ``empty`` when there is none (a
    document leaves "…" to fill in by hand)."""
    if not value:
        return empty
    if isinstance(value, datetime):
        moment = timezone.localtime(value)
        return moment.strftime(f"{DMY} %H:%M" if with_time else DMY)
    return value.strftime(DMY)


def vn_date_parts(day: int, month: int, year: int) -> str:
    """A day stored as its parts (a plan's issue date) as dd/mm/yyyy: "05/01/2026"."""
    return f"{day:02d}/{month:02d}/{year}"


def _padded(value: int, *, pad: bool) -> str:
    return f"{value:02d}" if pad and value < 10 else str(value)


def vn_date_in_words(day: int | None, month: int | None, year: int | None, *, pad_day_below: int = 10,
                     pad_months: tuple[int, ...] = (1, 2), blank: str = "…", year_blank: str = "…") -> str:
    """"ngày 05 tháng 01 năm 2026", the date of a document's place and date line.

    A day below ``pad_day_below`` and the months in ``pad_months`` take a leading zero
    (Nghị định 30/2020, Hướng dẫn 36: "ngày 05 tháng 01", "ngày 15 tháng 3"); a part not known
    yet is a blank to fill in by hand.
    """
    day_text = blank if day is None else _padded(day, pad=day < pad_day_below)
    month_text = blank if month is None else _padded(month, pad=month in pad_months)
    year_text = year_blank if year is None else str(year)
    return f"ngày {day_text} tháng {month_text} năm {year_text}"


# --- Quarters ------------------------------------------------------------------------------------


ROMAN_QUARTERS: dict[int, str] = {1: "I", 2: "II", 3: "III", 4: "IV"}
_QUARTER_OF_ROMAN = {roman: quarter for quarter, roman in ROMAN_QUARTERS.items()}


def quarter_of(day: date) -> int:
    """The calendar quarter (1–4) a day falls in."""
    return (day.month - 1) // 3 + 1


def quarter_roman(quarter: int) -> str:
    """4 → "IV"; "" for anything that is not a quarter."""
    return ROMAN_QUARTERS.get(quarter, "")


def quarter_from_roman(text: str) -> int | None:
    """"IV" (any case) → 4; None when ``text`` is not a quarter's numeral."""
    return _QUARTER_OF_ROMAN.get(text.strip().upper())


def quarter_title(quarter: int, year: int) -> str:
    """"Quý I năm 2026": a quarterly period's title (document data, always Vietnamese)."""
    return f"Quý {quarter_roman(quarter)} năm {year}"


def quarter_phrase(quarter: int, year: int) -> str:
    """"quý I năm 2026", as the quarter reads inside a sentence."""
    return f"quý {quarter_roman(quarter)} năm {year}"
