"""Residents' deliberation 居民议事: the whole path topic → meeting → sign-in → vote → resolution → task done
(topic resolved), one vote per person (also in the database), secret ballots that keep no voter,
results only once published, and who may vote, decide and see."""
import datetime as dt
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.hierarchy.models import Node
from gridgov.participation.errors import Conflict, NotAllowed, ParticipationError
from gridgov.participation.models import Ballot, Deliberation, Motion, Participant, Resolution, ResolutionTask, Topic, VoteReceipt
from gridgov.participation.services import deliberation as services
from gridgov.people.models import Person

CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "140105"


def community(n=0, code=CODE):
    return Node.objects.filter(district__code=code, kind="community").order_by("code")[n]


def residents(node, n, exclude=()):
    return list(Person.objects.filter(home__path__startswith=node.path, posts__isnull=True).exclude(pk__in=exclude).order_by("pk")[:n])


@pytest.fixture
def meeting(demo_user):
    """A four-party meeting in the secretary's community with the demo resident and three more residents invited."""
    secretary = demo_user("community_secretary", CODE)
    resident = demo_user("resident", CODE).person
    node = community()
    others = residents(node, 3, exclude=[resident.pk])
    start = timezone.now() + dt.timedelta(days=2)
    return services.convene(secretary, node, "four_party", "测试四方联席会议", start, place="议事厅", notice="请准时参加",
                            participants=[(resident, "居民代表")] + others)


def test_the_whole_path_from_a_residents_topic_to_a_resolved_topic(client_as, demo_user):
    resident_user = demo_user("resident", CODE)
    resident = resident_user.person
    client = client_as("resident", CODE)
    # The resident raises a topic for their home area.
    response = client.post("/participation/topics/new/", {"title": "楼道照明损坏需要维修", "detail": "3号楼楼道灯坏了一个月"})
    assert response.status_code == 302
    topic = Topic.objects.get(title="楼道照明损坏需要维修")
    assert topic.state == "raised" and topic.raised_by == resident_user and topic.node_path.startswith(community().path)
    # The secretary accepts it and convenes a meeting with it on the agenda, inviting the resident.
    secretary = client_as("community_secretary", CODE)
    assert secretary.post(f"/participation/topics/{topic.pk}/", {"decision": "accept", "reason": ""}).status_code == 302
    topic.refresh_from_db()
    assert topic.state == "accepted"
    start = timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = secretary.post("/participation/deliberations/new/", {
        "node": community().pk, "kind": "four_party", "title": "楼道照明议事会", "start": start, "place": "党群服务中心",
        "notice": "请参加", "agenda": "楼道照明", "topics": [topic.pk], "invite_posts": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Deliberation.objects.get(title="楼道照明议事会")
    assert list(meeting.topics.all()) == [topic]
    page = secretary.get(f"/participation/deliberations/{meeting.pk}/").content.decode()
    assert "<svg" in page and meeting.sign_in_code in page  # QR code and code to read out
    assert secretary.post(f"/participation/deliberations/{meeting.pk}/invite/", {"persons": [resident.pk], "eligible": "on"}).status_code == 302
    assert Participant.objects.filter(deliberation=meeting, person=resident, eligible=True).exists()
    # The resident signs in with the code (a wrong code is refused in Chinese).
    client = client_as("resident", CODE)
    wrong = client.post(f"/participation/deliberations/{meeting.pk}/sign-in/", {"code": "XXXXXX"})
    assert wrong.status_code == 422 and "签到码" in wrong.content.decode()
    assert client.post(f"/participation/deliberations/{meeting.pk}/sign-in/", {"code": meeting.sign_in_code.lower()}).status_code == 302
    assert Participant.objects.get(deliberation=meeting, person=resident).signed_in_at is not None
    # The secretary puts the motion; the resident votes.
    secretary = client_as("community_secretary", CODE)
    assert secretary.post(f"/participation/deliberations/{meeting.pk}/motion/", {
        "question": "是否同意更换楼道灯？", "options": "同意\n反对\n弃权", "topic": topic.pk}).status_code == 302
    motion = Motion.objects.get(deliberation=meeting)
    client = client_as("resident", CODE)
    assert client.post(f"/participation/motions/{motion.pk}/", {"choice": "同意"}).status_code == 302
    assert VoteReceipt.objects.filter(motion=motion, person=resident).count() == 1
    # Before the result is published, the resident sees no totals.
    assert "1 票" not in client.get(f"/participation/motions/{motion.pk}/").content.decode()
    secretary = client_as("community_secretary", CODE)
    secretary.post(f"/participation/motions/{motion.pk}/close/", {"publish": "1"})
    motion.refresh_from_db()
    assert motion.state == "closed" and motion.published and motion.result["counts"]["同意"] == 1
    # The resolution, published, and its task.
    assert secretary.post(f"/participation/deliberations/{meeting.pk}/resolution/", {
        "text": "更换3号楼楼道灯", "motion": motion.pk, "publish": "on"}).status_code == 302
    resolution = Resolution.objects.get(deliberation=meeting)
    assert resolution.published
    owner = Participant.objects.filter(deliberation=meeting).exclude(person=resident).first().person
    secretary.post(f"/participation/resolutions/{resolution.pk}/task/", {"title": "采购并更换灯具", "owner": owner.pk, "due": "2026-12-31"})
    task = ResolutionTask.objects.get(resolution=resolution)
    assert task.owner == owner and task.state == "open"
    topic.refresh_from_db()
    assert topic.state == "accepted"
    # The task is done: the topic is resolved.
    assert secretary.post(f"/participation/resolution-tasks/{task.pk}/done/", {"outcome": "已更换12盏灯"}).status_code == 302
    task.refresh_from_db()
    topic.refresh_from_db()
    assert task.state == "done" and task.done_on == timezone.localdate()
    assert topic.state == "resolved"
    # The resident sees the published result and resolution.
    client = client_as("resident", CODE)
    assert "更换3号楼楼道灯" in client.get(f"/participation/topics/{topic.pk}/").content.decode()
    result_page = client.get(f"/participation/motions/{motion.pk}/").content.decode()
    assert "通过" in result_page


def test_a_second_vote_by_the_same_person_is_refused(meeting, demo_user, client_as):
    resident = demo_user("resident", CODE)
    motion = services.add_motion(demo_user("community_secretary", CODE), meeting, "是否同意？")
    services.vote(resident, motion, "同意")
    with pytest.raises(Conflict) as refused:
        services.vote(resident, motion, "反对")
    assert CJK.search(str(refused.value))
    # The same through the API: 409 with a Chinese message.
    response = client_as("resident", CODE).post(f"/api/motions/{motion.pk}/vote", {"choice": "反对"}, content_type="application/json")
    assert response.status_code == 409 and CJK.search(response.json()["message"])
    assert VoteReceipt.objects.filter(motion=motion).count() == 1 and Ballot.objects.filter(motion=motion).count() == 1
    assert Ballot.objects.get(motion=motion).choice == "同意"


def test_the_database_itself_refuses_a_second_receipt(meeting, demo_user):
    resident = demo_user("resident", CODE).person
    motion = services.add_motion(demo_user("community_secretary", CODE), meeting, "是否同意？")
    VoteReceipt.objects.create(motion=motion, person=resident)
    with pytest.raises(IntegrityError), transaction.atomic():
        VoteReceipt.objects.create(motion=motion, person=resident)


def test_a_secret_ballot_keeps_no_voter_and_the_results_page_shows_only_totals(meeting, demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    motion = services.add_motion(secretary, meeting, "是否同意调整物业费？", secret=True)
    voters = [p.person for p in Participant.objects.filter(deliberation=meeting).select_related("person__user")]
    choices = ["同意", "反对", "同意", "弃权"]
    for person, choice in zip(voters, choices):
        if person.user_id is None:
            from django.contrib.auth import get_user_model

            person.user = get_user_model().objects.create(username=f"voter{person.pk}")
            person.save(update_fields=["user"])
        services.vote(person.user, motion, choice)
    assert Ballot.objects.filter(motion=motion).count() == len(voters)
    assert not Ballot.objects.filter(motion=motion, voter__isnull=False).exists()  # nobody can tell who voted what
    assert set(VoteReceipt.objects.filter(motion=motion).values_list("person_id", flat=True)) == {p.pk for p in voters}
    assert not hasattr(VoteReceipt, "choice")
    services.close_motion(secretary, motion, publish=True)
    # Even the district administrator sees totals only.
    page = client_as("district_admin", CODE).get(f"/participation/motions/{motion.pk}/").content.decode()
    assert "谁投了什么" not in page and "who voted what" not in page.lower()
    for person in voters:
        assert person.name not in page
    motion.refresh_from_db()
    assert motion.result["counts"] == {"同意": 2, "反对": 1, "弃权": 1} and motion.result["votes"] == 4


def test_an_open_ballot_shows_the_staff_who_voted_what(meeting, demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    resident = demo_user("resident", CODE)
    motion = services.add_motion(secretary, meeting, "是否同意公开表决？")
    services.vote(resident, motion, "反对")
    services.close_motion(secretary, motion, publish=True)
    assert Ballot.objects.get(motion=motion).voter == resident.person
    page = client_as("community_secretary", CODE).get(f"/participation/motions/{motion.pk}/").content.decode()
    assert resident.person.name in page


def test_a_person_not_invited_or_not_eligible_cannot_vote(meeting, demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    motion = services.add_motion(secretary, meeting, "是否同意？")
    # The grid worker is not invited.
    with pytest.raises(NotAllowed):
        services.vote(demo_user("grid_worker", CODE), motion, "同意")
    response = client_as("grid_worker", CODE).post(f"/api/motions/{motion.pk}/vote", {"choice": "同意"}, content_type="application/json")
    assert response.status_code == 403
    # Invited as an observer without a vote.
    Participant.objects.filter(deliberation=meeting, person=demo_user("resident", CODE).person).update(eligible=False)
    response = client_as("resident", CODE).post(f"/participation/motions/{motion.pk}/", {"choice": "同意"})
    assert response.status_code == 422 and "无权" in response.content.decode()
    assert not VoteReceipt.objects.filter(motion=motion).exists()


def test_an_option_not_on_the_ballot_and_a_closed_vote_are_refused(meeting, demo_user):
    secretary = demo_user("community_secretary", CODE)
    resident = demo_user("resident", CODE)
    motion = services.add_motion(secretary, meeting, "是否同意？")
    with pytest.raises(ParticipationError):
        services.vote(resident, motion, "也许")
    services.close_motion(secretary, motion)
    with pytest.raises(ParticipationError):
        services.vote(resident, motion, "同意")
    assert not VoteReceipt.objects.filter(motion=motion).exists()


def test_rejecting_a_topic_needs_a_reason_and_only_the_secretary_decides(demo_user, client_as):
    topic = services.raise_topic(demo_user("resident", CODE), "广场舞噪音")
    with pytest.raises(NotAllowed):
        services.decide_topic(demo_user("resident", CODE), topic, False, "不")
    response = client_as("community_secretary", CODE).post(f"/participation/topics/{topic.pk}/", {"decision": "reject", "reason": ""})
    assert response.status_code == 422 and "理由" in response.content.decode()
    services.decide_topic(demo_user("community_secretary", CODE), topic, False, "已转物业处理")
    topic.refresh_from_db()
    assert topic.state == "rejected" and topic.reason == "已转物业处理"


def test_an_unpublished_result_stays_hidden_from_residents(meeting, demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    motion = services.add_motion(secretary, meeting, "是否同意？")
    services.vote(demo_user("resident", CODE), motion, "同意")
    services.close_motion(secretary, motion, publish=False)
    body = client_as("resident", CODE).get(f"/api/deliberations/{meeting.pk}").json()
    assert body["motions"][0]["result"] is None and body["motions"][0]["voted"] is True
    assert client_as("community_secretary", CODE).get(f"/api/deliberations/{meeting.pk}").json()["motions"][0]["result"]["votes"] == 1
    services.publish_result(secretary, motion)
    body = client_as("resident", CODE).get(f"/api/deliberations/{meeting.pk}").json()
    assert body["motions"][0]["result"]["counts"]["同意"] == 1


def test_another_communitys_secretary_sees_neither_topics_nor_meetings(meeting, client_as, demo_user):
    topic = services.raise_topic(demo_user("resident", CODE), "本社区议题")
    other = Node.objects.filter(district__code=CODE, kind="community").order_by("code")[1]
    # A secretary of another community (made for the test).
    from django.contrib.auth import get_user_model

    from gridgov.people.models import Post

    user = get_user_model().objects.create(username="other-secretary")
    person = Person.objects.create(district=other.district, name="王书记", home=other, user=user)
    Post.objects.create(person=person, district=other.district, role="community_secretary", node=other)
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get(f"/participation/deliberations/{meeting.pk}/").status_code == 404
    assert client.get(f"/participation/topics/{topic.pk}/").status_code == 404
    assert client.get(f"/api/deliberations/{meeting.pk}").status_code == 404
    assert all(row["id"] != topic.pk for row in client.get("/api/topics").json()["items"])


def test_the_api_raises_a_topic_for_the_residents_home_area(client_as, demo_user):
    response = client_as("resident", CODE).post("/api/topics", {"title": "建议增设快递柜"}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "raised" and body["raised_by"] == demo_user("resident", CODE).person.name
    other = community(1)
    response = client_as("resident", CODE).post("/api/topics", {"title": "别人的社区", "node_id": other.pk}, content_type="application/json")
    assert response.status_code == 403


def test_pages_and_export_answer_for_the_demo_logins(client_as):
    for role in ("district_admin", "community_secretary", "grid_worker", "resident"):
        client = client_as(role, CODE)
        for url in ("/participation/topics/", "/participation/deliberations/", "/participation/resolution-tasks/"):
            assert client.get(url).status_code == 200, (role, url)
    client = client_as("community_secretary", CODE)
    listing = client.get("/participation/deliberations/").content.decode()
    assert "四方联席会议" in listing or "联席会" in listing  # the demo's meetings
    response = client.get("/participation/deliberations/export.xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_as("resident", CODE).get("/participation/deliberations/export.xlsx").status_code == 403


def test_the_demo_resident_can_vote_at_the_upcoming_meeting(client_as, demo_user):
    resident = demo_user("resident", CODE).person
    upcoming = Deliberation.objects.filter(district__code=CODE, state="noticed", participants__person=resident).first()
    assert upcoming is not None
    motion = upcoming.motions.filter(state="open").first()
    assert motion is not None
    assert client_as("resident", CODE).get(f"/participation/motions/{motion.pk}/").status_code == 200


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(["同意", "反对", "弃权"])), min_size=1, max_size=15),
       secret=st.booleans())
def test_whatever_the_order_of_attempts_each_eligible_person_is_counted_once(meeting, demo_user, attempts, secret):
    secretary = demo_user("community_secretary", CODE)
    people = [p.person for p in Participant.objects.filter(deliberation=meeting).select_related("person__user").order_by("pk")]
    from django.contrib.auth import get_user_model

    users = []
    for person in people:
        if person.user_id is None:
            person.user, _ = get_user_model().objects.get_or_create(username=f"voter{person.pk}")
            person.save(update_fields=["user"])
        users.append(person.user)
    users.append(demo_user("grid_worker", CODE))  # not invited: never counted
    with transaction.atomic():
        motion = services.add_motion(secretary, meeting, "是否同意？", secret=secret)
        first = {}
        for who, choice in attempts:
            user = users[who % len(users)]
            try:
                services.vote(user, motion, choice)
                first.setdefault(user.pk, choice)
            except ParticipationError:
                pass
        result = services.close_motion(secretary, motion).result
        assert result["votes"] == len(first) == VoteReceipt.objects.filter(motion=motion).count()
        assert sorted(Ballot.objects.filter(motion=motion).values_list("choice", flat=True)) == sorted(first.values())
        assert Ballot.objects.filter(motion=motion, voter__isnull=False).exists() == (not secret and bool(first))
        transaction.set_rollback(True)


def test_the_organiser_changes_a_noticed_meeting_but_not_a_held_one(meeting, demo_user, client_as):
    client = client_as("community_secretary", CODE)
    start = timezone.localtime(meeting.start).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/participation/deliberations/{meeting.pk}/edit/", {
        "kind": "joint", "title": "改期后的联席会", "start": start, "place": "社区议事厅", "notice": "改在议事厅召开"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.kind, meeting.place) == ("改期后的联席会", "joint", "社区议事厅")
    assert client_as("resident", CODE).get(f"/participation/deliberations/{meeting.pk}/edit/").status_code == 403
    services.record_minutes(demo_user("community_secretary", CODE), meeting, "会议纪要")
    with pytest.raises(ParticipationError):
        services.update_meeting(demo_user("community_secretary", CODE), meeting, title="再改", kind="joint", start=meeting.start)
