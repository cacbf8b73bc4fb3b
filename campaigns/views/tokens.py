"""Personal API tokens in the portal: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.models import ApiToken
from campaigns.services.api_tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    api_token_create,
    api_token_list,
    api_token_revoke,
)
from portal.access import ALL_ROLES, post_only, role_required


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Tên mã truy cập"), max_length=100,
                           help_text=gettext_lazy("Để nhận ra mã sau này, ví dụ “Bảng tính tổng hợp quý”."))
    days = forms.IntegerField(label=gettext_lazy("Thời hạn (ngày)"), min_value=1, max_value=MAX_DAYS,
                              initial=DEFAULT_DAYS)


@role_required(*ALL_ROLES)
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = api_token_create(user=request.user, name=form.cleaned_data["name"],
                                       days=form.cleaned_data["days"])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form = ApiTokenForm()
    response = render(request, "campaigns/api_tokens.html", {
        "form": form, "created": created, "tokens": api_token_list(user=request.user)},
        status=400 if form.errors else 200)
    # The secret is on this page only once: never kept by a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@post_only
@role_required(*ALL_ROLES)
@require_POST
def api_token_revoke_view(request: HttpRequest, token_pk: int) -> HttpResponse:
    try:
        token = api_token_revoke(user=request.user, token_id=token_pk)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("Đã thu hồi mã truy cập “%(name)s”.") % {"name": token.name})
    return redirect("api_tokens")


urlpatterns = [
    path("account/api-tokens/", api_tokens, name="api_tokens"),
    path("account/api-tokens/<int:token_pk>/revoke/", api_token_revoke_view, name="api_token_revoke"),
]
