"""URLs of the participation resources pages."""
urlpatterns = []
