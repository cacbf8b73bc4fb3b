"""The reporting pages' routes (reporting, URL configuration): each views module keeps its own
urlpatterns, gathered here."""

from reporting.views import (
    commune_reports,
    dashboards,
    documents,
    evidence,
    history,
    periods,
    reminders,
    report_excel,
    review,
    rollups,
    unit_reports,
)

urlpatterns = (periods.urlpatterns + unit_reports.urlpatterns + review.urlpatterns + evidence.urlpatterns
               + history.urlpatterns + report_excel.urlpatterns + reminders.urlpatterns
               + rollups.urlpatterns + documents.urlpatterns + commune_reports.urlpatterns
               + dashboards.urlpatterns)
