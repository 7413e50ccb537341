"""URLs of the alerts inbox and the talks."""
from django.urls import path

from . import views_alerts as views

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/action/", views.alert_action, name="alert_action"),
    path("talks/", views.talk_list, name="talks"),
    path("talks/new/", views.talk_new, name="talk_new"),
]
