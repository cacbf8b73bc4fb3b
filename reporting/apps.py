from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Báo cáo")

    def ready(self) -> None:
        # Reporting's reactions to plan changes (campaigns.hooks): the only listeners.
        from campaigns import hooks
        from reporting.services.periods import on_plan_schedule_changed
        from reporting.services.rollup_inputs import on_plan_figures_changed

        hooks.plan_schedule_changed.connect(on_plan_schedule_changed, dispatch_uid="reporting.periods")
        hooks.plan_figures_changed.connect(on_plan_figures_changed, dispatch_uid="reporting.rollups")
