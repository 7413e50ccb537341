"""URLs of the assessment index pages."""
urlpatterns = []
