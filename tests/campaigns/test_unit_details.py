"""The commune admin records a unit's abbreviation and head on the unit's page (issue 13: the
unit's report prints them; nobody needs the Django admin for it)."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from campaigns.models import AuditEntry
from tests.conftest import World, login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


def _url(world: World) -> str:
    return reverse("unit_details_edit", kwargs={"unit_pk": world.unit_a.pk})


def test_the_commune_admin_records_the_units_signer(world: World) -> None:
    client = login(world.admin_a)
    page = client.get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk})).content.decode()
    assert 'name="head_name"' in page
    response = client.post(_url(world), {"abbreviation": "vhxh", "head_position": "Trưởng phòng",
                                         "head_name": unicodedata.normalize("NFD", "Nguyễn Thị Hà")})
    assert response.status_code == 302
    world.unit_a.refresh_from_db()
    assert (world.unit_a.abbreviation, world.unit_a.head_position, world.unit_a.head_name) == (
        "VHXH", "Trưởng phòng", "Nguyễn Thị Hà")
    assert AuditEntry.objects.filter(action="unit.update", target_id=world.unit_a.pk, actor=world.admin_a).exists()
    shown = client.get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk})).content.decode()
    assert "BC-VHXH" in shown and "Nguyễn Thị Hà" in shown


def test_a_too_long_value_is_refused_beside_its_field(world: World) -> None:
    before = world.unit_a.head_name
    response = login(world.admin_a).post(_url(world), {"abbreviation": "X" * 21, "head_position": "Tổ trưởng",
                                                       "head_name": "Lê Văn A"})
    assert response.status_code == 422
    assert 'pp-field--error' in response.content.decode() and 'role="alert"' in response.content.decode()
    world.unit_a.refresh_from_db()
    assert world.unit_a.head_name == before


@pytest.mark.parametrize("who", ["reporter_a", "viewer_a", "admin_b", "reviewer_p"])
def test_only_the_communes_admin_edits_a_unit(world: World, who: str) -> None:
    before = world.unit_a.head_name
    response = login(getattr(world, who)).post(_url(world), {"abbreviation": "X", "head_position": "Y",
                                                             "head_name": "Z"})
    assert response.status_code == 404
    world.unit_a.refresh_from_db()
    assert world.unit_a.head_name == before
    page = login(getattr(world, who)).get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk}))
    assert 'name="head_name"' not in page.content.decode()
