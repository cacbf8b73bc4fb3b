"""Login (username or e-mail), lockout, logout, password change and reset, TOTP."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.conftest import World
from tests.factories import PASSWORD

if TYPE_CHECKING:
    # The stubs' name for what the test client returns (a response with .client, .json()...).
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LOGIN = "/accounts/login/"


def _login(client: Client, login: str, password: str) -> TestResponse:
    return client.post(LOGIN, {"login": login, "password": password})


@pytest.mark.django_db
def test_login_page_is_vietnamese() -> None:
    page = Client().get(LOGIN)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'lang="vi"' in body
    assert "Đăng nhập" in body
    assert "Mật khẩu" in body


@pytest.mark.django_db
@pytest.mark.parametrize("login_with", ["username", "email"])
def test_login_with_username_or_email_lands_on_role_page(world: World, login_with: str) -> None:
    client = Client()
    login = getattr(world.admin_a, login_with)
    response = _login(client, login, PASSWORD)
    assert response.status_code == 302
    landing = client.get("/", follow=True)
    assert landing.redirect_chain[-1][0] == reverse("commune_dashboard", kwargs={"commune_code": "xa-a"})


@pytest.mark.django_db
def test_wrong_password_is_refused_in_vietnamese(world: World) -> None:
    response = _login(Client(), "admin_a", "sai-mat-khau")
    assert response.status_code == 200
    assert "không đúng" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failures_lock_the_account_out(world: World) -> None:
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert _login(client, "admin_a", "sai-mat-khau").status_code == 200
    # Locked out: even the right password is refused now, from another client too.
    locked = _login(Client(), "admin_a", PASSWORD)
    assert locked.status_code in (200, 429)
    assert "_auth_user_id" not in Client().session
    body = locked.content.decode()
    assert "quá nhiều lần" in body
    # Another account is not affected.
    assert _login(Client(), "admin_b", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_logout(world: World) -> None:
    client = Client()
    client.force_login(world.admin_a)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/")["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_password_change(world: World) -> None:
    client = Client()
    client.force_login(world.admin_a)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Moi-mat-khau-2026", "password2": "Moi-mat-khau-2026"},
    )
    assert response.status_code == 302
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password("Moi-mat-khau-2026")


@pytest.mark.django_db
def test_password_reset_by_email(world: World) -> None:
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": world.admin_a.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.admin_a.email]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", str(message.body))
    assert link, message.body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": "Dat-lai-2026-moi", "password2": "Dat-lai-2026-moi"},
    )
    assert response.status_code == 302
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password("Dat-lai-2026-moi")


@pytest.mark.django_db
def test_totp_second_factor_is_required_once_activated(world: World) -> None:
    secret = generate_totp_secret()
    TOTP.activate(world.admin_a, secret)
    client = Client()
    response = _login(client, "admin_a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/").status_code == 302  # not logged in until the code is given
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    code = format_hotp_value(hotp_value(secret, counter))
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    assert done.status_code == 302
    assert client.get("/").status_code == 302
    assert client.get("/", follow=True).status_code == 200
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
def test_signup_is_closed() -> None:
    response = Client().get(reverse("account_signup"))
    assert response.status_code == 200
    assert "form" not in response.content.decode().lower() or "password1" not in response.content.decode()
