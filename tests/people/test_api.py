"""People API: ID numbers and phones masked in every list and detail answer, the audited reveal
(reason required, permission checked, access-log entry written), and scoping of each endpoint."""
import re

import pytest

from gridgov.api.models import ApiToken
from gridgov.people import services
from gridgov.people.models import (
    AccessLog, CommunityWorker, DualRegistration, PartyMember, Person, Resident, ServiceRecord, Volunteer,
)

CLEAR_ID = re.compile(r"\d{17}[\dX]")
CLEAR_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# endpoint -> the model whose rows it lists (each carries the node_path scoping key)
LISTS = {
    "/api/party-members": PartyMember,
    "/api/dual-registrations": DualRegistration,
    "/api/volunteers": Volunteer,
    "/api/service-records": ServiceRecord,
    "/api/residents": Resident,
    "/api/community-workers": CommunityWorker,
}
WITH_PERSONS = ["/api/party-members", "/api/dual-registrations", "/api/volunteers", "/api/residents", "/api/community-workers"]


@pytest.fixture
def token(demo_user):
    def issue(role, code="140105"):
        _, raw = ApiToken.issue(demo_user(role, code))
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return issue


def assert_masked(text):
    assert not CLEAR_ID.search(text), CLEAR_ID.search(text).group()
    assert not CLEAR_MOBILE.search(text), CLEAR_MOBILE.search(text).group()


def own_path(demo_user):
    return demo_user("community_secretary").person.posts.get().node.path


@pytest.mark.parametrize("url", WITH_PERSONS)
def test_every_list_answer_is_masked(client, token, url):
    response = client.get(url, {"limit": 200}, **token("district_admin"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] > 0
    assert "****" in response.content.decode()
    assert_masked(response.content.decode())
    person = data["items"][0]["person"]
    assert set(person) >= {"id", "name", "id_number", "phone"}


def test_member_detail_is_masked_and_lists_filter(client, token):
    headers = token("district_admin")
    member = PartyMember.objects.filter(district__code="140105", in_service=True).exclude(person__id_number="").select_related("person").first()
    response = client.get(f"/api/party-members/{member.pk}", **headers)
    assert response.status_code == 200
    assert_masked(response.content.decode())
    body = response.json()
    assert body["person"]["name"] == member.person.name and body["person"]["id_number"].count("*") == 10
    assert body["in_service"] is True
    listed = client.get("/api/party-members", {"in_service": "true", "status": member.status, "q": member.person.name}, **headers).json()
    assert member.pk in [m["id"] for m in listed["items"]]
    assert all(m["in_service"] for m in listed["items"])


def test_volunteer_hours_are_the_sum_of_the_ledger(client, token):
    response = client.get("/api/volunteers", {"limit": 20}, **token("district_admin")).json()
    for item in response["items"]:
        person = Person.objects.get(pk=item["person"]["id"])
        assert item["hours"] == float(services.person_hours(person, "volunteer"))


def test_community_workers_come_with_their_pay(client, token):
    items = client.get("/api/community-workers", **token("district_admin")).json()["items"]
    assert items
    for item in items[:10]:
        worker = CommunityWorker.objects.get(pk=item["id"])
        pay = services.monthly_pay(worker)
        assert item["monthly_pay"] == (float(pay) if pay is not None else None)


def test_reveal_writes_the_access_log_and_the_district_admin_reads_it(client, token, demo_user):
    headers = token("community_secretary")
    person = Person.objects.filter(home__path__startswith=own_path(demo_user)).exclude(phone="").first()
    before = AccessLog.objects.count()
    response = client.post(f"/api/persons/{person.pk}/reveal", {"field": "phone", "reason": "上门走访联系"},
                           content_type="application/json", **headers)
    assert response.status_code == 200
    assert response.json()["value"] == person.phone
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.first()
    assert (entry.user, entry.person, entry.field, entry.reason) == (demo_user("community_secretary"), person, "phone", "上门走访联系")

    log = client.get("/api/access-log", **token("district_admin"))
    assert log.status_code == 200
    assert log.json()["items"][0]["person_id"] == person.pk and log.json()["items"][0]["reason"] == "上门走访联系"
    assert_masked(log.content.decode())
    assert client.get("/api/access-log", **headers).status_code == 403


def test_reveal_is_refused_without_reason_permission_or_scope(client, token, demo_user):
    path = own_path(demo_user)
    person = Person.objects.filter(home__path__startswith=path).exclude(id_number="").first()
    url = f"/api/persons/{person.pk}/reveal"
    before = AccessLog.objects.count()
    no_reason = client.post(url, {"field": "id_number", "reason": "  "}, content_type="application/json", **token("community_secretary"))
    assert no_reason.status_code == 422 and "事由" in no_reason.json()["message"]
    missing = client.post(url, {"field": "id_number"}, content_type="application/json", **token("community_secretary"))
    assert missing.status_code == 422
    grid_person = Person.objects.filter(home__path__startswith=demo_user("grid_chief").person.posts.get().node.path).first()
    refused = client.post(f"/api/persons/{grid_person.pk}/reveal", {"field": "id_number", "reason": "查看"},
                          content_type="application/json", **token("grid_chief"))
    assert refused.status_code == 403
    outside = Person.objects.filter(district__code="140105", home__isnull=False).exclude(home__path__startswith=path).first()
    assert client.post(f"/api/persons/{outside.pk}/reveal", {"field": "id_number", "reason": "查看"},
                       content_type="application/json", **token("community_secretary")).status_code == 404
    assert AccessLog.objects.count() == before


@pytest.mark.parametrize("url", list(LISTS))
def test_community_secretary_sees_only_their_communitys_rows(client, token, demo_user, url):
    path = own_path(demo_user)
    ids = [i["id"] for i in client.get(url, {"limit": 200}, **token("community_secretary")).json()["items"]]
    inside = set(LISTS[url].objects.filter(node_path__startswith=path).values_list("pk", flat=True))
    assert set(ids) <= inside
    if url != "/api/dual-registrations":
        assert ids  # the demo fills every registry of a community
    if len(inside) <= 200 and url != "/api/dual-registrations":
        assert set(ids) == inside


@pytest.mark.parametrize("url", list(LISTS))
def test_a_user_of_another_district_sees_nothing_of_this_one(client, token, url):
    ids = {i["id"] for i in client.get(url, {"limit": 200}, **token("district_admin", "150105")).json()["items"]}
    assert not ids & set(LISTS[url].objects.filter(district__code="140105").values_list("pk", flat=True))


def test_detail_out_of_scope_is_404(client, token, demo_user):
    path = own_path(demo_user)
    outside = PartyMember.objects.filter(district__code="140105").exclude(node_path__startswith=path).first()
    inside = PartyMember.objects.filter(node_path__startswith=path).first()
    headers = token("community_secretary")
    assert client.get(f"/api/party-members/{inside.pk}", **headers).status_code == 200
    response = client.get(f"/api/party-members/{outside.pk}", **headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client.get(f"/api/party-members/{inside.pk}", **token("district_admin", "150105")).status_code == 404


def test_hours_are_recorded_and_verified_by_staff(client, token, demo_user):
    path = own_path(demo_user)
    volunteer = Volunteer.objects.filter(node_path__startswith=path).select_related("person__home").first()
    node = volunteer.person.home
    body = {"person_id": volunteer.person_id, "kind": "volunteer", "hours": 2.5, "what": "清理楼道杂物", "node_id": node.pk}
    assert client.post("/api/service-records", body, content_type="application/json", **token("grid_worker")).status_code in (403, 404)
    created = client.post("/api/service-records", body, content_type="application/json", **token("community_secretary"))
    assert created.status_code == 201
    record = created.json()
    assert record["hours"] == 2.5 and record["verified"] is False
    assert client.post("/api/service-records", {**body, "hours": 30}, content_type="application/json",
                       **token("community_secretary")).status_code == 422
    verified = client.post(f"/api/service-records/{record['id']}/verify", **token("community_secretary"))
    assert verified.status_code == 200
    assert verified.json()["verified"] is True and verified.json()["verified_by"] == demo_user("community_secretary").person.name
    assert client.post(f"/api/service-records/{record['id']}/verify", **token("district_admin", "150105")).status_code == 404
    listed = client.get("/api/service-records", {"person": volunteer.person_id, "verified": "true"}, **token("community_secretary")).json()
    assert record["id"] in [r["id"] for r in listed["items"]]
