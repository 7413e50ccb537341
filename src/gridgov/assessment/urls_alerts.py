"""URLs of the assessment alerts pages."""
urlpatterns = []
