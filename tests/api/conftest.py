"""API fixtures: personal tokens for the World's users and a client that sends them."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from campaigns.selectors.access import resolve_access
from campaigns.services.api_tokens import api_token_create
from portal.scoping import tenant_scope


def token_for(user: Any, *, days: int = 30, name: str = "kịch bản") -> str:
    with tenant_scope(resolve_access(user).commune_ids):
        return api_token_create(user=user, name=name, days=days).secret


def api_client(user: Any | None = None, *, secret: str | None = None) -> APIClient:
    """A client authenticated the way a script is: ``Authorization: Bearer <token>``."""
    client = APIClient()
    if user is not None or secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret or token_for(user)}")
    return client


@pytest.fixture
def as_user() -> Any:
    return api_client
