"""Service-centre events: sign-up up to capacity, then the waiting list, which moves up by itself when a
confirmed participant cancels; attendance of a class or training writes one training record per person;
feedback; pages, API and export scoped."""
import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.hierarchy.models import Node
from gridgov.orgs.models import ServiceCentre
from gridgov.participation.errors import Conflict, NotAllowed, ParticipationError
from gridgov.participation.models import Event, SignUp
from gridgov.participation.services import activities as services
from gridgov.people.models import Person, TrainingRecord
from tests.conftest import DEMO_PASSWORD, DEMO_VOLUME, postgres_only

CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "140105"


def community(n=0, code=CODE):
    return Node.objects.filter(district__code=code, kind="community").order_by("code")[n]


def users_for(persons):
    from django.contrib.auth import get_user_model

    out = []
    for person in persons:
        if person.user_id is None:
            person.user = get_user_model().objects.create(username=f"p{person.pk}")
            person.save(update_fields=["user"])
        out.append(person.user)
    return out


def people(n, node=None):
    node = node or community()
    return list(Person.objects.filter(home__path__startswith=node.path, posts__isnull=True).order_by("pk")[:n])


def new_event(demo_user, capacity=2, kind="activity", hours=0, days=3):
    centre = ServiceCentre.objects.get(node=community(), kind="community_centre")
    start = timezone.now() + dt.timedelta(days=days)
    return services.publish_event(demo_user("community_secretary", CODE), centre, kind, "测试活动", start, start + dt.timedelta(hours=2),
                                  capacity, hours=hours)


def states(event):
    return {s.person_id: s.state for s in SignUp.objects.filter(event=event)}


def test_the_waiting_list_moves_up_when_a_confirmed_participant_cancels(demo_user):
    event = new_event(demo_user, capacity=2)
    a, b, c, d = users_for(people(4))
    assert [services.sign_up(u, event).state for u in (a, b, c, d)] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert services.waiting_position(SignUp.objects.get(event=event, person=d.person)) == 2
    moved = services.cancel_signup(a, SignUp.objects.get(event=event, person=a.person))
    assert moved.person_id == c.person.pk
    assert states(event) == {a.person.pk: "cancelled", b.person.pk: "confirmed", c.person.pk: "confirmed", d.person.pk: "waiting"}
    assert services.waiting_position(SignUp.objects.get(event=event, person=d.person)) == 1
    # Cancelling a waiting place moves nobody.
    assert services.cancel_signup(d, SignUp.objects.get(event=event, person=d.person)) is None
    assert SignUp.objects.filter(event=event, state="confirmed").count() == 2


def test_signing_up_again_after_cancelling_goes_to_the_back_of_the_queue(demo_user):
    event = new_event(demo_user, capacity=1)
    a, b = users_for(people(2))
    services.sign_up(a, event)
    services.sign_up(b, event)
    services.cancel_signup(a, SignUp.objects.get(event=event, person=a.person))  # b moves up
    assert services.sign_up(a, event).state == "waiting"
    with pytest.raises(Conflict):
        services.sign_up(a, event)


def test_the_page_tells_the_resident_their_place_on_the_waiting_list(demo_user, client_as):
    event = new_event(demo_user, capacity=1)
    services.sign_up(users_for(people(1))[0], event)
    client = client_as("resident", CODE)
    response = client.post(f"/participation/events/{event.pk}/signup/", follow=True)
    assert response.status_code == 200
    mine = SignUp.objects.get(event=event, person=demo_user("resident", CODE).person)
    assert mine.state == "waiting"
    page = client.get(f"/participation/events/{event.pk}/").content.decode()
    assert "1" in page and "候补" in page
    # The first one cancels through the page of the secretary: the resident moves up.
    first = SignUp.objects.filter(event=event).exclude(pk=mine.pk).get()
    client = client_as("community_secretary", CODE)
    assert client.post(f"/participation/events/{event.pk}/cancel/", {"signup": first.pk}).status_code == 302
    mine.refresh_from_db()
    assert mine.state == "confirmed"


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 4), ops=st.lists(st.tuples(st.sampled_from(["sign_up", "cancel"]), st.integers(0, 6)), max_size=25))
def test_the_event_never_exceeds_its_capacity_and_never_leaves_a_place_free_while_someone_waits(demo_user, capacity, ops):
    from django.db import transaction

    with transaction.atomic():
        event = new_event(demo_user, capacity=capacity)
        users = users_for(people(7))
        for op, who in ops:
            user = users[who]
            try:
                if op == "sign_up":
                    services.sign_up(user, event)
                else:
                    signup = SignUp.objects.filter(event=event, person=user.person).first()
                    if signup is not None:
                        services.cancel_signup(user, signup)
            except ParticipationError:
                pass
            confirmed = SignUp.objects.filter(event=event, state="confirmed").count()
            waiting = SignUp.objects.filter(event=event, state="waiting").count()
            assert confirmed <= capacity
            assert waiting == 0 or confirmed == capacity
        transaction.set_rollback(True)


def test_more_places_move_the_waiting_list_up_and_fewer_than_confirmed_are_refused(demo_user):
    event = new_event(demo_user, capacity=1)
    a, b, c = users_for(people(3))
    for u in (a, b, c):
        services.sign_up(u, event)
    secretary = demo_user("community_secretary", CODE)
    services.update_event(secretary, event, capacity=2)
    assert SignUp.objects.filter(event=event, state="confirmed").count() == 2
    with pytest.raises(ParticipationError) as refused:
        services.update_event(secretary, event, capacity=1)
    assert CJK.search(str(refused.value)) or "confirmed" in str(refused.value)


def test_attendance_at_a_training_writes_one_training_record_once(demo_user, client_as):
    event = new_event(demo_user, capacity=5, kind="training", hours=8)
    trainee = demo_user("grid_chief", CODE)
    services.sign_up(trainee, event)
    Event.objects.filter(pk=event.pk).update(start=timezone.now() - dt.timedelta(hours=3), end=timezone.now() - dt.timedelta(hours=1))
    event.refresh_from_db()
    signup = SignUp.objects.get(event=event, person=trainee.person)
    before = TrainingRecord.objects.filter(person=trainee.person).count()
    client = client_as("community_secretary", CODE)
    for _twice in range(2):
        assert client.post(f"/participation/events/{event.pk}/attendance/", {"attended": [signup.pk]}).status_code == 302
    records = TrainingRecord.objects.filter(person=trainee.person, course=event.title)
    assert records.count() == 1 and TrainingRecord.objects.filter(person=trainee.person).count() == before + 1
    record = records.get()
    assert record.hours == 8 and record.day == timezone.localtime(event.start).date()
    # Marked again through the service: still one.
    assert services.mark_attendance(demo_user("community_secretary", CODE), event, [signup]) == 0
    assert TrainingRecord.objects.filter(person=trainee.person, course=event.title).count() == 1
    page = client.get(f"/participation/events/training/{trainee.person.pk}/").content.decode()
    assert event.title in page


def test_only_the_centres_secretary_marks_attendance_and_only_attendees_rate(demo_user):
    event = new_event(demo_user, capacity=3)
    resident = demo_user("resident", CODE)
    signup = services.sign_up(resident, event)
    with pytest.raises(ParticipationError):
        services.give_feedback(resident, signup, 5)  # has not attended
    Event.objects.filter(pk=event.pk).update(start=timezone.now() - dt.timedelta(hours=3))
    event.refresh_from_db()
    with pytest.raises(NotAllowed):
        services.mark_attendance(resident, event, [signup])
    services.mark_attendance(demo_user("community_secretary", CODE), event, [signup])
    signup.refresh_from_db()
    with pytest.raises(ParticipationError):
        services.give_feedback(resident, signup, 6)
    services.give_feedback(resident, signup, 4, "很好")
    signup.refresh_from_db()
    assert (signup.rating, signup.feedback) == (4, "很好")
    with pytest.raises(ParticipationError):
        services.cancel_signup(resident, signup)  # attendance recorded


def test_the_api_signs_up_and_cancels_and_refuses_a_double_sign_up(demo_user, client_as):
    event = new_event(demo_user, capacity=1)
    other = users_for(people(1))[0]
    services.sign_up(other, event)
    client = client_as("resident", CODE)
    response = client.post(f"/api/events/{event.pk}/signup")
    assert response.status_code == 201 and response.json() == {"event_id": event.pk, "state": "waiting", "position": 1, "moved_up": False}
    again = client.post(f"/api/events/{event.pk}/signup")
    assert again.status_code == 409 and CJK.search(again.json()["message"])
    detail = client.get(f"/api/events/{event.pk}").json()
    assert detail["my_state"] == "waiting" and detail["my_position"] == 1 and detail["confirmed"] == 1 and detail["waiting"] == 1
    services.cancel_signup(other, SignUp.objects.get(event=event, person=other.person))
    assert client.get(f"/api/events/{event.pk}").json()["my_state"] == "confirmed"
    response = client.post(f"/api/events/{event.pk}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"


def test_events_of_another_community_are_not_listed(demo_user, client_as):
    other = community(1)
    centre = ServiceCentre.objects.filter(node=other, kind="community_centre").first()
    admin = demo_user("district_admin", CODE)
    start = timezone.now() + dt.timedelta(days=5)
    event = services.publish_event(admin, centre, "activity", "别的社区的活动", start, start + dt.timedelta(hours=1), 10)
    client = client_as("resident", CODE)
    assert client.get(f"/participation/events/{event.pk}/").status_code == 404
    assert client.get(f"/api/events/{event.pk}").status_code == 404
    with pytest.raises(NotAllowed):
        services.publish_event(demo_user("community_secretary", CODE), centre, "activity", "越权", start, start + dt.timedelta(hours=1), 10)


def test_publishing_refuses_bad_input_in_chinese(client_as):
    client = client_as("community_secretary", CODE)
    centre = ServiceCentre.objects.get(node=community(), kind="community_centre")
    response = client.post("/participation/events/new/", {"centre": centre.pk, "kind": "training", "title": "培训", "capacity": 10,
                                                          "start": "2026-12-10T09:00", "end": "2026-12-10T08:00"})
    assert response.status_code == 422 and CJK.search(response.content.decode())
    assert not Event.objects.filter(title="培训").exists()


def test_pages_and_export_answer_for_the_demo_logins(client_as):
    for role in ("district_admin", "community_secretary", "grid_worker", "resident"):
        client = client_as(role, CODE)
        for url in ("/participation/events/", "/participation/events/?when=past", "/participation/events/mine/"):
            assert client.get(url).status_code == 200, (role, url)
    client = client_as("community_secretary", CODE)
    assert client.get("/participation/events/training/").status_code == 200
    response = client.get("/participation/events/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_as("resident", CODE).get("/participation/events/export.xlsx").status_code == 403
    # The demo: past events with attendance, upcoming ones with sign-ups and a waiting list.
    now = timezone.now()
    events = Event.objects.filter(district__code=CODE)
    assert events.filter(end__lt=now, signups__attended=True).exists()
    assert events.filter(start__gt=now, signups__state="waiting").exists()
    assert TrainingRecord.objects.filter(district__code=CODE, course__startswith="领头雁").exists()


# ---------------------------------------------------------------- PostgreSQL: concurrent sign-ups

@postgres_only()
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_capacity():
    from gridgov.demo.build import build
    from gridgov.hierarchy.models import District

    build(password=DEMO_PASSWORD, progress=False, codes=[CODE], volume=DEMO_VOLUME)
    district = District.objects.get(code=CODE)
    node = Node.objects.filter(district=district, kind="community").order_by("code").first()
    centre = ServiceCentre.objects.get(node=node, kind="community_centre")
    from django.contrib.auth import get_user_model

    secretary = get_user_model().objects.get(username=f"community_secretary.{CODE}")
    start = timezone.now() + dt.timedelta(days=3)
    event = services.publish_event(secretary, centre, "activity", "并发报名", start, start + dt.timedelta(hours=1), 3)
    users = users_for(people(12, node))
    barrier = threading.Barrier(len(users))
    errors = []

    def run(user):
        try:
            barrier.wait()
            services.sign_up(user, Event.objects.get(pk=event.pk))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert SignUp.objects.filter(event=event, state="confirmed").count() == 3
    assert SignUp.objects.filter(event=event, state="waiting").count() == len(users) - 3
