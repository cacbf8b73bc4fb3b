"""Every URL route of the project, found by walking the resolver (no list kept by hand).

A route is *public* (login pages, language switch, health check, Django admin with its own
superuser guard), or *guarded*: its view carries ``required_roles`` (set by
``campaigns.access.role_required`` and by the API's permission classes). The isolation test
fails on any route that is neither, and on any URL keyword it cannot fill, so every route a
later change adds is covered or the suite says why not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

PUBLIC_MODULE_PREFIXES = (
    "allauth.",
    "django.contrib.admin.",
    "django.views.i18n",
    "django.views.static",
    "django.contrib.staticfiles.",
    "drf_spectacular.",  # the API's schema and docs describe it and hold no data
)
PUBLIC_ROUTE_NAMES = {"healthz", "home"}


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None
    callback: Callable[..., Any]
    kwarg_names: tuple[str, ...]

    @property
    def module(self) -> str:
        target = getattr(self.callback, "view_class", None) or getattr(self.callback, "cls", None) or self.callback
        return getattr(target, "__module__", "")

    @property
    def is_public(self) -> bool:
        if self.name in PUBLIC_ROUTE_NAMES:
            return True
        if self.pattern.startswith("admin/"):
            return True  # the admin site: superusers only, through admin.site.has_permission
        return self.module.startswith(PUBLIC_MODULE_PREFIXES)

    @property
    def required_roles(self) -> frozenset[str] | None:
        return getattr(self.callback, "required_roles", None)

    @property
    def post_only(self) -> bool:
        return bool(getattr(self.callback, "post_only", False))

    def __str__(self) -> str:
        return self.name or self.pattern


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            kwarg_names = tuple(sorted(_kwarg_names(entry, prefix)))
            yield Route(pattern, entry.name, entry.callback, kwarg_names)


def _kwarg_names(entry: URLPattern, prefix: str) -> set[str]:
    import re

    names = set(getattr(entry.pattern, "converters", {}).keys())
    names |= set(re.findall(r"<(?:\w+:)?(\w+)>", prefix + str(entry.pattern)))
    names |= set(re.findall(r"\(\?P<(\w+)>", prefix + str(entry.pattern)))
    return names


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def guarded_routes() -> list[Route]:
    return [r for r in all_routes() if not r.is_public]
