from __future__ import annotations

from django.http import HttpRequest

from allauth.account.adapter import DefaultAccountAdapter


class PortalAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by administrators for real officials: no public sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
