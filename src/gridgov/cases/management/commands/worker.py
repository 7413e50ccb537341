"""`gridgov worker`: the deadline loop. Every few seconds it warns, marks overdue and escalates;
after a stop it catches up on everything that fell due (the work is found from deadline columns)."""
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from gridgov.cases import services
from gridgov.extensions import app_modules


class Command(BaseCommand):
    help = "Run the deadline and escalation worker."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between passes")

    def handle(self, *args, **opts):
        stop = []
        signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
        while True:
            counts = services.tick()
            if any(counts.values()) or opts["once"]:
                self.stdout.write(_("warned %(warned)d, overdue %(overdue)d, escalated %(escalated)d") % counts)
            # Other apps' background work (queued index runs, alert evaluation): each `<app>.jobs.tick()`
            # returns {label: count}; only what did something is printed.
            for jobs in app_modules("jobs"):
                for label, n in jobs.tick().items():
                    if n or opts["once"]:
                        self.stdout.write(f"{label}: {n}")
            if opts["once"] or stop:
                return
            try:
                time.sleep(opts["interval"])
            except KeyboardInterrupt:
                return
            # Between passes, as a request would: drop a connection the database closed or that aged out.
            close_old_connections()
