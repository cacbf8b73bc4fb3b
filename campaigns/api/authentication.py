"""The portal's API authentication and throttling (campaigns, API layer): a personal token
(campaigns.services.api_tokens) authenticates a script, and the request budget is counted per
token. Named in settings.REST_FRAMEWORK; the generic header parsing and the sliding-window
counter are the kernel's (portal.api.authentication, portal.api.throttling).

Kept apart from the views: DRF imports these classes from its settings while
rest_framework.views itself is being imported.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from campaigns.models import ApiToken
from campaigns.services.api_tokens import api_token_authenticate
from portal.api.authentication import BearerAuthentication
from portal.api.throttling import SlidingWindowRateThrottle


class BearerTokenAuthentication(BearerAuthentication):
    """``Authorization: Bearer bdh_…`` with a personal token (campaigns.services.api_tokens)."""

    def authenticate_token(self, raw: str) -> tuple[Any, ApiToken] | None:
        token = api_token_authenticate(raw=raw)
        if token is None:
            return None
        return token.user, token


class TokenRateThrottle(SlidingWindowRateThrottle):
    """Requests per token (per user for a browser session) at API_THROTTLE_RATE."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            return f"throttle:{self.scope}:t{request.auth.pk}"
        return super().get_cache_key(request, view)
