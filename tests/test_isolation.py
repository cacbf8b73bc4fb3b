"""The isolation matrix (DESIGN.md rule 1): every guarded route × every kind of user.

For a route about commune A's data: anonymous → login redirect; an admin of commune B (same
province) → 404; the reviewer of another province → 404; the right user → 200. Routes without
tenant keywords (a user's own pages) must not show commune A's data to outsiders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.access import Role
from tests.conftest import SECRET_COMMUNE_NAME, SECRET_UNIT_NAME, World, login
from tests.routes import Route, all_routes, guarded_routes

# How to fill each URL keyword with an object of commune A (province P).
KWARG_VALUES: dict[str, Callable[[World], Any]] = {
    "commune_code": lambda w: w.commune_a.code,
    "unit_pk": lambda w: w.unit_a.pk,
    "province_code": lambda w: w.province_p.code,
    "plan_pk": lambda w: w.plan_a.pk,
    "task_pk": lambda w: w.task_a.pk,
    "target_pk": lambda w: w.target_a.pk,
    "period_pk": lambda w: w.period_a.pk,
    "report_pk": lambda w: w.report_a.pk,
    "evidence_pk": lambda w: _evidence_file(w).pk,
    "commune_report_pk": lambda w: _commune_report(w).pk,
    "indicator_pk": lambda w: _commune_indicator(w).pk,
    "token_pk": lambda w: _api_token(w).pk,
    "year": lambda w: 2026,
    "quarter": lambda w: 1,
}


def _commune_report(world: World) -> Any:
    """Commune A's consolidated report of period A (a draft, opened by its admin)."""
    from portal.scoping import scopes_disabled
    from reporting.services.commune_reports import commune_report_open

    with scopes_disabled():
        return commune_report_open(period=world.period_a, actor=world.admin_a)


def _commune_indicator(world: World) -> Any:
    """An indicator of commune A's own (the national ones are everybody's)."""
    from portal.scoping import scopes_disabled
    from targets.models import Indicator

    with scopes_disabled():
        return Indicator.objects.create(commune=world.commune_a, code="XA_A_RIENG", name="Chỉ số riêng",
                                        short_name="Riêng", target_group="adults", measure="count",
                                        unit_of_measure="người", time_aggregation="sum")


def _api_token(world: World) -> Any:
    """A personal API token of commune A's admin (the owner the matrix picks for its routes)."""
    from campaigns.services.api_tokens import api_token_create
    from portal.scoping import tenant_scope

    with tenant_scope([world.commune_a.pk]):
        return api_token_create(user=world.admin_a, name="bảng tính", days=30).token


def _evidence_file(world: World) -> Any:
    """An evidence file of report A (the download route answers only for files)."""
    from django.core.files.base import ContentFile

    from portal.scoping import scopes_disabled
    from reporting.models import Evidence

    with scopes_disabled():
        evidence = Evidence(report=world.report_a, kind="file", content_type="application/pdf", size=9)
        evidence.file.save("bien-ban.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return evidence

# Which user of commune A / province P is the rightful one for a route, by its roles.
OWNER_BY_ROLE: list[tuple[str, Callable[[World], Any]]] = [
    (Role.COMMUNE_ADMIN, lambda w: w.admin_a),
    (Role.PROVINCE_REVIEWER, lambda w: w.reviewer_p),
    (Role.UNIT_REPORTER, lambda w: w.reporter_a),
    (Role.COMMUNE_VIEWER, lambda w: w.viewer_a),
]


def _url(route: Route, world: World) -> str:
    missing = [k for k in route.kwarg_names if k not in KWARG_VALUES]
    assert not missing, f"{route}: add a value for URL keyword(s) {missing} to KWARG_VALUES"
    return reverse(route.name, kwargs={k: KWARG_VALUES[k](world) for k in route.kwarg_names})


def _request(client: Client, route: Route, url: str) -> Any:
    if route.post_only:
        return client.post(url, {})
    return client.get(url)


def _owner(route: Route, world: World) -> Any:
    roles = route.required_roles or frozenset()
    for role, pick in OWNER_BY_ROLE:
        if role in roles:
            return pick(world)
    raise AssertionError(f"{route}: no rightful user for roles {roles}")


def test_every_route_is_public_or_guarded() -> None:
    unguarded = [str(r) for r in guarded_routes() if r.required_roles is None]
    assert not unguarded, f"routes without a role guard: {unguarded}"
    unnamed = [r.pattern for r in guarded_routes() if not r.name]
    assert not unnamed, f"guarded routes need a name: {unnamed}"


def test_matrix_covers_the_known_routes() -> None:
    # A guard against the walker silently finding nothing.
    names = {r.name for r in all_routes()}
    assert {"home", "commune_detail", "unit_detail", "province_detail", "account_login"} <= names
    assert len(guarded_routes()) >= 3


@pytest.mark.django_db
@pytest.mark.parametrize("route", guarded_routes(), ids=str)
def test_isolation_matrix(route: Route, world: World) -> None:
    url = _url(route, world)
    tenant_bound = bool(route.kwarg_names)

    anonymous = _request(Client(), route, url)
    assert anonymous.status_code in (302, 401, 403), f"{route} anonymous: {anonymous.status_code}"
    if anonymous.status_code == 302:
        assert anonymous["Location"].startswith(reverse(settings.LOGIN_URL))

    for outsider in (world.admin_b, world.reviewer_q, world.admin_c):
        response = _request(login(outsider), route, url)
        if tenant_bound:
            assert response.status_code == 404, f"{route} as {outsider}: {response.status_code}"
        else:
            assert response.status_code < 500
        body = response.content.decode(errors="replace")
        assert SECRET_COMMUNE_NAME not in body and SECRET_UNIT_NAME not in body, (
            f"{route} leaks commune A's data to {outsider}"
        )

    owner = _owner(route, world)
    response = _request(login(owner), route, url)
    expected: tuple[int, ...] = (200, 302) if route.post_only else (200,)
    if route.post_only and route.pattern.startswith("api/"):
        expected = (200, 400)  # reached the write; an empty body is refused field by field
    assert response.status_code in expected, f"{route} as its owner {owner}: {response.status_code}"


@pytest.mark.django_db
def test_reporter_cannot_open_another_units_page(world: World) -> None:
    client = login(world.reporter_a2)
    assert client.get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk})).status_code == 404
    assert client.get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a2.pk})).status_code == 200


@pytest.mark.django_db
def test_reviewer_reads_every_commune_of_their_province_only(world: World) -> None:
    client = login(world.reviewer_p)
    assert client.get(reverse("commune_detail", kwargs={"commune_code": "xa-a"})).status_code == 200
    assert client.get(reverse("commune_detail", kwargs={"commune_code": "xa-b"})).status_code == 200
    assert client.get(reverse("commune_detail", kwargs={"commune_code": "xa-c"})).status_code == 404
    page = client.get(reverse("province_detail", kwargs={"province_code": "PP"}))
    assert SECRET_COMMUNE_NAME in page.content.decode()
    assert "Xa Xôi" not in page.content.decode()
    assert client.get(reverse("province_detail", kwargs={"province_code": "QQ"})).status_code == 404


@pytest.mark.django_db
def test_missing_and_foreign_objects_answer_the_same(world: World) -> None:
    client = login(world.admin_b)
    foreign = client.get(reverse("unit_detail", kwargs={"unit_pk": world.unit_a.pk}))
    missing = client.get(reverse("unit_detail", kwargs={"unit_pk": 987654}))
    assert foreign.status_code == missing.status_code == 404
    # The same page, but for the per-response CSRF token and the language switch's return
    # path (the layout's forms carry them).
    assert _without_csrf(foreign.content) == _without_csrf(missing.content)


def _without_csrf(content: bytes) -> bytes:
    import re

    return re.sub(rb'(X-CSRFToken": "|name="csrfmiddlewaretoken" value="|name="next" type="hidden" value=")[^"]+',
                  rb"\1", content)
