"""Template helpers of the reporting pages: Vietnamese numbers, percentages, states, and links
to routes that other parts of the portal may or may not provide yet."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reporting.deadlines import EntryState

register = template.Library()


@register.simple_tag
def maybe_url(name: str, *args: Any, **kwargs: Any) -> str:
    """The URL of a route, or "" while that route does not exist (pages link only when it does)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def vn_number(value: Any) -> str:
    """1234.50 → "1.234,5": Vietnamese grouping and decimal comma, no useless zeros."""
    number = _decimal(value)
    if number is None:
        return "—"
    plain = Decimal(format(number.normalize(), "f"))
    return formats.number_format(plain, use_l10n=True, force_grouping=True)


@register.simple_tag
def percent(numerator: Any, denominator: Any, decimals: int = 1) -> str:
    """sum(numerator)/sum(denominator) as "45,0 %", or "—" when it cannot be computed."""
    top, bottom = _decimal(numerator), _decimal(denominator)
    if top is None or not bottom:
        return "—"
    return formats.number_format(round(top / bottom * 100, decimals), decimals, use_l10n=True) + " %"


@register.filter
def pct(value: Any) -> str:
    """A percentage already computed (float) as "66,7 %"."""
    number = _decimal(value)
    if number is None:
        return "—"
    return formats.number_format(round(number, 1), 1, use_l10n=True) + " %"


@register.filter
def state_class(state: str | None) -> str:
    return f"rp-badge rp-badge--{state or 'none'}"


@register.filter
def entry_label(entry: str) -> str:
    return {
        EntryState.OPEN: _("Đang mở nhập liệu"),
        EntryState.NOT_OPEN: _("Chưa mở nhập liệu"),
        EntryState.LOCKED: _("Đã khóa nhập liệu"),
    }.get(entry, "")


@register.filter
def dmy(value: Any) -> str:
    """A date (or a moment, in local time) as dd/mm/yyyy, the official Vietnamese form."""
    if not value:
        return "—"
    if hasattr(value, "hour"):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


@register.filter
def top_errors(form: Any) -> list[str]:
    """Errors that belong to no visible field: the form's own and its hidden fields' (version)."""
    errors = [str(e) for e in form.non_field_errors()]
    for hidden in form.hidden_fields():
        errors.extend(str(e) for e in hidden.errors)
    return errors


@register.filter
def basename(name: str) -> str:
    return str(name).rsplit("/", 1)[-1]
