"""Template tags that put plans on the organisation pages (commune and unit).

The organisation views pass only ``commune`` or ``unit``; these tags run the plan selectors
themselves, so the pages show plans without the views knowing about them.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from campaigns.models import Commune, Unit
from campaigns.selectors import plans as plan_selectors

register = template.Library()


@register.simple_tag
def url_if_exists(name: str, **kwargs: Any) -> str:
    """The URL of a route, or "" while the route does not exist (another area's page)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


@register.inclusion_tag("campaigns/plan_commune_plans.html", takes_context=True)
def commune_plans(context: template.Context, commune: Commune) -> dict[str, Any]:
    return {
        "commune": commune,
        "plans": plan_selectors.plan_list(commune=commune),
        "access": context.get("access"),
        "import_url": url_if_exists("plan_import_xlsx", commune_code=commune.code),
    }


@register.inclusion_tag("campaigns/plan_unit_assignments.html", takes_context=True)
def unit_assignments(context: template.Context, unit: Unit) -> dict[str, Any]:
    return {
        "unit": unit,
        "assignments": plan_selectors.unit_assignments(unit=unit),
        "access": context.get("access"),
    }
