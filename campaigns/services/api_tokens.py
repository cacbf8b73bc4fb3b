"""Personal API tokens: create (the secret is shown once), list, revoke, authenticate.

The secret is ``bdh_`` + 43 URL-safe characters (256 random bits); the database keeps its
SHA-256 digest and the first characters for display.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import ApiToken
from campaigns.selectors.access import province_commune_ids
from campaigns.services.audit import audit_record
from portal.text import nfc

TOKEN_PREFIX = "bdh_"  # noqa: S105 (a marker, not a secret)
SHOWN_CHARS = 8  # "bdh_" + 8 characters are kept in clear
MAX_DAYS = 365
DEFAULT_DAYS = 90
# last_used_at is written at most once per minute per token: a script polling the API must
# not turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown to the user once, never stored


def api_token_create(*, user: Any, name: str, days: int = DEFAULT_DAYS) -> NewToken:
    name = nfc(name or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Hãy đặt tên cho mã truy cập (ví dụ: “Bảng tính tổng hợp quý”).")
    elif len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        errors["name"] = _("Tên dài quá 100 ký tự.")
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = _("Thời hạn phải từ 1 đến %(max)d ngày.") % {"max": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + SHOWN_CHARS], digest=_digest(secret),
        expires_at=timezone.now() + timedelta(days=days),
    )
    _audit(user, "api_token.create", token, {"name": name, "days": days})
    return NewToken(token=token, secret=secret)


def api_token_revoke(*, user: Any, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens (another user's token is "not found")."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        _audit(user, "api_token.revoke", token, {"name": token.name})
    return token


def api_token_list(*, user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The live token with this secret, or None (unknown, revoked, expired, inactive user)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 100:
        return None
    # The token with its user and all a reviewer's access is made of (campaigns.access).
    try:
        token = ApiToken.objects.select_related("user__membership__province").annotate(
            province_commune_ids=province_commune_ids("user__membership__province_id")).get(digest=_digest(raw))
    except ApiToken.DoesNotExist:
        return None
    membership = getattr(token.user, "membership", None)
    if membership is not None:
        membership.province_commune_ids = token.province_commune_ids  # type: ignore[attr-defined]
    now = timezone.now()
    if token.revoked_at is not None or token.expires_at <= now or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def _audit(user: Any, action: str, token: ApiToken, changes: dict[str, Any]) -> None:
    """Tokens are recorded in the audit trail of the user's commune (a reviewer has none)."""
    membership = getattr(user, "membership", None)
    commune = getattr(membership, "commune", None)
    if commune is not None:
        audit_record(commune=commune, actor=user, action=action, target=token, changes=changes)
