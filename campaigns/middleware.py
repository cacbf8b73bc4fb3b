"""The web surface's tenant scope (campaigns, web layer): the one place where a page request
resolves who the user is to the organisation and enters their communes' scope (DESIGN.md
rule 1). The language middleware is the kernel's (portal.middleware).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from campaigns.selectors.access import resolve_access
from portal.scoping import scopes_disabled, tenant_scope


class TenantScopeMiddleware:
    """Resolves request.access and runs the view inside the user's tenant scope.

    Anonymous users and users without a membership get an empty scope: every tenant query
    returns nothing. Only a superuser inside the Django admin works unscoped.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        access = resolve_access(request.user)
        request.access = access  # type: ignore[attr-defined]
        if request.path.startswith(self.admin_prefix) and request.user.is_superuser:
            with scopes_disabled():
                return self.get_response(request)
        with tenant_scope(access.commune_ids):
            return self.get_response(request)
