"""URLs of the assessment meetings pages."""
urlpatterns = []
