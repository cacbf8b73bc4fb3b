from campaigns.views import organisation, plan_excel, plans, tokens

urlpatterns = organisation.urlpatterns + plans.urlpatterns + plan_excel.urlpatterns + tokens.urlpatterns
