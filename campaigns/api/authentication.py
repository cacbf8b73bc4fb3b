"""API authentication and throttling, kept apart from the views: DRF imports these classes
from its settings while rest_framework.views itself is being imported."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from campaigns.api_tokens import api_token_authenticate
from campaigns.models import ApiToken

# --- Authentication ------------------------------------------------------------------------


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer bdh_…`` with a personal token (campaigns.api_tokens)."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Tiêu đề Authorization không đúng dạng “Bearer <mã>”."))
        token = api_token_authenticate(raw=parts[1].decode("latin-1"))
        if token is None:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


# --- Throttling ----------------------------------------------------------------------------


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (per user for a browser session); the rate is API_THROTTLE_RATE."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"t{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"u{request.user.pk}"
        else:
            ident = f"a{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
