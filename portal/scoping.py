"""Fail-closed tenant scoping (DESIGN.md rule 1), built on django-scopes.

Every tenant-owned model declares ``objects = TenantManager("<path to commune>")``. Queries
through that manager (and through the related managers Django derives from it, such as
``plan.tasks``) raise ScopeError unless a scope is active, and inside one they see only the
communes of the scope. Rows that belong to communes in a way one path cannot say (a national
indicator, a province's document or rollup) use a ``CommuneScopedManager`` subclass with its
own filter. The scope is entered in exactly one place per surface: the web middleware, the API
authentication and the Celery task base class.

Both managers are plain generic classes (not django-scopes' per-call ``ScopedManager``
classes), so mypy's Django plugin types ``Plan.objects`` as ``TenantManager[Plan]`` and
``commune.plans`` as a related manager of plans.

``active_commune_ids()`` is the one reader of the active scope: nothing else looks inside
django-scopes' state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django_scopes import ScopeError, get_scope, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet

__all__ = [
    "CommuneScopedManager", "ScopeError", "TenantManager", "active_commune_ids", "require_scope",
    "scopes_disabled", "tenant_scope",
]

M = TypeVar("M", bound=models.Model)


@contextmanager
def tenant_scope(commune_ids: Iterable[int]) -> Iterator[None]:
    """Enter the scope of these communes.

    Always a list: django-scopes treats ``None`` as "no filter", which must never happen by
    accident, so an empty list (sees nothing) is the closed default.
    """
    with scope(commune=list(commune_ids)):
        yield


def active_commune_ids() -> list[int] | None:
    """The ids of the communes the active scope may see; None inside ``scopes_disabled()``
    (every commune). Raises ScopeError when no scope is active (fail-closed)."""
    current: dict[str, Any] = get_scope()
    if not current.get("_enabled", True):  # django-scopes' own marker of scopes_disabled()
        return None
    if "commune" not in current:
        raise ScopeError("A scope on dimension(s) commune needs to be active for this query.")
    value = current["commune"]
    if value is None:
        return None
    items = value if isinstance(value, list | tuple) else [value]
    return [int(item.pk if isinstance(item, models.Model) else item) for item in items]


def require_scope() -> None:
    """Raise ScopeError unless a tenant scope (or scopes_disabled) is active: for a read that
    follows rows already read in the scope instead of going through a scoped manager."""
    active_commune_ids()


class CommuneScopedManager(models.Manager[M]):
    """A fail-closed manager for rows whose tie to a commune one path cannot say: the subclass
    says which rows the communes of the scope may see (``scope_filter``). No scope: raises on
    use, like the tenant managers; ``scopes_disabled()``: every row."""

    def scope_filter(self, queryset: models.QuerySet[M], commune_ids: list[int]) -> models.QuerySet[M]:
        raise NotImplementedError

    def get_queryset(self) -> models.QuerySet[M]:
        queryset = super().get_queryset()
        try:
            ids = active_commune_ids()
        except ScopeError:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes={"commune"})
        return queryset if ids is None else self.scope_filter(queryset, ids)


class TenantManager(CommuneScopedManager[M]):
    """The manager of a tenant-owned model: the rows whose commune, reached by one lookup path
    (``"commune"``, ``"plan__commune"``, ``"pk"`` for the commune itself), is in the scope.

    Fail-closed like django-scopes' ScopedManager, which it replaces with one typed class:
    with no scope even ``.all()`` raises at once; ``scopes_disabled()`` sees every row.
    """

    def __init__(self, commune_path: str = "") -> None:
        super().__init__()
        self._commune_path = commune_path

    @property
    def commune_path(self) -> str:
        """The lookup from the model to its commune.

        Django builds a related manager (``plan.tasks``, ``target.reporting_units``) as a
        subclass of the related model's default manager, instantiated without arguments: such
        a manager takes the path of that default manager.
        """
        if self._commune_path:
            return self._commune_path
        default = self.model._meta.default_manager
        if not isinstance(default, TenantManager) or not default._commune_path:
            raise ImproperlyConfigured(f"{self.model.__name__} has no TenantManager with a path.")
        return default._commune_path

    def scope_filter(self, queryset: models.QuerySet[M], commune_ids: list[int]) -> models.QuerySet[M]:
        return queryset.filter(**{f"{self.commune_path}__in": commune_ids})

    def all(self) -> models.QuerySet[M]:
        queryset = super().all()
        if isinstance(queryset, DisabledQuerySet):
            queryset.all()  # raises ScopeError now, as django-scopes' managers do
        return queryset
