"""URLs of the assessment report pages: the vanguard index report of a month (YYYY-MM), its Excel and PDF."""
from django.urls import path, re_path

from . import views_report

MONTH = r"(?P<month>\d{4}-\d{2})"

urlpatterns = [
    path("report/", views_report.report_latest, name="report_latest"),
    re_path(rf"^report/{MONTH}/$", views_report.report, name="report"),
    re_path(rf"^report/{MONTH}/report\.xlsx$", views_report.report_xlsx, name="report_xlsx"),
    re_path(rf"^report/{MONTH}/report\.pdf$", views_report.report_pdf, name="report_pdf"),
]
