"""URLs of the assessment report pages."""
urlpatterns = []
