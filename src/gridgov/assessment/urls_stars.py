"""URLs of the assessment stars pages."""
urlpatterns = []
