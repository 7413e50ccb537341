"""URLs of the participation pages (included at "participation/"), gathered from one module per area."""
from django.urls import path

from . import urls_activities, urls_deliberation, urls_funds, urls_mediation, urls_resources, views

app_name = "participation"
urlpatterns = [path("", views.home, name="home")]
for module in (urls_resources, urls_funds, urls_deliberation, urls_mediation, urls_activities):
    urlpatterns += module.urlpatterns
