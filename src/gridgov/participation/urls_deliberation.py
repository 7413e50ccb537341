"""URLs of the participation deliberation pages."""
urlpatterns = []
