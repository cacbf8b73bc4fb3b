"""Reads of the organisation (campaigns, selectors layer) for pages, API and documents: every
query runs inside the caller's tenant scope. Who sees which unit and which province is said
here once (``unit_list_visible``, ``province_list``), for the pages and the API."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from campaigns.models import Commune, Membership, Province, Unit
from portal.access import Access, Role
from portal.text import vi_sorted


def commune_get(*, code: str) -> Commune:
    return get_object_or_404(Commune.objects.select_related("province"), code=code)


def unit_list_visible(*, access: Access) -> QuerySet[Unit]:
    """The units this user may see: those of the scope's communes (the tenant scope the request
    runs in is the user's), and for a unit reporter only their own unit."""
    units = Unit.objects.all()
    if access.role == Role.UNIT_REPORTER:
        return units.filter(pk=access.unit.pk) if access.unit is not None else units.none()
    return units


def unit_get(*, access: Access, pk: int) -> Unit:
    """The unit, if this user may see it (``unit_list_visible``); 404 otherwise."""
    return get_object_or_404(unit_list_visible(access=access).select_related("commune", "commune__province"), pk=pk)


def unit_list(*, commune: Commune) -> list[Unit]:
    units = Unit.objects.filter(commune=commune).annotate(
        reporter_count=Count("memberships", filter=Q(memberships__role="unit_reporter"))
    )
    return vi_sorted(units, key=lambda unit: unit.name)


def active_unit_list(*, commune: Commune) -> QuerySet[Unit]:
    """The commune's active units, by name (a choice of unit in a form)."""
    return Unit.objects.filter(commune=commune, is_active=True).order_by("name")


def commune_member_list(*, commune: Commune) -> list[Membership]:
    members = Membership.objects.filter(commune=commune).select_related("user", "unit")
    return vi_sorted(members, key=lambda m: m.user.get_full_name() or m.user.username)


def province_list(*, access: Access) -> QuerySet[Province]:
    """The provinces this user may see: a reviewer their own, anyone else none."""
    if not access.is_reviewer or access.province is None:
        return Province.objects.none()
    return Province.objects.filter(pk=access.province.pk)


def province_get(*, access: Access, code: str) -> Province:
    """The reviewer's own province; any other code is 404 (not yours = does not exist)."""
    if access.province is None or access.province.code != code or not access.is_reviewer:
        raise Http404
    return access.province


def province_commune_list(*, province: Province) -> list[Commune]:
    communes = Commune.objects.filter(province=province).annotate(unit_count=Count("units"))
    return vi_sorted(communes, key=lambda c: c.name)
