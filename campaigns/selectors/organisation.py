"""Reads for pages, API and documents. Every query runs inside the caller's tenant scope."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from campaigns.models import Commune, Membership, Province, Unit
from portal.access import Access
from portal.text import vi_sorted


def commune_get(*, code: str) -> Commune:
    return get_object_or_404(Commune.objects.select_related("province"), code=code)


def unit_get(*, access: Access, pk: int) -> Unit:
    unit = get_object_or_404(Unit.objects.select_related("commune", "commune__province"), pk=pk)
    if not access.can_see_unit(unit):
        raise Http404
    return unit


def unit_list(*, commune: Commune) -> list[Unit]:
    units = Unit.objects.filter(commune=commune).annotate(
        reporter_count=Count("memberships", filter=Q(memberships__role="unit_reporter"))
    )
    return vi_sorted(units, key=lambda unit: unit.name)


def commune_member_list(*, commune: Commune) -> list[Membership]:
    members = Membership.objects.filter(commune=commune).select_related("user", "unit")
    return vi_sorted(members, key=lambda m: m.user.get_full_name() or m.user.username)


def province_get(*, access: Access, code: str) -> Province:
    """The reviewer's own province; any other code is 404 (not yours = does not exist)."""
    if access.province is None or access.province.code != code or not access.is_reviewer:
        raise Http404
    return access.province


def province_commune_list(*, province: Province) -> list[Commune]:
    communes = Commune.objects.filter(province=province).annotate(unit_count=Count("units"))
    return vi_sorted(communes, key=lambda c: c.name)
