"""API v1 (/api/v1/): one route per resource, named ``api_<resource>``.

The schema and its interactive docs are public (they describe the API, hold no data) and are
served without any CDN (drf-spectacular-sidecar ships Swagger UI).
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from campaigns.api import views as org
from reporting.api import views as rep

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("provinces/", org.ProvinceList.as_view(), name="api_provinces"),
    path("provinces/<str:province_code>/", org.ProvinceDetail.as_view(), name="api_province"),
    path("communes/", org.CommuneList.as_view(), name="api_communes"),
    path("communes/<slug:commune_code>/", org.CommuneDetail.as_view(), name="api_commune"),
    path("units/", org.UnitList.as_view(), name="api_units"),
    path("units/<int:unit_pk>/", org.UnitDetail.as_view(), name="api_unit"),
    path("indicators/", org.IndicatorList.as_view(), name="api_indicators"),
    path("indicators/<int:indicator_pk>/", org.IndicatorDetail.as_view(), name="api_indicator"),
    path("plans/", org.PlanList.as_view(), name="api_plans"),
    path("plans/<int:plan_pk>/", org.PlanDetail.as_view(), name="api_plan"),
    path("periods/", rep.PeriodList.as_view(), name="api_periods"),
    path("periods/<int:period_pk>/", rep.PeriodDetail.as_view(), name="api_period"),
    path("unit-reports/", rep.UnitReportList.as_view(), name="api_unit_reports"),
    path("unit-reports/<int:report_pk>/", rep.UnitReportDetail.as_view(), name="api_unit_report"),
    path("commune-reports/", rep.CommuneReportList.as_view(), name="api_commune_reports"),
    path("commune-reports/<int:commune_report_pk>/", rep.CommuneReportDetail.as_view(),
         name="api_commune_report"),
    path("commune-reports/<int:commune_report_pk>/document.pdf", rep.CommuneReportPdf.as_view(),
         name="api_commune_report_pdf"),
    path("commune-reports/<int:commune_report_pk>/acknowledge/", rep.CommuneReportAcknowledge.as_view(),
         name="api_commune_report_acknowledge"),
    path("commune-reports/<int:commune_report_pk>/return/", rep.CommuneReportReturn.as_view(),
         name="api_commune_report_return"),
    path("rollups/communes/", rep.CommuneRollupList.as_view(), name="api_commune_rollups"),
    path("rollups/provinces/", rep.ProvinceRollupList.as_view(), name="api_province_rollups"),
    path("completeness/", rep.CompletenessList.as_view(), name="api_completeness"),
]
