from reporting.views import reminders, report_excel, reports

urlpatterns = reports.urlpatterns + report_excel.urlpatterns + reminders.urlpatterns
