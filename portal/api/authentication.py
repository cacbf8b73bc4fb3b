"""Bearer-token authentication for the API (kernel, API layer): the ``Authorization`` header
read and refused here, the token itself looked up by the app that issues tokens
(campaigns.api.authentication.BearerTokenAuthentication, named in settings).

Kept apart from the views: DRF imports authentication classes from its settings while
rest_framework.views itself is being imported.
"""

from __future__ import annotations

import abc
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request


class BearerAuthentication(BaseAuthentication, abc.ABC):
    """``Authorization: Bearer <token>`` (or ``Token <token>``); a subclass says what a token is
    with ``authenticate_token``. The OpenAPI schema documents every subclass as one bearer
    scheme (portal.api.schema.BearerTokenScheme)."""

    keywords = (b"bearer", b"token")

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Tiêu đề Authorization không đúng dạng “Bearer <mã>”."))
        found = self.authenticate_token(parts[1].decode("latin-1"))
        if found is None:
            raise exceptions.AuthenticationFailed(_("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi."))
        return found

    @abc.abstractmethod
    def authenticate_token(self, raw: str) -> tuple[Any, Any] | None:
        """``(user, token)`` for a valid token, None for any other."""

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
