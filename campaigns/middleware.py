from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

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


class PortalLanguageMiddleware:
    """Vietnamese unless the user chose otherwise with the language switch (a cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an official
    with an English-language phone would get an English portal without asking for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
