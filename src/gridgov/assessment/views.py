"""The assessment home page: what the user may open in this app, by role."""
from django.shortcuts import render


def home(request):
    return render(request, "assessment/home.html")
