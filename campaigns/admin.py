from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from campaigns.models import AuditEntry, Commune, Membership, Province, Unit


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "agency_name", "agency_signer_name"]
    search_fields = ["code", "name"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind"]}),
        (_("Cơ quan tổng hợp và người ký báo cáo tổng hợp của tỉnh"), {"fields": [
            "agency_name", "agency_abbreviation", "agency_signer_deputy", "agency_signer_position",
            "agency_signer_name"]}),
    ]


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0
    fields = ["kind", "name", "abbreviation", "head_position", "head_name", "is_active"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "name", "province"]
    list_filter = ["province", "kind"]
    search_fields = ["code", "name"]
    inlines = [UnitInline]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "commune", "abbreviation", "head_position", "head_name", "is_active"]
    list_filter = ["kind", "commune__province"]
    search_fields = ["name", "abbreviation", "head_name"]
    fields = ["commune", "kind", "name", "abbreviation", "head_position", "head_name", "is_active"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "commune", "unit", "province"]
    list_filter = ["role"]
    raw_id_fields = ["user", "commune", "unit"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "commune", "actor", "action", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
