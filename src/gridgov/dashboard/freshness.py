"""How long the dashboards may keep their slow-moving figures: a version per district, bumped by
every model change those figures read, plus a short time-to-live for changes made on bulk paths."""
from django.core.cache import cache

TTL = 60  # seconds: the longest a bulk write (import, index run) may take to show


def _key(district_id):
    return f"dashboard:v:{district_id}"


def version(district_id):
    return cache.get(_key(district_id), 0)


def bump(district_id):
    if district_id is None:
        return
    try:
        cache.incr(_key(district_id))
    except ValueError:  # not there yet (or evicted): any new value invalidates
        cache.set(_key(district_id), 1, None)
