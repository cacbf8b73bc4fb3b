"""The sign-in policy (kernel, web layer): django-allauth's adapter, named in settings
(ACCOUNT_ADAPTER)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators for real officials: no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
