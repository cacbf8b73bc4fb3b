from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.home, name="home"),
    path("communes/<slug:commune_code>/", views.commune_detail, name="commune_detail"),
    path("units/<int:unit_pk>/", views.unit_detail, name="unit_detail"),
    path("provinces/<str:province_code>/", views.province_detail, name="province_detail"),
]
