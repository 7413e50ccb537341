"""URLs of the case pages."""
app_name = "cases"
urlpatterns = []
