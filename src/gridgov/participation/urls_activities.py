"""URLs of the participation activities pages."""
urlpatterns = []
