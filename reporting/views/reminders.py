"""The commune admin's one-click reminder for a period's outstanding units."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaigns.models import Unit
from portal.access import Role, post_only, role_required
from reporting.models import ReportingPeriod
from reporting.selectors import reports as selectors
from reporting.services import reminders


def _back(request: HttpRequest, period: ReportingPeriod) -> HttpResponseRedirect:
    """Back to ``next`` if it is a local URL of this site, else to the commune page."""
    target = request.POST.get("next", "")
    if (target.startswith("/") and not target.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                require_https=request.is_secure())):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(reverse("commune_detail",
                                        kwargs={"commune_code": period.plan.commune.code}))


@post_only
@role_required(Role.COMMUNE_ADMIN)
@require_POST
def period_remind(request: HttpRequest, period_pk: int) -> HttpResponse:
    """POST: remind one unit (``unit`` field) or every unit that has not submitted yet."""
    period = selectors.period_get(pk=period_pk)  # 404 outside the admin's commune
    actor = request.user
    raw_unit = request.POST.get("unit", "").strip()
    if raw_unit:
        if not raw_unit.isdigit():
            messages.error(request, _("Đơn vị không hợp lệ."))
            return _back(request, period)
        unit = get_object_or_404(Unit, pk=int(raw_unit), commune_id=period.plan.commune_id)
        try:
            sent = reminders.reminder_send_now(period=period, unit=unit, actor=actor)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _back(request, period)
        if sent is None:
            messages.info(request, _("Đơn vị %(unit)s đã được nhắc hôm nay; không gửi lại.")
                          % {"unit": unit.name})
        else:
            messages.success(request, _("Đã gửi nhắc nhở tới 1 đơn vị: %(unit)s.") % {"unit": unit.name})
        return _back(request, period)

    outcome = reminders.period_remind_outstanding(period=period, actor=actor)
    if outcome.sent:
        messages.success(request, _("Đã gửi nhắc nhở tới %(n)s đơn vị.") % {"n": len(outcome.sent)})
    elif not outcome.already and not outcome.errors:
        messages.info(request, _("Không có đơn vị nào cần nhắc: các đơn vị đã nộp báo cáo."))
    else:
        messages.info(request, _("Đã gửi nhắc nhở tới 0 đơn vị."))
    if outcome.already:
        messages.info(request, _("%(n)s đơn vị đã được nhắc hôm nay, không gửi lại.")
                      % {"n": len(outcome.already)})
    for error in outcome.errors:
        messages.warning(request, error)
    return _back(request, period)


# The isolation matrix requests this route with POST (GET answers 405).

urlpatterns: list[URLPattern] = [
    path("periods/<int:period_pk>/remind/", period_remind, name="period_remind"),
]
