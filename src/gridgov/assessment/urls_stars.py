"""URLs of the standardisation and star-rating pages, the weak-and-lax list and the community-worker appraisal."""
from django.urls import path

from . import views_appraisal, views_stars

urlpatterns = [
    path("stars/", views_stars.star_list, name="stars"),
    path("stars/rate/", views_stars.star_rate, name="stars_rate"),
    path("stars/org/<int:pk>/", views_stars.star_org, name="star_org"),
    path("stars/org/<int:pk>/check/<int:year>/", views_stars.standard_check, name="standard_check"),
    path("weak-lax/", views_stars.weak_lax_list, name="weak_lax"),
    path("appraisals/", views_appraisal.appraisal_list, name="appraisals"),
]
