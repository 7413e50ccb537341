"""URLs of the assessment points pages: my points, the rankings, approvals and appeals, a member's ledger."""
from django.urls import path

from . import views_points as v

urlpatterns = [
    path("points/", v.my_points, name="my_points"),
    path("points/ranking/", v.points_ranking, name="points_ranking"),
    path("points/approvals/", v.points_approvals, name="points_approvals"),
    path("points/member/<int:pk>/", v.points_member, name="points_member"),
]
