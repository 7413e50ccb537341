"""URLs of the per-level dashboards: the user's own, any node's, its Excel and its printable page."""
from django.urls import path

from . import views_boards as views

urlpatterns = [
    path("", views.board, name="home"),
    path("nodes/<int:pk>/", views.board, name="board"),
    path("nodes/<int:pk>/export.xlsx", views.board_xlsx, name="board_xlsx"),
    path("nodes/<int:pk>/print/", views.board_print, name="board_print"),
]
