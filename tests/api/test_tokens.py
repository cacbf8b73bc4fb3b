"""Personal API tokens: made in the portal or by the command, stored hashed, expiring,
revocable, throttled per token."""

from __future__ import annotations

import os
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from campaigns.models import ApiToken, AuditEntry
from portal.scoping import scopes_disabled
from tests.api.conftest import api_client, token_for
from tests.conftest import World, login

pytestmark = pytest.mark.django_db

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

COMMUNES = "/api/v1/communes/"


def test_a_token_reads_the_api_and_is_stored_only_as_a_digest(world: World) -> None:
    secret = token_for(world.admin_a)
    token = ApiToken.objects.get(user=world.admin_a)
    assert secret.startswith("bdh_") and len(secret) > 40
    assert secret not in (token.digest, token.prefix) and secret.startswith(token.prefix)
    response = api_client(secret=secret).get(COMMUNES)
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["results"]] == ["xa-a"]
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer bdh_khong-co-that", "Bearer a b", "Basic abc"])
def test_without_a_valid_token_the_answer_is_401(world: World, header: str) -> None:
    client = api_client()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(COMMUNES)
    assert response.status_code in (401, 403) if header.startswith("Basic") else response.status_code == 401
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_refused(world: World) -> None:
    secret = token_for(world.reviewer_p, days=1)
    client = api_client(secret=secret)
    assert client.get(COMMUNES).status_code == 200
    ApiToken.objects.filter(user=world.reviewer_p).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(COMMUNES)
    assert response.status_code == 401
    assert "hết hạn" in response.json()["detail"]


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    secret = token_for(world.admin_a)
    token = ApiToken.objects.get(user=world.admin_a)
    client = api_client(secret=secret)
    assert client.get(COMMUNES).status_code == 200
    page = login(world.admin_a).post(reverse("api_token_revoke", kwargs={"token_pk": token.pk}))
    assert page.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get(COMMUNES).status_code == 401


def test_a_deactivated_user_loses_the_api(world: World) -> None:
    secret = token_for(world.admin_a)
    world.admin_a.is_active = False
    world.admin_a.save()
    assert api_client(secret=secret).get(COMMUNES).status_code == 401


def test_the_page_creates_shows_once_lists_and_revokes(world: World) -> None:
    client = login(world.admin_a)
    url = reverse("api_tokens")
    created = client.post(url, {"name": "Bảng tính quý", "days": "30"})
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    body = created.content.decode()
    token = ApiToken.objects.get(user=world.admin_a)
    secret = body.split('id="new-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith(token.prefix) and "chỉ hiện một lần" in body
    assert api_client(secret=secret).get(COMMUNES).status_code == 200
    listing = client.get(url).content.decode()
    assert "Bảng tính quý" in listing and secret not in listing and token.prefix in listing
    with scopes_disabled():
        assert AuditEntry.objects.filter(action="api_token.create", target_id=token.pk, actor=world.admin_a).exists()


def test_the_page_explains_a_missing_name_and_a_too_long_expiry(world: World) -> None:
    response = login(world.admin_a).post(reverse("api_tokens"), {"name": "", "days": "4000"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    body = response.content.decode()
    assert "pp-field--error" in body


def test_nobody_revokes_another_users_token(world: World) -> None:
    token_for(world.admin_a)
    token = ApiToken.objects.get(user=world.admin_a)
    response = login(world.admin_b).post(reverse("api_token_revoke", kwargs={"token_pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    # The page lists one's own tokens only.
    assert token.prefix not in login(world.admin_b).get(reverse("api_tokens")).content.decode()


def test_the_command_prints_a_working_token(world: World) -> None:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", world.reviewer_p.username, "--name", "tổng hợp tỉnh", "--days", "7",
                 stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get(user=world.reviewer_p)
    assert token.name == "tổng hợp tỉnh"
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)
    assert "not shown again" in err.getvalue()
    response = api_client(secret=secret).get(COMMUNES)
    assert sorted(c["code"] for c in response.json()["results"]) == ["xa-a", "xa-b"]


def test_the_command_refuses_an_unknown_user_and_a_bad_expiry(world: World) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "khong-ai", "--name", "x")
    with pytest.raises(CommandError):
        call_command("create_api_token", world.admin_a.username, "--name", "x", "--days", "0")
    assert not ApiToken.objects.exists()


def test_requests_are_throttled_per_token(world: World, settings: Any) -> None:
    from rest_framework.throttling import SimpleRateThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"token": "3/min"}}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {"token": "3/min"}  # DRF reads the rates once, at import
    try:
        cache.clear()
        first, second = api_client(secret=token_for(world.admin_a)), api_client(secret=token_for(world.admin_a))
        assert [first.get(COMMUNES).status_code for _ in range(3)] == [200, 200, 200]
        limited = first.get(COMMUNES)
        assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
        assert second.get(COMMUNES).status_code == 200  # another token has its own budget
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


# --- The sliding-window counter ------------------------------------------------------------------


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _throttle(rate: str, clock: _Clock) -> Any:
    from campaigns.api.authentication import TokenRateThrottle

    throttle = TokenRateThrottle.__new__(TokenRateThrottle)
    throttle.rate = rate
    num_requests, duration = throttle.parse_rate(rate)
    assert num_requests is not None and duration is not None
    throttle.num_requests, throttle.duration = num_requests, duration
    throttle.timer = clock
    return throttle


def _request(token_pk: int) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(auth=ApiToken(pk=token_pk), user=None)


def test_the_window_slides_and_a_refused_request_is_not_counted() -> None:
    cache.clear()
    clock = _Clock(600.0)  # the start of a minute
    throttle, request = _throttle("3/min", clock), _request(1)
    assert [throttle.allow_request(request, None) for _ in range(4)] == [True, True, True, False]
    assert throttle.wait() == 60  # the minute is full: wait for it to end
    clock.now = 661.0  # 1 s into the next minute: 3 × 59/60 of the last minute still counts
    assert not throttle.allow_request(request, None)
    wait = throttle.wait()
    assert 18 <= wait <= 20  # until enough of the last minute has slid out of the window
    clock.now = 661.0 + wait
    assert throttle.allow_request(request, None)
    assert not throttle.allow_request(request, None)  # the refused ones above were not counted...
    clock.now = 720.0 + 60  # ...and two minutes on, the budget is whole again
    assert [throttle.allow_request(request, None) for _ in range(3)] == [True, True, True]


@pytest.mark.skipif(not os.environ.get("REDIS_URL") and not IN_CI,
                    reason="the Redis counter needs REDIS_URL (CI sets it, and there the test always runs)")
def test_concurrent_requests_of_one_token_are_all_counted_in_redis(settings: Any) -> None:
    """Twenty workers at once, 200 requests, a budget of 50: exactly 50 are served (DRF's
    read-modify-write history let concurrent requests overwrite each other's count)."""
    import secrets
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from campaigns.api.authentication import _redis_client

    prefix = f"test-throttle-{secrets.token_hex(4)}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": prefix}}
    assert _redis_client() is not None
    clock = _Clock(6000.0)

    def attempt(_n: int) -> bool:
        return bool(_throttle("50/min", clock).allow_request(_request(7), None))

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            served = sum(pool.map(attempt, range(200)))
        assert served == 50
    finally:
        client = redis.Redis.from_url(os.environ["REDIS_URL"])
        keys = list(client.scan_iter(match=f"{prefix}:*"))
        if keys:
            client.delete(*keys)


def test_a_request_reads_its_token_user_and_access_in_one_query(world: World,
                                                                 django_assert_num_queries: Any) -> None:
    """Token, user, membership, the reviewer's province and its communes (the scope) in one
    query; then the endpoint's own. A commune role reads its commune in a second."""
    client = api_client(world.reviewer_p)
    assert client.get("/api/v1/provinces/").status_code == 200  # last_used_at written once a minute
    with django_assert_num_queries(2):
        assert [p["code"] for p in client.get("/api/v1/provinces/").json()] == ["PP"]
    with django_assert_num_queries(2):
        assert sorted(c["code"] for c in client.get(COMMUNES).json()["results"]) == ["xa-a", "xa-b"]
    admin = api_client(world.admin_a)
    admin.get(COMMUNES)
    with django_assert_num_queries(3):  # token with membership, the commune with its province, the list
        assert [c["code"] for c in admin.get(COMMUNES).json()["results"]] == ["xa-a"]


def test_a_reviewer_of_a_province_without_communes_sees_nothing(world: World) -> None:
    from campaigns.models import Membership
    from tests.factories import ProvinceFactory

    with scopes_disabled():
        empty = ProvinceFactory(code="RR", name="Trống")
        Membership.objects.filter(user=world.reviewer_q).update(province=empty)
    client = api_client(world.reviewer_q)
    assert client.get(COMMUNES).json()["results"] == []
    assert [p["code"] for p in client.get("/api/v1/provinces/").json()] == ["RR"]
