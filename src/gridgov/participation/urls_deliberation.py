"""URLs of residents' deliberation: topics, meetings with sign-in, motions and results, resolutions,
their tasks and the Excel export."""
from django.urls import path

from . import views_deliberation as v

urlpatterns = [
    path("topics/", v.topic_list, name="topics"),
    path("topics/new/", v.topic_new, name="topic_new"),
    path("topics/<int:pk>/", v.topic_detail, name="topic"),
    path("deliberations/", v.deliberation_list, name="deliberations"),
    path("deliberations/new/", v.deliberation_new, name="deliberation_new"),
    path("deliberations/export.xlsx", v.deliberation_export, name="deliberation_export"),
    path("deliberations/<int:pk>/", v.deliberation_detail, name="deliberation"),
    path("deliberations/<int:pk>/edit/", v.deliberation_edit, name="deliberation_edit"),
    path("deliberations/<int:pk>/sign-in/", v.deliberation_signin, name="deliberation_signin"),
    path("deliberations/<int:pk>/<str:action>/", v.deliberation_action, name="deliberation_action"),
    path("motions/<int:pk>/", v.motion_detail, name="motion"),
    path("motions/<int:pk>/<str:action>/", v.motion_action, name="motion_action"),
    path("resolutions/<int:pk>/<str:action>/", v.resolution_action, name="resolution_action"),
    path("resolution-tasks/", v.task_list, name="resolution_tasks"),
    path("resolution-tasks/<int:pk>/done/", v.task_done, name="resolution_task_done"),
]
