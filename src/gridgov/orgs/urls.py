"""URLs of the organisation pages."""
app_name = "orgs"
urlpatterns = []
