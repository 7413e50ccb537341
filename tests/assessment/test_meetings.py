"""Meetings 三会一课: a secretary holds a meeting and records attendance; members sign in with the code
(or the QR's link); a wrong code, a closed sign-in and a non-member are refused with a message."""
import datetime

import pytest
from django.urls import reverse

from gridgov.assessment.models import Attendance, Meeting
from gridgov.assessment.services import meetings
from gridgov.people.models import PartyMember

CODE = "140105"


@pytest.fixture
def open_meeting(demo_user):
    member = PartyMember.objects.get(person__user=demo_user("grid_worker", CODE))
    return Meeting.objects.get(party_org=member.party_org, sign_in_open=True)


def test_the_demo_has_a_year_of_meetings_with_attendance_in_every_district(demo):
    for district in demo.values():
        held = Meeting.objects.filter(district=district)
        assert held.filter(kind="theme_day").exists() and held.filter(kind="committee").exists()
        assert Attendance.objects.filter(meeting__district=district, status="present").exists()
        assert Attendance.objects.filter(meeting__district=district, status="absent").exists()


def test_a_secretary_holds_a_meeting_and_sees_its_code_and_qr(client_as, demo_user):
    member = PartyMember.objects.get(person__user=demo_user("grid_worker", CODE))
    client = client_as("community_secretary", CODE)
    response = client.post(reverse("assessment:meeting_new"), {
        "org": member.party_org_id, "kind": "committee", "title": "十二月支委会", "start": "2026-12-03T19:00", "place": "支部活动室"})
    meeting = Meeting.objects.get(title="十二月支委会")
    assert response.status_code == 302 and response["Location"] == reverse("assessment:meeting", args=[meeting.pk])
    assert meeting.sign_in_open and len(meeting.sign_in_code) == 6 and meeting.node_path == member.party_org.node.path
    page = client.get(reverse("assessment:meeting", args=[meeting.pk])).content.decode()
    assert meeting.sign_in_code in page and "<svg" in page and f'data-member="{member.pk}"' in page


def test_a_meeting_needs_a_title(client_as, demo_user):
    member = PartyMember.objects.get(person__user=demo_user("grid_worker", CODE))
    response = client_as("community_secretary", CODE).post(reverse("assessment:meeting_new"), {
        "org": member.party_org_id, "kind": "committee", "title": " ", "start": "2026-12-03T19:00"})
    assert response.status_code == 200 and 'id="form-error"' in response.content.decode()


def test_sign_in_by_code_marks_the_member_present(client_as, demo_user, open_meeting):
    client = client_as("grid_worker", CODE)
    page = client.get(reverse("assessment:sign_in"), {"code": open_meeting.sign_in_code}).content.decode()
    assert 'id="sign-in-confirm"' in page and open_meeting.title in page
    client.post(reverse("assessment:sign_in"), {"code": open_meeting.sign_in_code, "via": "qr"})
    row = Attendance.objects.get(meeting=open_meeting, member__person__user=demo_user("grid_worker", CODE))
    assert (row.status, row.method) == ("present", "qr") and row.at is not None


def test_a_wrong_code_is_refused(client_as, open_meeting):
    response = client_as("grid_worker", CODE).post(reverse("assessment:sign_in"), {"code": "abcdef"})
    assert 'id="sign-in-error"' in response.content.decode()
    assert not Attendance.objects.filter(meeting=open_meeting).exists()


def test_a_closed_sign_in_is_refused(client_as, demo_user, open_meeting):
    meetings.set_sign_in(demo_user("community_secretary", CODE), open_meeting, False)
    response = client_as("grid_worker", CODE).post(reverse("assessment:sign_in"), {"code": open_meeting.sign_in_code})
    assert 'id="sign-in-error"' in response.content.decode()
    assert not Attendance.objects.filter(meeting=open_meeting).exists()


@pytest.mark.parametrize("role", ["resident", "district_admin"])
def test_someone_not_a_member_of_the_organisation_cannot_sign_in(client_as, open_meeting, role):
    response = client_as(role, CODE).post(reverse("assessment:sign_in"), {"code": open_meeting.sign_in_code})
    assert 'id="sign-in-error"' in response.content.decode()
    assert not Attendance.objects.filter(meeting=open_meeting).exists()


def test_the_secretary_records_attendance_and_a_grid_worker_may_not(client_as, demo_user, open_meeting):
    member = PartyMember.objects.get(person__user=demo_user("grid_chief", CODE))
    url = reverse("assessment:meeting", args=[open_meeting.pk])
    assert client_as("grid_worker", CODE).post(url, {"action": "attendance", f"status_{member.pk}": "leave"}).status_code == 403
    client_as("community_secretary", CODE).post(url, {"action": "attendance", f"status_{member.pk}": "leave"})
    assert Attendance.objects.get(meeting=open_meeting, member=member).status == "leave"


def test_the_meeting_list_filters_by_kind_and_month_and_is_scoped(client_as):
    client = client_as("community_secretary", CODE)
    page = client.get(reverse("assessment:meetings"), {"kind": "theme_day", "month": "2026-10"}).content.decode()
    assert 'id="meetings"' in page
    listed = Meeting.objects.filter(kind="theme_day", start__date__gte=datetime.date(2026, 10, 1), start__date__lt=datetime.date(2026, 11, 1))
    assert listed.exists()
    # Another district's meetings never show.
    other = Meeting.objects.exclude(district__code=CODE).first()
    assert client.get(reverse("assessment:meeting", args=[other.pk])).status_code == 404
