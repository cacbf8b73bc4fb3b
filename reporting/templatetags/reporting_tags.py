"""Template helpers of the reporting pages: states, form errors, and links to routes that other
parts of the portal may or may not provide yet. Figures and dates are written by the kernel's
``formats`` library (portal/templatetags/formats.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
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
def top_errors(form: Any) -> list[str]:
    """Errors that belong to no visible field: the form's own and its hidden fields' (version)."""
    errors = [str(e) for e in form.non_field_errors()]
    for hidden in form.hidden_fields():
        errors.extend(str(e) for e in hidden.errors)
    return errors


@register.filter
def basename(name: str) -> str:
    return str(name).rsplit("/", 1)[-1]
