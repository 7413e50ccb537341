"""URLs of the participation mediation pages."""
urlpatterns = []
