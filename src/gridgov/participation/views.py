"""The participation home page: the sections of the app a user may open."""
from django.shortcuts import render


def home(request):
    return render(request, "participation/home.html")
