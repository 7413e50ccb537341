"""Demo step of the dashboard app: the case tallies, counted once from the cases the demo wrote on
the bulk path (which bypasses the services that keep them)."""
from gridgov.demo.build import step

from . import tallies


@step("dashboard_tallies")
def dashboard_tallies(ctx):
    tallies.rebuild(ctx.district)
    return ctx.district
