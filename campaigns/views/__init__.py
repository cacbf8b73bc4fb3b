"""Pages of the campaigns app, one module per area; each module keeps its own urlpatterns."""
