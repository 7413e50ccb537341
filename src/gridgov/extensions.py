"""How apps contribute to shared features without the features importing them: each installed
gridgov app may define a module of a known name (stats, node_panels, demo_steps); this finds them."""
import importlib

from django.apps import apps


def app_modules(name, exclude=()):
    """The `<app>.<name>` modules of the installed gridgov apps, in INSTALLED_APPS order."""
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("gridgov.") or config.name in exclude:
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.{name}"))
        except ModuleNotFoundError as exc:
            # Only a missing module of that name means "this app contributes nothing";
            # a missing import inside it is a real error.
            if exc.name != f"{config.name}.{name}":
                raise
    return found
