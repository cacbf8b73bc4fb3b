"""Who the current user is to the portal: their role and the communes they may see.

Resolved once per request (web middleware) or per API call, and turned into the tenant scope.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Aggregate, OuterRef, Subquery, TextField

from campaigns.models import Commune, Membership
from portal.access import NO_ACCESS, Access, Role
from portal.scoping import scopes_disabled

# What a membership is read with (one query). The API token lookup reads less with the token
# (PostgreSQL plans a chain of seven joins in about 1 ms, bench/README.md): the membership and
# the reviewer's province, and resolve_access reads a commune role's commune when it needs it.
MEMBERSHIP_RELATED = ("commune", "commune__province", "unit", "province")


def resolve_access(user: Any) -> Access:
    """The Access of a user, read outside any scope (this is what defines the scope).

    A user loaded with its membership (``select_related("membership")``, as the API token
    lookup does) is not read again."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    with scopes_disabled():
        if get_user_model().membership.is_cached(user):
            # Read with the user: an absent membership is cached too, and raises on access.
            membership = getattr(user, "membership", None)
        else:
            membership = Membership.objects.select_related(*MEMBERSHIP_RELATED).filter(user=user).first()
        if membership is None:
            return NO_ACCESS
        if membership.role == Role.PROVINCE_REVIEWER:
            read_with = getattr(membership, "province_commune_ids", None)  # see province_commune_ids()
            if read_with is not None:
                ids = tuple(int(pk) for pk in read_with.split(",") if pk)
            else:
                ids = tuple(Commune.objects.filter(province=membership.province).values_list("pk", flat=True))
            return Access(role=membership.role, province=membership.province, commune_ids=ids)
        if membership.commune_id is not None and not Membership.commune.is_cached(membership):
            membership.commune = Commune.objects.select_related("province").get(pk=membership.commune_id)
    commune = membership.commune
    if commune is None:  # impossible under the membership_role_shape constraint
        return NO_ACCESS
    return Access(
        role=membership.role,
        commune=commune,
        unit=membership.unit,
        province=commune.province,
        commune_ids=(commune.pk,),
    )


class _CommaList(Aggregate):
    """A column's values joined with commas: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, function="GROUP_CONCAT",
                           template="%(function)s(%(expressions)s, ',')", **extra_context)


def province_commune_ids(province_id_path: str) -> Subquery:
    """The ids of the communes of the province at ``province_id_path``, as "1,2,3" (NULL without
    a province): the API token lookup annotates its membership with it (as
    ``province_commune_ids``), so that a reviewer's scope is read in the same query as the token
    instead of a second one on every request."""
    communes = (Commune._base_manager.filter(province_id=OuterRef(province_id_path)).order_by()
                .values("province_id").annotate(ids=_CommaList("id")).values("ids"))
    return Subquery(communes, output_field=TextField())
