"""The template face of portal.formats (kernel): ``{% load formats %}``, then

- ``{{ value|vn_number }}`` ("1.234,5"), ``{{ value|vn_number:1 }}`` (rounded to one decimal);
- ``{{ value|pct }}`` (a percentage already computed: "66,7%");
- ``{% percent numerator denominator %}`` (their ratio: "45,0%", "—" when it cannot be computed);
- ``{{ day|dmy }}`` (dd/mm/yyyy; a moment in local time with its hour), ``{{ moment|dmy_day }}``
  (only the local day of a moment).

Every page writes a figure through these, so a page prints what the PDF and the e-mail print.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from portal.formats import PERCENT_DECIMALS, vn_date, vn_number, vn_percent, vn_ratio_percent

register = template.Library()

register.filter("vn_number", vn_number)
register.filter("pct", vn_percent)
register.filter("dmy", vn_date)


@register.filter
def dmy_day(value: date | datetime | None) -> str:
    return vn_date(value, with_time=False)


@register.simple_tag
def percent(numerator: Any, denominator: Any, decimals: int = PERCENT_DECIMALS) -> str:
    return vn_ratio_percent(numerator, denominator, decimals)
