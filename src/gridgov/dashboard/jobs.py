"""Background work of the dashboard app, run by `gridgov worker`: once an hour, the case tallies of
each district are checked against the cases and rebuilt where a change bypassed the services."""
import logging
import time

CHECK_EVERY_S = 3600
_last = [float("-inf")]
log = logging.getLogger(__name__)


def tick(now=None):
    from gridgov.hierarchy.models import District

    from . import tallies

    if now is None and time.monotonic() - _last[0] < CHECK_EVERY_S:
        return {}
    _last[0] = time.monotonic()
    repaired = 0
    for district in District.objects.all():
        problems = tallies.verify(district)
        if problems:
            log.warning("case tallies of %s differed from the cases in %d places; rebuilt", district.code, len(problems))
            tallies.rebuild(district)
            repaired += 1
    return {"tally districts rebuilt": repaired}
