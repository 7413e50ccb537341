"""URLs of the assessment pages (included at "assessment/"), gathered from one module per area."""
from django.urls import path

from . import urls_alerts, urls_index, urls_lists, urls_meetings, urls_points, urls_report, urls_stars, views

app_name = "assessment"
urlpatterns = [path("", views.home, name="home")]
for module in (urls_index, urls_report, urls_meetings, urls_points, urls_stars, urls_lists, urls_alerts):
    urlpatterns += module.urlpatterns
