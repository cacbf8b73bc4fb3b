"""The campaigns pages' routes (campaigns, URL configuration): each views module keeps its own
urlpatterns, gathered here."""

from campaigns.views import organisation, plan_excel, plans, tokens

urlpatterns = organisation.urlpatterns + plans.urlpatterns + plan_excel.urlpatterns + tokens.urlpatterns
