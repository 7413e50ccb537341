"""`gridgov serve`: the production app server — granian (WSGI) with N worker processes, each
keeping persistent database connections; static files are served by WhiteNoise."""
import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve gridgov with granian and several worker processes."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1), help="worker processes")
        parser.add_argument("--threads", type=int, default=8, help="blocking threads per worker (Django requests)")
        parser.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")

    def handle(self, *args, **opts):
        from granian import Granian
        from granian.constants import Interfaces

        # JSON log lines on stderr unless the operator chose otherwise; set before the workers import settings.
        os.environ.setdefault("GRIDGOV_LOG_FORMAT", "json")
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        host, _, port = opts["addr"].rpartition(":")
        server = Granian(
            "gridgov.wsgi:application", address=host or "127.0.0.1", port=int(port), interface=Interfaces.WSGI,
            workers=opts["workers"], blocking_threads=opts["threads"], log_access=False,
        )
        server.serve()
