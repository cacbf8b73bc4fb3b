"""Writes for the commune's consolidated quarterly report (BÁO CÁO kết quả thực hiện Phong trào
“Bình dân học vụ số” quý … năm …): open the draft, edit it, issue it as a frozen PDF, and the
province's acknowledge or return.

draft → issued → acknowledged | returned (reason required) → (edited) → issued again …

Every write locks the report row and checks the version the user edited (portal.locking: a
lost update is a ConflictError); a move records the transition (CommuneReportTransition) and an
AuditEntry (old → new) through portal.workflow, and sends e-mail only after commit.

The issued PDF is rendered inside the issue transaction, not by a task afterwards: the
document must be exactly what was signed. A task would render minutes later, after a unit
report may have been accepted or reopened and the rollups recomputed, and would print
figures nobody signed; and if rendering fails the report must not become "issued" without its
document. The render takes a few seconds of the one request that issues a quarter's report.

One RenderedDocument per source (the table's constraint): a reissue after a return replaces
the frozen PDF. The superseded PDF is the document the province returned, a record in its own
right, so before it is replaced a copy is kept under ``documents/commune_report/<commune>/
superseded/`` and the copy's path and checksum go into the issue's AuditEntry.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.models import IssuerKind, Plan
from campaigns.services.audit import audit_record
from portal.locking import row_lock, version_save
from portal.text import nfc
from portal.workflow import Workflow
from reporting.documents import storage
from reporting.documents.content.common import commune_phrase, period_phrase
from reporting.models import (
    CommuneReport,
    CommuneReportState,
    CommuneReportTransition,
    DocumentKind,
    PeriodKind,
    ReportingPeriod,
)
from reporting.selectors import reports as selectors
from reporting.services.mail import SUBJECT_PREFIX, admin_emails, fmt_date, portal_url
from reporting.services.rollup_inputs import rollups_recompute_now

logger = logging.getLogger(__name__)

EDITABLE_STATES = (CommuneReportState.DRAFT, CommuneReportState.RETURNED)
TEXT_FIELDS = (
    "number", "symbol", "place", "title", "highlights", "difficulties", "proposals", "next_steps",
    "signer_authority", "signer_deputy", "signer_position", "signer_name",
)
EDITABLE_FIELDS = (*TEXT_FIELDS, "issue_date", "recipients")
RECIPIENT_MAX = 300
_NUMBER = re.compile(r"\d{1,8}")


def default_title(*, period: ReportingPeriod) -> str:
    """"Kết quả thực hiện Phong trào “Bình dân học vụ số” quý I năm 2026 trên địa bàn phường
    Ba Ngòi"."""
    quarter = period_phrase(period)
    return (f"Kết quả thực hiện Phong trào “Bình dân học vụ số” {quarter} trên địa bàn "
            f"{commune_phrase(period.plan.commune)}")


def default_recipients(*, plan: Plan) -> list[str]:
    """The usual "Nơi nhận" of a commune's quarterly report to the province (editable)."""
    where = commune_phrase(plan.commune)
    if plan.issuer_kind == IssuerKind.DANG_UY:
        return ["Ban Thường vụ Tỉnh ủy (b/c);", "Sở Khoa học và Công nghệ (b/c);",
                f"Thường trực HĐND, UBND {where};", "Các chi, đảng bộ trực thuộc;",
                "Lưu Văn phòng Đảng ủy."]
    return ["Sở Khoa học và Công nghệ (b/c);", f"Thường trực Đảng ủy {where} (b/c);",
            f"Thường trực HĐND {where};", f"Chủ tịch, các Phó Chủ tịch UBND {where};",
            "Các cơ quan, đơn vị;", "Lưu: VT, VHXH."]


def default_symbol(*, plan: Plan) -> str:
    """The plan's symbol with the document type changed: KH-UBND → BC-UBND, KH/ĐU → BC/ĐU."""
    symbol = plan.symbol or ""
    if symbol.upper().startswith("KH"):
        return "BC" + symbol[2:]
    return "BC/ĐU" if plan.issuer_kind == IssuerKind.DANG_UY else "BC-UBND"


# --- Open and edit -------------------------------------------------------------------------


@transaction.atomic
def commune_report_open(*, period: ReportingPeriod, actor: Any) -> CommuneReport:
    """The draft of the period's consolidated report, created on first open with the plan's
    place, signer and the usual recipients (idempotent: a second call returns the same row)."""
    if period.kind != PeriodKind.QUARTERLY:
        raise ValidationError(_("Báo cáo tổng hợp chỉ lập cho kỳ báo cáo quý."))
    existing = CommuneReport.objects.filter(period=period).first()
    if existing is not None:
        return existing
    plan = period.plan
    # get_or_create: two admins opening at once race on the unique period; one row wins.
    report, created = CommuneReport.objects.get_or_create(period=period, defaults={
        "commune": plan.commune, "symbol": default_symbol(plan=plan), "place": plan.place,
        "title": default_title(period=period), "recipients": default_recipients(plan=plan),
        "signer_authority": plan.signer_authority, "signer_deputy": plan.signer_deputy,
        "signer_position": plan.signer_position, "signer_name": plan.signer_name,
    })
    if created:
        audit_record(commune=plan.commune, actor=actor, action="commune_report.open", target=report,
                     changes={"period": [None, period.title], "title": [None, report.title]})
    return report


def _lock(report: CommuneReport, version: int | None) -> CommuneReport:
    return row_lock(CommuneReport.objects.select_related("period", "period__plan", "period__plan__commune",
                                                        "commune"),
                    pk=report.pk, version=version)


def _clean_recipients(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    lines = []
    for line in value or []:
        text = nfc(str(line))
        # "- Sở Khoa học…" and "Sở Khoa học…" are the same recipient: the dash is layout.
        text = re.sub(r"^[-–+•]\s*", "", text)
        if text:
            lines.append(text)
    return lines


def _clean(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in fields.items():
        if name == "recipients":
            clean[name] = _clean_recipients(value)
            if any(len(line) > RECIPIENT_MAX for line in clean[name]):
                errors[name] = _("Mỗi nơi nhận dài tối đa %(n)s ký tự.") % {"n": RECIPIENT_MAX}
        elif name == "issue_date":
            if value is not None and not isinstance(value, date):
                errors[name] = _("Ngày ban hành không hợp lệ.")
            clean[name] = value
        else:
            text = nfc(value or "")
            limit = getattr(CommuneReport._meta.get_field(name), "max_length", None)
            if limit and len(text) > limit:
                errors[name] = _("Dài tối đa %(n)s ký tự.") % {"n": limit}
            clean[name] = text
    number = clean.get("number")
    if number:
        if not _NUMBER.fullmatch(number):
            errors["number"] = _("Số văn bản chỉ gồm chữ số, ví dụ 05.")
        else:
            # Nghị định 30/2020: a number below 10 is written with a leading 0.
            clean["number"] = f"{int(number):02d}"
    if "symbol" in clean and not clean["symbol"]:
        errors["symbol"] = _("Phải có ký hiệu văn bản, ví dụ BC-UBND.")
    return clean, errors


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


@transaction.atomic
def commune_report_update(*, report: CommuneReport, actor: Any, version: int | None,
                          fields: dict[str, Any]) -> CommuneReport:
    """Edit the draft (or a returned report): number, date, title, narrative, recipients,
    signer. Text is stored NFC; every changed field is audited old → new."""
    report = _lock(report, version)
    if report.state not in EDITABLE_STATES:
        raise ValidationError(_("Báo cáo đang ở trạng thái “%(state)s”, không sửa được.")
                              % {"state": report.get_state_display()})
    clean, errors = _clean(fields)
    if errors:
        raise ValidationError(errors)
    changes = {name: [_plain(getattr(report, name)), _plain(value)] for name, value in clean.items()
               if getattr(report, name) != value}
    if changes:
        for name in changes:
            setattr(report, name, clean[name])
        version_save(report)
        audit_record(commune=report.commune, actor=actor, action="commune_report.update", target=report,
                     changes=changes)
    return report


# --- Transitions ---------------------------------------------------------------------------


def _notify(_report: CommuneReport, transition: CommuneReportTransition) -> None:
    """After the province's acknowledge or return commits: tell the commune's administrators."""
    commune_report_notify(transition_id=transition.pk)


WORKFLOW = Workflow(transition_model=CommuneReportTransition, action_prefix="commune_report", audit=audit_record,
                    commune_of=lambda report: report.commune, follow_up=_notify)


def issue_missing(report: CommuneReport) -> dict[str, str]:
    """What must be filled in before the report can be issued, by field."""
    checks = (
        ("number", report.number, _("Phải có số văn bản.")),
        ("issue_date", report.issue_date, _("Phải có ngày ban hành.")),
        ("signer_name", report.signer_name, _("Phải có họ tên người ký.")),
        ("signer_position", report.signer_position or report.signer_authority,
         _("Phải có thẩm quyền hoặc chức vụ người ký.")),
        ("title", report.title, _("Phải có trích yếu.")),
        ("place", report.place, _("Phải có địa danh.")),
    )
    return {name: message for name, value, message in checks if not value}


def _keep_superseded(report: CommuneReport, document: Any) -> dict[str, Any]:
    """Copy the frozen PDF about to be replaced; returns what the audit records of it."""
    stamp = timezone.localtime(document.rendered_at).strftime("%Y%m%d-%H%M%S")
    name = (f"documents/{DocumentKind.COMMUNE_REPORT}/{report.commune_id}/superseded/"
            f"bao-cao-{report.pk}-{stamp}-{document.sha256[:12]}.pdf")
    kept = {"sha256": document.sha256, "rendered_at": document.rendered_at.isoformat()}
    try:
        with document.file.open("rb") as handle:
            copy = default_storage.save(name, ContentFile(handle.read()))
        storage.delete_on_rollback(copy)
        return {"file": copy, **kept}
    except FileNotFoundError:
        # Gone from storage already: the audit still says which document was superseded.
        logger.warning("commune report %s: superseded document %s is missing", report.pk, document.file.name)
        return {"file": None, "missing": document.file.name, **kept}


def issue_incomplete_errors(*, incompleteness: selectors.Incompleteness, confirmed: bool,
                            reason: str) -> dict[str, str]:
    """Issuing with unit reports unreviewed or missing needs the admin's explicit
    confirmation and a reason (kept in the history, printed nowhere)."""
    if not incompleteness:
        return {}
    errors = {}
    if not confirmed:
        errors["incomplete_confirmed"] = _("Còn báo cáo đơn vị chưa được duyệt hoặc đơn vị chưa báo cáo: "
                                           "phải xác nhận ban hành khi số liệu chưa đầy đủ.")
    if not nfc(reason or ""):
        errors["incomplete_reason"] = _("Phải ghi lý do ban hành khi số liệu chưa đầy đủ.")
    return errors


@storage.atomic_with_files()
def commune_report_issue(*, report: CommuneReport, actor: Any, version: int | None,
                         incomplete_confirmed: bool = False, incomplete_reason: str = "") -> CommuneReport:
    """Issue the report: check the number, date and signer, record the transition, and render
    the PDF frozen, in this transaction (see the module's note). Should the transaction roll
    back, the PDF and the copy of a superseded one written for it are deleted with it.

    Unit reports awaiting review or units that have not reported (selectors.
    period_incompleteness) do not block the issue, but the admin must confirm it and say why;
    the reason goes into the transition and the audit with the units' names.

    The figures are recomputed first, here, for this plan's quarter (and any earlier quarter
    whose inputs changed): a target edited a moment ago, or a report reopened, must not be
    frozen at its old value while the queue catches up (DESIGN.md rule 9). One commune's
    quarter is one aggregate query, cheap beside the PDF render.
    """
    report = _lock(report, version)
    WORKFLOW.check(report, allowed=EDITABLE_STATES,
                   refused=_("Chỉ ban hành được báo cáo đang soạn hoặc bị tỉnh trả lại."))
    missing = issue_missing(report)
    incompleteness = selectors.period_incompleteness(period=report.period)
    missing.update(issue_incomplete_errors(incompleteness=incompleteness, confirmed=incomplete_confirmed,
                                           reason=incomplete_reason))
    if missing:
        raise ValidationError(missing)
    period = report.period
    if period.quarter is not None:
        rollups_recompute_now(plan_id=period.plan_id, year=period.year, quarter=period.quarter)
    changes: dict[str, Any] = {"number": [None, report.number], "issue_date": [None, _plain(report.issue_date)],
                               "signer_name": [None, report.signer_name]}
    reason = ""
    if incompleteness:
        reason = nfc(incomplete_reason)
        changes["incomplete"] = [None, incompleteness.as_audit()]
    previous = storage.document_current(kind=DocumentKind.COMMUNE_REPORT, source=report).document
    if previous is not None and previous.is_frozen:
        # A reissue after a return: keep the returned document, then let it be replaced.
        changes["superseded_document"] = _keep_superseded(report, previous)
        storage.document_unfreeze(kind=DocumentKind.COMMUNE_REPORT, source=report)
    report.issued_at = timezone.now()
    report.issued_by = actor if getattr(actor, "is_authenticated", False) else None
    report.save(update_fields=["issued_at", "issued_by"])
    WORKFLOW.move(report, to_state=CommuneReportState.ISSUED, actor=actor, reason=reason, changes=changes,
                  follow_up=False)
    document = storage.document_render_and_store(kind=DocumentKind.COMMUNE_REPORT, source=report, frozen=True)
    audit_record(commune=report.commune, actor=actor, action="commune_report.document", target=report,
                 changes={"document": [None, {"file": document.file.name, "sha256": document.sha256,
                                              "pages": document.pages}]})
    return report


@transaction.atomic
def commune_report_acknowledge(*, report: CommuneReport, actor: Any, version: int | None) -> CommuneReport:
    """The province takes the issued report in (tiếp nhận)."""
    report = _lock(report, version)
    WORKFLOW.check(report, allowed=[CommuneReportState.ISSUED], refused=_("Chỉ tiếp nhận được báo cáo đã ban hành."))
    WORKFLOW.move(report, to_state=CommuneReportState.ACKNOWLEDGED, actor=actor)
    return report


@transaction.atomic
def commune_report_return(*, report: CommuneReport, actor: Any, version: int | None, reason: str) -> CommuneReport:
    """The province sends the issued report back with a reason. The frozen PDF stays as it was
    returned until the commune issues again."""
    report = _lock(report, version)
    WORKFLOW.check(report, allowed=[CommuneReportState.ISSUED], refused=_("Chỉ trả lại được báo cáo đã ban hành."),
                   reason=reason, reason_missing=_("Phải ghi lý do trả lại báo cáo."))
    WORKFLOW.move(report, to_state=CommuneReportState.RETURNED, actor=actor, reason=reason)
    return report


# --- E-mail to the commune's administrators ------------------------------------------------


def commune_report_notify(*, transition_id: int) -> int:
    """Tell the commune's administrators that the province acknowledged or returned their
    report (after commit, inside the request's scope). Returns the number of e-mails sent.

    A mail server failure is logged, never raised: the province's decision is committed and
    must not turn into an error page for the reviewer.
    """
    transition = (CommuneReportTransition.objects
                  .select_related("report", "report__period", "report__commune", "actor")
                  .filter(pk=transition_id).first())
    if transition is None or transition.to_state not in (CommuneReportState.ACKNOWLEDGED,
                                                        CommuneReportState.RETURNED):
        return 0
    report = transition.report
    recipients = admin_emails(commune=report.commune)
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        values = {"prefix": SUBJECT_PREFIX, "period": report.period.title,
                  "commune": report.commune.official_name, "title": report.title,
                  "day": fmt_date(timezone.localdate(transition.created_at)),
                  "who": (transition.actor.get_full_name() or transition.actor.username) if transition.actor else "",
                  "url": portal_url(reverse("commune_report_detail", kwargs={"commune_report_pk": report.pk})),
                  "reason": transition.reason}
        if transition.to_state == CommuneReportState.RETURNED:
            subject = _("%(prefix)s Báo cáo tổng hợp %(period)s của %(commune)s bị tỉnh trả lại") % values
            body = _("Kính gửi Quản trị %(commune)s,\n\nBáo cáo “%(title)s” đã bị tỉnh trả lại ngày %(day)s"
                     " (%(who)s).\n\nLý do trả lại:\n%(reason)s\n\nĐề nghị chỉnh sửa theo ý kiến trên và ban hành"
                     " lại báo cáo.\n\nMở báo cáo: %(url)s\n") % values
        else:
            subject = _("%(prefix)s Tỉnh đã tiếp nhận báo cáo tổng hợp %(period)s của %(commune)s") % values
            body = _("Kính gửi Quản trị %(commune)s,\n\nBáo cáo “%(title)s” đã được tỉnh tiếp nhận ngày"
                     " %(day)s (%(who)s).\n\nMở báo cáo: %(url)s\n") % values
        body += "\n--\n" + _("Đây là thư tự động từ Cổng theo dõi phong trào “Bình dân học vụ số”, "
                             "vui lòng không trả lời thư này.")
    try:
        return EmailMessage(subject=subject, body=body, to=list(recipients)).send(fail_silently=False)
    except Exception:
        logger.exception("commune report %s: e-mail about transition %s not sent", report.pk, transition_id)
        return 0
