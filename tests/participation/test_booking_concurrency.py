"""Twenty people press "book" for the same slot at the same moment, on PostgreSQL, each through the API
on their own connection: exactly one booking is made, the other nineteen are told the slot is taken."""
import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from gridgov.demo.build import build
from gridgov.hierarchy.models import District, Node
from gridgov.participation.models import Booking, BookingSlot
from gridgov.participation.services import resources as services
from tests.conftest import DEMO_PASSWORD, DEMO_VOLUME, postgres_only

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]
TZ = ZoneInfo("Asia/Shanghai")
RACERS = 20


@pytest.fixture
def committed_demo():
    # A transactional test sees only committed rows, and the flush after it empties the tables:
    # build the one district it needs, committed.
    build(password=DEMO_PASSWORD, progress=False, codes=["150105"], volume=DEMO_VOLUME)
    return District.objects.get(code="150105")


def _race(fns):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_twenty_simultaneous_requests_for_one_slot_make_exactly_one_booking(committed_demo):
    from django.contrib.auth import get_user_model

    saihan = committed_demo
    community = Node.objects.filter(district=saihan, kind="community").order_by("code").first()
    secretary = get_user_model().objects.get(username="community_secretary.150105")
    room = services.publish_resource(secretary, community, "meeting_room", "并发测试会议室", bookable=True, slot_minutes=60,
                                     opening_hours={str(d): ["08:00", "20:00"] for d in range(7)})
    users = list(get_user_model().objects.filter(username__endswith=".150105").order_by("username"))
    day = timezone.localdate() + dt.timedelta(days=10)
    body = {"start": dt.datetime.combine(day, dt.time(9), tzinfo=TZ).isoformat(),
            "end": dt.datetime.combine(day, dt.time(10), tzinfo=TZ).isoformat(), "purpose": "抢订"}
    clients = []
    for i in range(RACERS):
        client = Client()
        client.force_login(users[i % len(users)])
        clients.append(client)

    def request(client):
        answer = client.post(f"/api/resources/{room.pk}/bookings", body, content_type="application/json")
        return answer.status_code, answer.json()

    results = _race([lambda c=c: request(c) for c in clients])
    codes = sorted(status for status, _body in results)
    assert codes == [201] + [409] * (RACERS - 1), results
    refusals = [body for status, body in results if status == 409]
    assert all(r["code"] == "conflict" and r["message"] == services._("This time slot is already booked.") for r in refusals)
    assert Booking.objects.filter(resource=room).count() == 1
    assert BookingSlot.objects.filter(resource=room).count() == 1
