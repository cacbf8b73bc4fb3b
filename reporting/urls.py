from reporting.views import (
    commune_reports,
    dashboards,
    documents,
    reminders,
    report_excel,
    reports,
    rollups,
)

urlpatterns = (reports.urlpatterns + report_excel.urlpatterns + reminders.urlpatterns
               + rollups.urlpatterns + documents.urlpatterns + commune_reports.urlpatterns
               + dashboards.urlpatterns)
