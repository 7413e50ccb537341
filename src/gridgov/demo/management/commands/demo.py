"""`gridgov demo`: migrate, build the seed districts, print the logins, then serve (unless --no-serve)."""
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from gridgov.demo.build import DEFAULT_PASSWORD, build
from gridgov.demo.districts import SPECS
from gridgov.people.roles import DEMO_ROLES, ROLES


class Command(BaseCommand):
    help = "Build the demo districts (idempotent) and serve them on 127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="build the data and stop")
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password of every demo login")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address to serve on")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument("--volume", type=float, default=1.0,
                            help="share of the published activity volumes to generate (cases, patrols); 1 = full year")
        parser.add_argument("--scale", type=int, default=0, metavar="N",
                            help="also build N synthetic districts the size of Xiaodian (see gridgov.demo.scale)")

    def handle(self, *args, **opts):
        call_command("migrate", interactive=False, verbosity=0)
        seconds = build(seed=opts["seed"], password=opts["password"], progress=not opts["no_progress"], volume=opts["volume"])
        out = self.stdout
        if opts["scale"]:
            from gridgov.demo.scale import build_scale

            scaled = build_scale(opts["scale"], seed=opts["seed"], password=opts["password"], progress=not opts["no_progress"], volume=opts["volume"])
            seconds += scaled["seconds"]
            out.write(_("%(n)d synthetic districts (%(first)s…%(last)s) built in %(s).1f s.") % {
                "n": opts["scale"], "first": scaled["districts"][0], "last": scaled["districts"][-1], "s": scaled["seconds"]})
        out.write(_("Demo data ready in %(s).1f s.") % {"s": seconds})
        out.write("")
        out.write(_("Logins (password for all: %(password)s):") % {"password": opts["password"]})
        for spec in SPECS:
            out.write(f"  {spec.name} {spec.code}")
            for role in DEMO_ROLES:
                login = f"{role}.{spec.code}"
                out.write(f"    {login:<32}{ROLES[role].label}")
        if not opts["no_serve"]:
            out.write("")
            out.write(_("Serving on http://%(addr)s/ — press Ctrl+C to stop.") % {"addr": opts["addr"]})
            call_command("runserver", opts["addr"], use_reloader=False)
