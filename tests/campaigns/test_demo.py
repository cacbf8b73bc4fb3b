from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Q
from django.test import Client

from campaigns.demo import DEMO_PASSWORD
from campaigns.models import Commune, Membership, Province, Unit
from portal.access import Role
from portal.scoping import scopes_disabled


def _counts() -> tuple[int, ...]:
    with scopes_disabled():
        return (Commune.objects.count(), Unit.objects.count(), Membership.objects.count(),
                get_user_model().objects.count())


@pytest.mark.django_db
def test_load_demo_is_idempotent() -> None:
    call_command("load_demo", verbosity=0)
    first = _counts()
    call_command("load_demo", verbosity=0)
    assert _counts() == first
    assert first[0] == 4


@pytest.mark.django_db
def test_demo_holds_the_units_each_seed_plan_names() -> None:
    call_command("load_demo", verbosity=0)
    with scopes_disabled():
        names = set(Unit.objects.filter(commune__code="ba-ngoi").values_list("name", flat=True))
        assert {"Phòng Văn hóa – Xã hội", "Công an phường",
                "Tổ công nghệ số cộng đồng và triển khai Đề án 06"} <= names
        assert Unit.objects.get(commune__code="ha-tu", name="Ban xây dựng Đảng").kind == "party"
        for commune in Commune.objects.all():
            roles = set(Membership.objects.filter(commune=commune).values_list("role", flat=True))
            assert {Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.UNIT_REPORTER} <= roles
        assert Membership.objects.filter(role=Role.PROVINCE_REVIEWER).count() == 4


@pytest.mark.django_db
def test_every_demo_unit_and_province_has_a_signer_and_an_abbreviation() -> None:
    """Their reports print "Số: …/BC-VHXH" and a named signer (issue 13); a unit without them
    could not send its report."""
    call_command("load_demo", "--no-reports", verbosity=0)
    with scopes_disabled():
        blank = Unit.objects.filter(Q(abbreviation="") | Q(head_position="") | Q(head_name=""))
        assert list(blank.values_list("commune__code", "name")) == []
        culture = Unit.objects.get(commune__code="ba-ngoi", name="Phòng Văn hóa – Xã hội")
        assert (culture.abbreviation, culture.head_position) == ("VHXH", "Trưởng phòng") and culture.head_name
        assert not Province.objects.filter(Q(agency_signer_position="") | Q(agency_signer_name="")).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "landing_fragment", "own_text", "foreign_text"),
    [
        ("admin.bangoi", "/communes/ba-ngoi/", "Phường Ba Ngòi", "Sơn Kim 1"),
        ("xem.hatu", "/communes/ha-tu/", "Phường Hà Tu", "Ba Ngòi"),
        ("bc.sonkim1.1", "/units/", "Sơn Kim 1", "Hà Tu"),
        ("tinh.quangngai", "/provinces/51/", "Xã Đặng Thùy Trâm", "Ba Ngòi"),
    ],
)
def test_demo_users_land_on_their_page_and_see_only_their_own(
    username: str, landing_fragment: str, own_text: str, foreign_text: str
) -> None:
    call_command("load_demo", verbosity=0)
    client = Client()
    assert client.post("/accounts/login/", {"login": username, "password": DEMO_PASSWORD}).status_code == 302
    page = client.get("/", follow=True)
    assert landing_fragment in page.redirect_chain[-1][0]
    body = page.content.decode()
    assert own_text in body
    assert foreign_text not in body


@pytest.mark.django_db
@pytest.mark.parametrize("today", [date(2026, 11, 22), date(2027, 5, 1)], ids=["in-2026", "after-the-plans"])
def test_demo_reports_the_past_quarters_through_the_services(today: date) -> None:
    from reporting.demo import demo_reports_load
    from reporting.models import CommuneRollup, ReportState, UnitReport

    call_command("load_demo", "--no-reports", verbosity=0)
    with scopes_disabled():
        ba_ngoi = Commune.objects.get(code="ba-ngoi")
        admins = {ba_ngoi.pk: get_user_model().objects.get(username="admin.bangoi")}
        made = demo_reports_load(admins=admins, today=today)
        reports = UnitReport.objects.filter(unit__commune=ba_ngoi, period__year=2026)
        by_quarter = {q: sorted(reports.filter(period__quarter=q).values_list("state", flat=True)) for q in (1, 2, 3, 4)}
        full, latest = [ReportState.ACCEPTED] * 5, [ReportState.ACCEPTED] * 3 + [ReportState.SUBMITTED]
        # The latest past quarter has one report awaiting review and one unit missing.
        if today.year == 2026:
            assert [by_quarter[q] for q in (1, 2, 3, 4)] == [full, full, latest, []]
        else:  # the plan ended with 2026: its last year stays the demo's
            assert [by_quarter[q] for q in (1, 2, 3, 4)] == [full, full, full, latest]
        assert made == reports.count()
        # Sent before the deadline (backdated), and the figures are rolled up.
        assert all(r.first_submitted_at is not None and r.first_submitted_at.date() < r.period.unit_deadline
                   for r in reports.select_related("period"))
        rolled = set(CommuneRollup.objects.filter(commune=ba_ngoi, year=2026).values_list("quarter", flat=True))
        assert rolled == set(by_quarter) - ({4} if today.year == 2026 else set())
        # Idempotent: a second load keeps the same reports.
        assert demo_reports_load(admins=admins, today=today) == made
        assert UnitReport.objects.filter(unit__commune=ba_ngoi).count() == made
