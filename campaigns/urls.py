from campaigns.views import organisation, plan_excel, plans

urlpatterns = organisation.urlpatterns + plans.urlpatterns + plan_excel.urlpatterns
