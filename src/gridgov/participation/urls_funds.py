"""URLs of the participation funds pages."""
urlpatterns = []
