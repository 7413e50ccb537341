"""URLs of the assessment meetings pages: the list, holding a meeting, a meeting with attendance, sign-in."""
from django.urls import path

from . import views_meetings as v

urlpatterns = [
    path("meetings/", v.meeting_list, name="meetings"),
    path("meetings/new/", v.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", v.meeting_detail, name="meeting"),
    path("sign-in/", v.sign_in, name="sign_in"),
]
