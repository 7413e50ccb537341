"""URLs of the assessment lists pages."""
urlpatterns = []
