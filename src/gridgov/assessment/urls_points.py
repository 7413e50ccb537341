"""URLs of the assessment points pages."""
urlpatterns = []
