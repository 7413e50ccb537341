"""Web shell views: home sends each user to the node of their first post."""
from django.shortcuts import redirect, render

from gridgov.people import roles, scoping


def home(request):
    node = scoping.home_node(request.user)
    if node is not None and scoping.can(request.user, roles.VIEW):
        return redirect("hierarchy:node", pk=node.pk)
    return render(request, "web/home.html", {"posts": scoping.active_posts(request.user)})
