"""URLs of the party-building map and the big screen (included into the dashboard app)."""
from django.urls import path

from . import views_map

urlpatterns = [
    path("map/", views_map.map_page, name="map"),
    path("map/layers/<slug:layer>.geojson", views_map.map_layer, name="map_layer"),
    path("map/basemap.pmtiles", views_map.map_basemap, name="map_basemap"),
    path("screen/", views_map.screen_page, name="screen"),
    path("screen/data.json", views_map.screen_data, name="screen_data"),
]
