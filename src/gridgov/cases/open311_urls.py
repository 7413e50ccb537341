"""URLs of the Open311 GeoReport v2 endpoint, mounted at /open311/v2/."""
app_name = "open311"
urlpatterns = []
