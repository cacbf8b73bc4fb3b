"""Error pages speak Vietnamese in the portal's layout (and the 500 page needs no context)."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string

from tests.conftest import World, login


@pytest.mark.django_db
def test_a_foreign_or_missing_page_is_a_vietnamese_404(world: World, settings: Any) -> None:
    settings.DEBUG = False
    client = login(world.admin_b)
    for url in (f"/plans/{world.plan_a.pk}/", "/khong-co-trang-nay/"):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 404
        assert '<html lang="vi">' in body and "Không tìm thấy trang" in body
        assert "Not Found" not in body


def test_the_server_error_page_renders_without_a_request() -> None:
    body = render_to_string("500.html")
    assert "Hệ thống đang gặp lỗi" in body and 'lang="vi"' in body
