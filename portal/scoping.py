"""Fail-closed tenant scoping (DESIGN.md rule 1), built on django-scopes.

Every tenant-owned model declares ``objects = tenant_manager("<path to commune>")``. Queries
through that manager raise ScopeError unless a scope is active, and inside one they see only
the communes of the scope. The scope is entered in exactly one place per surface: the web
middleware, the API authentication and the Celery task base class.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import models
from django_scopes import ScopedManager, ScopeError, get_scope, scope, scopes_disabled

__all__ = ["require_scope", "scopes_disabled", "tenant_manager", "tenant_scope"]


def tenant_manager(commune_path: str, manager_class: type[models.Manager[Any]] = models.Manager) -> Any:
    """A manager filtered to the communes of the active scope; raises with no scope active."""
    return ScopedManager(manager_class, commune=commune_path)


@contextmanager
def tenant_scope(commune_ids: Iterable[int]) -> Iterator[None]:
    """Enter the scope of these communes.

    Always a list: django-scopes treats ``None`` as "no filter", which must never happen by
    accident, so an empty list (sees nothing) is the closed default.
    """
    with scope(commune=list(commune_ids)):
        yield


def require_scope() -> None:
    """Raise ScopeError unless a tenant scope (or scopes_disabled) is active: for a read that
    follows rows already read in the scope instead of going through a scoped manager."""
    current = get_scope()
    if current.get("_enabled", True) and "commune" not in current:
        raise ScopeError("A scope on dimension(s) commune needs to be active for this query.")
