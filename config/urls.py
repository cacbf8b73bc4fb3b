from django.contrib import admin
from django.http import HttpRequest
from django.urls import include, path
from django.views.i18n import set_language

from campaigns.views.organisation import healthz

admin.site.site_header = "Bình dân học vụ số"


def _superusers_only(request: HttpRequest) -> bool:
    # Django admin is for superusers only: officials work through the portal's own pages.
    return bool(request.user.is_active and request.user.is_superuser)


# Replacing the default site's method is Django's way short of a custom AdminSite class.
admin.site.has_permission = _superusers_only  # type: ignore[method-assign]  # see above

# JSON for an unmatched path under /api/, the usual page elsewhere.
handler404 = "campaigns.api.base.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("config.api_urls")),
    path("", include("campaigns.urls")),
    path("", include("reporting.urls")),
]
