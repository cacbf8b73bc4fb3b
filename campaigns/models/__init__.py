"""campaigns' models, one module per topic: organisation (provinces, communes, units,
memberships), audit, plans, tasks, api_tokens.

Django finds an app's models by importing ``<app>.models``, so this ``__init__`` imports every
model class: Django's convention, and the one package ``__init__`` of the house that is not
empty. It also keeps ``from campaigns.models import X`` working for the choices and name
helpers that lived in the single models module; new code imports from the defining module.
"""

from campaigns.models.api_tokens import ApiToken
from campaigns.models.audit import AuditEntry, diff_fields
from campaigns.models.organisation import (
    OFFICIAL_KIND_NAMES,
    Commune,
    CommuneKind,
    Membership,
    Province,
    Unit,
    UnitKind,
    commune_official_name,
    province_full_name,
)
from campaigns.models.plans import (
    IssuerKind,
    Plan,
    PlanAmendment,
    PlanLegalBasis,
    PlanRecipient,
    PlanSection,
    PlanStatus,
    SectionKind,
    TasksLayout,
)
from campaigns.models.tasks import (
    Recurrence,
    Task,
    TaskCoordinator,
    TaskDeliverable,
    TimeframeKind,
)

__all__ = [
    "OFFICIAL_KIND_NAMES", "ApiToken", "AuditEntry", "Commune", "CommuneKind", "IssuerKind",
    "Membership", "Plan", "PlanAmendment", "PlanLegalBasis", "PlanRecipient", "PlanSection",
    "PlanStatus", "Province", "Recurrence", "SectionKind", "Task", "TaskCoordinator",
    "TaskDeliverable", "TasksLayout", "TimeframeKind", "Unit", "UnitKind", "commune_official_name",
    "diff_fields", "province_full_name",
]
