"""reporting's models, one module per topic: periods (with lock exceptions), unit_reports
(values, progress, evidence, review trail), commune_reports, reminders, rollups, documents.

Django finds an app's models by importing ``<app>.models``, so this ``__init__`` imports every
model class: Django's convention, and the one package ``__init__`` of the house that is not
empty. It also keeps ``from reporting.models import X`` working for the choices, and for the
two ``upload_to`` functions the migrations name as ``reporting.models.<function>`` (a
migration never changes); new code imports from the defining module.
"""

from reporting.models.commune_reports import (
    CommuneReport,
    CommuneReportState,
    CommuneReportTransition,
)
from reporting.models.documents import DocumentKind, RenderedDocument, document_upload_to
from reporting.models.periods import LockException, PeriodKind, ReportingPeriod
from reporting.models.reminders import Reminder, ReminderReason
from reporting.models.rollups import CommuneRollup, ProvinceRollup, RollupInputs, RollupStatus
from reporting.models.unit_reports import (
    Evidence,
    EvidenceKind,
    IndicatorValue,
    ReportState,
    ReportTransition,
    TaskProgress,
    TaskStatus,
    UnitReport,
    evidence_upload_to,
)

__all__ = [
    "CommuneReport", "CommuneReportState", "CommuneReportTransition", "CommuneRollup",
    "DocumentKind", "Evidence", "EvidenceKind", "IndicatorValue", "LockException", "PeriodKind",
    "ProvinceRollup", "Reminder", "ReminderReason", "RenderedDocument", "ReportState",
    "ReportTransition", "ReportingPeriod", "RollupInputs", "RollupStatus", "TaskProgress",
    "TaskStatus", "UnitReport", "document_upload_to", "evidence_upload_to",
]
