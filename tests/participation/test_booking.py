"""Booking shared resources: a taken slot is refused by the database, the rules (opening hours, blocked
periods, capacity, slot alignment, past times) refuse with a message, cancelling frees the slot,
series are all or nothing, the owner confirms, the calendar and the .ics export show the bookings."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.hierarchy.models import Node
from gridgov.orgs.models import PartnerUnit
from gridgov.participation.errors import Conflict, NotAllowed, ParticipationError
from gridgov.participation.models import BlockedPeriod, Booking, BookingSlot, Resource
from gridgov.participation.services import resources as services

TZ = ZoneInfo("Asia/Shanghai")
CODE = "150105"


def first(kind, code=CODE):
    return Node.objects.filter(district__code=code, kind=kind).order_by("code").first()


def next_monday(weeks=2):
    today = timezone.localdate()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def at(day, hh, mm=0):
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=TZ)


@pytest.fixture
def room(demo, demo_user):
    """A community meeting room: weekdays 08:30–17:30, 60-minute slots, 1–3 per booking, 20 people."""
    community = first("community")
    return services.publish_resource(
        demo_user("community_secretary", CODE), community, "meeting_room", "测试会议室", capacity=20, bookable=True,
        slot_minutes=60, min_slots=1, max_slots=3, opening_hours={str(d): ["08:30", "17:30"] for d in range(5)})


@pytest.fixture
def resident(demo_user):
    return demo_user("resident", CODE)


def test_second_booking_of_a_taken_slot_is_refused_and_nothing_half_written(room, resident, demo_user):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "居民议事会")
    before = (Booking.objects.count(), BookingSlot.objects.count())
    with pytest.raises(Conflict) as refused:
        services.book(demo_user("grid_worker", CODE), room, at(day, 9, 30), at(day, 11, 30), "网格员例会")
    assert str(refused.value) == services._("This time slot is already booked.")
    assert (Booking.objects.count(), BookingSlot.objects.count()) == before


def test_overlapping_but_not_identical_period_is_refused_too(room, resident, demo_user):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 11, 30), "居民议事会")
    with pytest.raises(Conflict):
        services.book(demo_user("grid_worker", CODE), room, at(day, 10, 30), at(day, 12, 30), "网格员例会")


def test_cancelling_frees_the_slot_for_someone_else(room, resident, demo_user):
    day = next_monday()
    booking = services.book(resident, room, at(day, 14, 30), at(day, 15, 30), "读书会")[0]
    services.cancel(resident, booking)
    assert Booking.objects.get(pk=booking.pk).state == "cancelled"
    again = services.book(demo_user("grid_worker", CODE), room, at(day, 14, 30), at(day, 15, 30), "网格员例会")[0]
    assert again.state == "confirmed"


def test_someone_else_cannot_cancel_my_booking(room, resident, demo_user):
    day = next_monday()
    booking = services.book(resident, room, at(day, 14, 30), at(day, 15, 30), "读书会")[0]
    with pytest.raises(NotAllowed):
        services.cancel(demo_user("grid_worker", CODE), booking)


@pytest.mark.parametrize("start, end, attendees, words", [
    ((0, 7, 30), (0, 8, 30), None, "opening"),        # before opening
    ((0, 16, 30), (0, 18, 30), None, "opening"),      # runs past closing
    ((5, 9, 30), (5, 10, 30), None, "closed"),        # Saturday: closed
    ((0, 9, 0), (0, 10, 0), None, "slots"),           # not aligned to the 08:30 slots
    ((0, 8, 30), (0, 12, 30), None, "between"),       # four slots, the maximum is three
    ((0, 8, 30), (0, 9, 30), 50, "capacity"),         # more people than the room holds
])
def test_rule_breaking_requests_are_refused_with_a_reason(room, resident, start, end, attendees, words):
    from django.utils import translation

    day = next_monday()
    with translation.override("en"), pytest.raises(ParticipationError) as refused:
        services.book(resident, room, at(day + dt.timedelta(days=start[0]), *start[1:]), at(day + dt.timedelta(days=end[0]), *end[1:]),
                      "活动", attendees=attendees)
    assert not isinstance(refused.value, Conflict)
    assert words in str(refused.value)
    assert not Booking.objects.filter(resource=room).exists()


def test_a_blocked_period_refuses_bookings(room, resident, demo_user):
    day = next_monday()
    services.add_blocked_period(demo_user("community_secretary", CODE), room, at(day, 12, 0), at(day, 14, 0), "设备检修")
    with pytest.raises(ParticipationError) as refused:
        services.book(resident, room, at(day, 13, 30), at(day, 14, 30), "活动")
    assert "设备检修" in str(refused.value)
    assert services.book(resident, room, at(day, 14, 30), at(day, 15, 30), "活动")


def test_past_times_are_refused(room, resident):
    day = timezone.localdate() - dt.timedelta(days=7)
    with pytest.raises(ParticipationError):
        services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "活动")


def test_a_weekly_series_books_every_week_or_nothing_naming_the_clashing_dates(room, resident, demo_user):
    day = next_monday()
    taken = services.book(demo_user("grid_worker", CODE), room, at(day + dt.timedelta(days=14), 9, 30), at(day + dt.timedelta(days=14), 10, 30), "例会")
    before = Booking.objects.filter(resource=room).count()
    with pytest.raises(Conflict) as refused:
        services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "书法课", repeat="weekly", count=4)
    assert (day + dt.timedelta(days=14)).isoformat() in str(refused.value)
    assert Booking.objects.filter(resource=room).count() == before
    services.cancel(demo_user("grid_worker", CODE), taken[0])
    series = services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "书法课", repeat="weekly", count=4)
    assert [b.start.astimezone(TZ).date() for b in series] == [day + dt.timedelta(days=7 * i) for i in range(4)]
    assert len({b.series for b in series}) == 1 and series[0].series is not None


def test_a_daily_series_stops_at_a_closed_day_with_a_message(room, resident):
    friday = next_monday() + dt.timedelta(days=4)
    with pytest.raises(ParticipationError) as refused:
        services.book(resident, room, at(friday, 9, 30), at(friday, 10, 30), "活动", repeat="daily", count=2)
    assert not isinstance(refused.value, Conflict)
    assert not Booking.objects.filter(resource=room).exists()


def test_owner_confirms_a_partner_units_room_and_denial_frees_the_slot(demo, demo_user, resident):
    community = first("community")
    unit = PartnerUnit.objects.filter(district__code=CODE, node=community).first() or PartnerUnit.objects.filter(district__code=CODE).first()
    contact = demo_user("partner_unit_contact", CODE)
    room = services.publish_resource(contact, community, "meeting_room", "驻区单位会议室", partner_unit=unit, bookable=True,
                                     needs_confirmation=True, opening_hours={str(d): ["09:00", "17:00"] for d in range(5)})
    day = next_monday()
    booking = services.book(resident, room, at(day, 9), at(day, 10), "议事会")[0]
    assert booking.state == "requested"
    with pytest.raises(NotAllowed):
        services.confirm(resident, booking)
    services.deny(contact, booking, "单位内部会议")
    assert not BookingSlot.objects.filter(booking=booking).exists()
    second = services.book(resident, room, at(day, 9), at(day, 10), "议事会")[0]
    assert services.confirm(contact, second).state == "confirmed"


def test_withdrawn_or_unbookable_resources_cannot_be_booked(room, resident, demo_user):
    services.deactivate_resource(demo_user("community_secretary", CODE), room)
    day = next_monday()
    with pytest.raises(ParticipationError):
        services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "活动")


def test_ics_export_has_one_event_per_booking_in_utc(room, resident, client_as):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "居民议事会, 第一次; 讨论")
    services.book(resident, room, at(day, 14, 30), at(day, 16, 30), "书法课")
    answer = client_as("resident", CODE).get(f"/participation/resources/{room.pk}/bookings.ics")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    text = answer.content.decode()
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "\n" not in text.replace("\r\n", "")  # every line ends in CRLF
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == 2
    starts = sorted(line for line in lines if line.startswith("DTSTART:"))
    assert starts == [f"DTSTART:{day:%Y%m%d}T013000Z", f"DTSTART:{day:%Y%m%d}T063000Z"]
    assert "SUMMARY:居民议事会\\, 第一次\\; 讨论" in text
    assert all(len(line.encode()) <= 75 for line in lines)


def test_calendar_week_shows_taken_free_and_closed_slots(room, resident, client_as):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "居民议事会")
    rows, days = services.week_grid(room, day)
    cells = dict(rows)
    assert rows[0][0] == "08:30" and days[0] == day
    assert isinstance(cells["09:30"][0], Booking)
    assert cells["08:30"][0] == "free" and cells["08:30"][5] is None  # Saturday closed
    page = client_as("resident", CODE).get(f"/participation/resources/{room.pk}/calendar/", {"week": day.isoformat()})
    assert page.status_code == 200
    assert "居民议事会" in page.content.decode()


def test_booking_through_the_page_reports_a_clash_as_a_form_error(room, resident, client_as):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "居民议事会")
    client = client_as("grid_worker", CODE)
    answer = client.post(f"/participation/resources/{room.pk}/book/", {"day": day.isoformat(), "start": "09:30", "slots": 1,
                                                                      "purpose": "例会", "count": 1})
    assert answer.status_code == 422
    assert services._("This time slot is already booked.") in answer.content.decode()
    ok = client.post(f"/participation/resources/{room.pk}/book/", {"day": day.isoformat(), "start": "10:30", "slots": 2,
                                                                  "purpose": "例会", "count": 1})
    assert ok.status_code == 302
    assert Booking.objects.filter(resource=room, purpose="例会", state="confirmed").count() == 1


def test_api_books_refuses_a_taken_slot_with_409_and_cancels(room, client_as):
    day = next_monday()
    client = client_as("resident", CODE)
    url = f"/api/resources/{room.pk}/bookings"
    body = {"start": at(day, 9, 30).isoformat(), "end": at(day, 10, 30).isoformat(), "purpose": "议事会"}
    made = client.post(url, body, content_type="application/json")
    assert made.status_code == 201, made.content
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert again.json()["message"] == services._("This time slot is already booked.")
    outside = client.post(url, {**body, "start": at(day, 7, 30).isoformat(), "end": at(day, 8, 30).isoformat()}, content_type="application/json")
    assert outside.status_code == 422 and outside.json()["code"] == "invalid"
    listed = client.get(url).json()
    assert [b["id"] for b in listed["items"]] == [made.json()[0]["id"]]
    cancelled = client.post(f"/api/bookings/{made.json()[0]['id']}/cancel", {}, content_type="application/json")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert client.get(url).json()["count"] == 0


def test_others_see_that_a_slot_is_taken_but_not_what_for(room, client_as, resident):
    day = next_monday()
    services.book(resident, room, at(day, 9, 30), at(day, 10, 30), "私人事务")
    items = client_as("grid_worker", CODE).get(f"/api/resources/{room.pk}/bookings").json()["items"]
    # The grid worker has VIEW on a grid only: the community's room is shared with them, the purpose is not.
    assert len(items) == 1 and items[0]["purpose"] is None and items[0]["mine"] is False


def test_demo_bookings_never_share_a_slot(demo):
    held = BookingSlot.objects.filter(resource__district__code=CODE)
    assert held.exists()
    assert held.count() == held.values("resource", "start").distinct().count()
    assert not BookingSlot.objects.exclude(booking__state__in=Booking.HOLDING).exists()
    assert BlockedPeriod.objects.filter(resource__district__code=CODE).exists()
    assert Resource.objects.filter(district__code=CODE, bookable=True, partner_unit__isnull=True).count() >= 72


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.datetimes(timezones=st.just(TZ)) | st.datetimes(), minutes=st.integers(-10**6, 10**6),
       repeat=st.sampled_from(["", "daily", "weekly"]), count=st.integers(1, 52))
def test_any_booking_request_gets_an_answer_never_a_crash(room, client_as, start, minutes, repeat, count):
    try:
        end = start + dt.timedelta(minutes=minutes)
    except OverflowError:
        end = start
    body = {"start": start.isoformat(), "end": end.isoformat(), "purpose": "活动", "repeat": repeat, "count": count}
    answer = client_as("resident", CODE).post(f"/api/resources/{room.pk}/bookings", body, content_type="application/json")
    assert answer.status_code in (201, 409, 422), answer.content[:300]
    assert answer.json()["code"] if answer.status_code != 201 else answer.json()
