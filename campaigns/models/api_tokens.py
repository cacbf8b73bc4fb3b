"""Personal API tokens (not tenant data: a token belongs to a user). Models layer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """A personal API token: the user names it, it expires, they can revoke it.

    Only a SHA-256 digest of the secret is stored: the token is a 256-bit random string, so a
    fast digest is enough (no dictionary to guess from) and lets a request be authenticated
    with one indexed lookup. The prefix is kept in clear so the user can tell tokens apart.
    Not tenant data: a token belongs to a user, and the user's membership decides the scope.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="api_tokens", verbose_name=_("người dùng"))
    name = models.CharField(_("tên"), max_length=100)
    prefix = models.CharField(_("tiền tố"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()
