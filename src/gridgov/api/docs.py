"""The interactive API docs at /api/docs, served without the internet: ninja's Swagger UI files
come from the installed django-ninja package through a small view, never from a CDN."""
import json
import mimetypes
from pathlib import Path

import ninja
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from ninja.openapi.docs import Swagger

# ninja ships Swagger UI in its package; it only serves them itself when "ninja" is in
# INSTALLED_APPS (and otherwise falls back to jsDelivr). Serving them here keeps the docs offline.
ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = frozenset({
    "swagger-ui.css", "swagger-ui.css.map", "swagger-ui-bundle.js", "swagger-ui-bundle.js.map",
    "swagger-ui-init.js", "favicon.png", "favicon.svg",
})


class OfflineSwagger(Swagger):
    template = "api/docs.html"

    def render_page(self, request, api, **kwargs):
        settings = dict(self.settings, url=self.get_openapi_url(api, kwargs))
        asset = lambda name: reverse(f"{api.urls_namespace}:docs-asset", kwargs={"name": name})  # noqa: E731
        context = {
            "swagger_settings": json.dumps(settings, indent=1),
            "api": api,
            # Session auth checks CSRF on unsafe methods; the page passes the token to Swagger UI.
            "add_csrf": True,
            "css_url": asset("swagger-ui.css"),
            "bundle_url": asset("swagger-ui-bundle.js"),
            "init_url": asset("swagger-ui-init.js"),
            "favicon_svg_url": asset("favicon.svg"),
            "favicon_png_url": asset("favicon.png"),
        }
        return render(request, self.template, context)


def asset_view(request, name):
    """One of the Swagger UI files from the django-ninja package (a fixed list: no path traversal)."""
    if name not in ASSETS or not (ASSET_DIR / name).is_file():
        raise Http404(name)
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".map"):
        content_type = "application/json"
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=content_type)
    # The files change only with the installed django-ninja version.
    response["Cache-Control"] = "public, max-age=86400"
    return response
