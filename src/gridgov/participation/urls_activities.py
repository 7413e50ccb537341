"""URLs of service-centre activities and education: events, sign-up and waiting list, attendance and
feedback, my sign-ups, training records per person and of the area (领头雁), the Excel export."""
from django.urls import path

from . import views_activities as v

urlpatterns = [
    path("events/", v.event_list, name="events"),
    path("events/new/", v.event_new, name="event_new"),
    path("events/mine/", v.my_events, name="my_events"),
    path("events/training/", v.training_overview, name="training"),
    path("events/training/<int:pk>/", v.person_training, name="person_training"),
    path("events/export.xlsx", v.event_export, name="event_export"),
    path("events/<int:pk>/", v.event_detail, name="event"),
    path("events/<int:pk>/edit/", v.event_edit, name="event_edit"),
    path("events/<int:pk>/<str:action>/", v.event_action, name="event_action"),
]
