"""URLs of funds (budgets, allocations, spending, the Excel export) and brand projects."""
from django.urls import path

from . import views_funds as v

urlpatterns = [
    path("funds/", v.budget_list, name="funds"),
    path("funds/new/", v.budget_new, name="budget_new"),
    path("funds/export.xlsx", v.funds_xlsx, name="funds_xlsx"),
    path("funds/<int:pk>/", v.budget_detail, name="budget"),
    path("brands/", v.brand_list, name="brands"),
    path("brands/new/", v.brand_new, name="brand_new"),
    path("brands/<int:pk>/", v.brand_detail, name="brand"),
]
