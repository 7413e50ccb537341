"""URLs of the assessment index pages: the colour grades, an organisation's scorecard for a month,
the evidence behind one score, the index runs (queue) and the manual-score entry form."""
from django.urls import path

from . import views_index as views

urlpatterns = [
    path("index/", views.grades, name="grades"),
    path("index/org/<int:org_id>/<str:month>/", views.org_month, name="org_month"),
    path("index/score/<int:pk>/", views.score, name="score"),
    path("index/runs/", views.runs, name="runs"),
    path("index/manual/", views.manual_score, name="manual_score"),
]
