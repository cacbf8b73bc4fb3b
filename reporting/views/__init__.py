"""Pages of the reporting app, one module per area; each module keeps its own urlpatterns."""
