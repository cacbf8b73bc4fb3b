"""Who the current user is to the portal: their role and the communes they may see, and the
view decorators that act on it.

The Access is resolved once per request (web middleware) or per API call by
``campaigns.selectors.access.resolve_access`` and turned into the tenant scope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from campaigns.models import Commune, Province, Unit


class Role(models.TextChoices):
    COMMUNE_ADMIN = "commune_admin", _("Quản trị xã/phường")
    COMMUNE_VIEWER = "commune_viewer", _("Xem số liệu xã/phường")
    UNIT_REPORTER = "unit_reporter", _("Báo cáo viên đơn vị")
    PROVINCE_REVIEWER = "province_reviewer", _("Chuyên viên tỉnh")


COMMUNE_ROLES = frozenset({Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER})


@dataclass(frozen=True)
class Access:
    role: str | None = None
    commune: Commune | None = None
    unit: Unit | None = None
    province: Province | None = None
    commune_ids: tuple[int, ...] = field(default_factory=tuple)

    @property
    def is_commune_admin(self) -> bool:
        return self.role == Role.COMMUNE_ADMIN

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.PROVINCE_REVIEWER

    @property
    def is_reporter(self) -> bool:
        return self.role == Role.UNIT_REPORTER

    def sees_commune_wide(self) -> bool:
        """Admins, viewers and reviewers see every unit of a commune; reporters only their own."""
        return self.role in COMMUNE_ROLES or self.role == Role.PROVINCE_REVIEWER

    def can_see_unit(self, unit: Unit) -> bool:
        if self.role == Role.UNIT_REPORTER:
            return self.unit is not None and unit.pk == self.unit.pk
        return unit.commune_id in self.commune_ids


NO_ACCESS = Access()










def role_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Login required, then one of ``roles``; any other role gets 404, as for a foreign object.

    The roles are kept on the view (``required_roles``) so the isolation test can pick the
    right user for every route without a list kept by hand.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.access.role not in roles:  # type: ignore[attr-defined]
                raise Http404
            return view(request, *args, **kwargs)

        guarded = login_required(wrapper)
        guarded.required_roles = frozenset(roles)  # type: ignore[attr-defined]
        return guarded

    return decorator


# The role groups the pages and the API guard with (one definition each).
ALL_ROLES = frozenset(Role.values)
#: Who reads a commune's pages: its admin and viewers, and the reviewers of its province.
COMMUNE_READERS = frozenset({Role.COMMUNE_ADMIN, Role.COMMUNE_VIEWER, Role.PROVINCE_REVIEWER})
#: Who reads a unit report: the commune's readers and the unit's reporter.
REPORT_READERS = COMMUNE_READERS | {Role.UNIT_REPORTER}
REVIEWERS = frozenset({Role.PROVINCE_REVIEWER})


def post_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a guarded view as POST-only: the isolation matrix POSTs to it, GET answers 405."""
    view.post_only = True  # type: ignore[attr-defined]
    return view


def not_post(request: HttpRequest) -> HttpResponse | None:
    """The 405 answer for a POST-only view reached another way, or None for a POST."""
    return HttpResponseNotAllowed(["POST"]) if request.method != "POST" else None


def request_access(request: HttpRequest) -> Access:
    """The Access the middleware (or the API view) resolved for this request."""
    return request.access  # type: ignore[attr-defined, no-any-return]
