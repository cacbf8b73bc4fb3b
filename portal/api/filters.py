"""Strict query filters for the API: a value that is not what the schema says is a 400.

django-filter is lenient: ``?year=0.5`` filters on a decimal, ``?is_active=maybe`` is quietly
ignored, and a number past 2**63 overflows SQLite (a 500). A script must learn its request was
wrong instead of reading a list filtered in a way it did not ask for (DESIGN.md rule 6).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django_filters.filters import QuerySetRequestMixin
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

# The largest PostgreSQL integer: no identifier, year or quarter is larger.
INT_MAX = 2_147_483_647


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": INT_MAX})
class IntegerFilter(django_filters.NumberFilter):
    """A whole number from 0 to INT_MAX (an id, a year, a quarter)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", INT_MAX)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(_("Phải là true hoặc false."), code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.BooleanFilter):
    """true/false (or 1/0); anything else is an error, not "no filter"."""

    field_class = StrictBooleanField


def _strict_defaults() -> dict[Any, dict[str, Any]]:
    defaults = dict(django_filters.FilterSet.FILTER_DEFAULTS)
    for field_class, spec in defaults.items():
        if issubclass(field_class, (models.IntegerField, models.AutoField)) and spec.get(
                "filter_class") is django_filters.NumberFilter:
            defaults[field_class] = {**spec, "filter_class": IntegerFilter}
        elif issubclass(field_class, models.BooleanField):
            defaults[field_class] = {**spec, "filter_class": StrictBooleanFilter}
    return defaults


class PortalFilterSet(django_filters.FilterSet):
    """The API's FilterSet: integer and boolean model fields get the strict filters above."""

    FILTER_DEFAULTS = _strict_defaults()

    def get_form_class(self) -> type[forms.Form]:
        """django-filter builds a new form class from the filters on every request; the filters
        of a FilterSet class never change, so its form class is built once. Not for a filter
        whose choices are a queryset: that one is read in the request's tenant scope."""
        cls = type(self)
        form_class: type[forms.Form] | None = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if not any(isinstance(f, QuerySetRequestMixin) for f in self.filters.values()):
                cls._form_class = form_class  # type: ignore[attr-defined]
        return form_class
