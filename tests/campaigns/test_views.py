from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from tests.conftest import SECRET_UNIT_NAME, World, login


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user_attr", "expected"),
    [
        ("admin_a", ("commune_dashboard", {"commune_code": "xa-a"})),
        ("viewer_a", ("commune_dashboard", {"commune_code": "xa-a"})),
        ("reporter_a", ("unit_dashboard", None)),
        ("reviewer_p", ("province_dashboard", {"province_code": "PP"})),
    ],
)
def test_each_role_lands_on_its_page(world: World, user_attr: str, expected: tuple) -> None:
    name, kwargs = expected
    if kwargs is None:
        kwargs = {"unit_pk": world.unit_a.pk}
    response = login(getattr(world, user_attr)).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_commune_page_lists_units_in_vietnamese_order(world: World) -> None:
    body = login(world.admin_a).get(reverse("commune_detail", kwargs={"commune_code": "xa-a"})).content.decode()
    assert body.index("Công an xã A") < body.index(SECRET_UNIT_NAME)
    assert "Người dùng" in body  # the admin sees who belongs to the commune


@pytest.mark.django_db
def test_viewer_does_not_see_the_member_list(world: World) -> None:
    body = login(world.viewer_a).get(reverse("commune_detail", kwargs={"commune_code": "xa-a"})).content.decode()
    assert SECRET_UNIT_NAME in body
    assert "reporter_a" not in body


@pytest.mark.django_db
def test_user_without_membership_is_told_so(db: None) -> None:
    from tests.factories import UserFactory

    response = login(UserFactory()).get("/")
    assert response.status_code == 403
    assert "chưa được phân quyền" in response.content.decode()


@pytest.mark.django_db
def test_commune_page_query_count_is_constant(world: World,
                                              django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    from portal.scoping import scopes_disabled
    from tests.factories import UnitFactory

    client = login(world.admin_a)
    url = reverse("commune_detail", kwargs={"commune_code": "xa-a"})
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    with scopes_disabled():
        UnitFactory.create_batch(30, commune=world.commune_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


@pytest.mark.django_db
def test_vietnamese_is_the_default_whatever_the_browser_says(world: World) -> None:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Đăng nhập" in client.get("/accounts/login/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert "Sign In" in client.get("/accounts/login/").content.decode()


def test_static_files_are_served_without_collectstatic(client: Client) -> None:
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_communes_official_name_is_never_translated(world: World) -> None:
    from django.utils import translation

    with translation.override("en"):
        assert world.commune_a.official_name.startswith("Xã ")
        response = login(world.admin_a)
        response.cookies["django_language"] = "en"
        page = response.get(reverse("commune_dashboard", kwargs={"commune_code": "xa-a"})).content.decode()
    assert "Xã Bí Mật Tuyệt Đối" in page and "commune Bí Mật" not in page
