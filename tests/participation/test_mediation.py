"""Dispute mediation: opened from a case or not, parties' phones masked on every page, answer and export,
the states open → agreed/failed → closed with follow-ups, and scoping (another community's secretary
sees nothing)."""
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.cases.models import Case
from gridgov.hierarchy.models import Node
from gridgov.participation.errors import Conflict, NotAllowed, ParticipationError
from gridgov.participation.models import Mediation
from gridgov.participation.services import mediation as services
from gridgov.people.models import Person, Post

CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = "140105"
PHONE = "13812345678"
MASKED = "138****5678"


def community(n=0):
    return Node.objects.filter(district__code=CODE, kind="community").order_by("code")[n]


def grid_of(node):
    return Node.objects.filter(path__startswith=node.path, kind="grid").order_by("code").first()


def open_one(user, node=None, **kw):
    node = node or grid_of(community())
    return services.open_mediation(user, node, "neighbour", "楼上漏水纠纷", "楼上漏水致楼下受损",
                                   parties=[("张三", PHONE, "受损住户"), ("李四", "13900001111", "楼上住户")],
                                   bodies=["community", "police", "justice"], **kw)


@pytest.fixture
def other_secretary(db):
    """A community secretary of the second community of 小店区, logged in on a client of its own."""
    other = community(1)
    user = get_user_model().objects.create(username="secretary-of-another-community")
    person = Person.objects.create(district=other.district, name="赵书记", home=other, user=user)
    Post.objects.create(person=person, district=other.district, role="community_secretary", node=other)
    client = Client()
    client.force_login(user)
    return client


def test_phones_are_masked_on_the_page_in_the_api_and_in_the_export(demo_user, client_as):
    mediation = open_one(demo_user("community_secretary", CODE))
    assert mediation.parties.get(name="张三").phone == PHONE  # stored as given
    client = client_as("community_secretary", CODE)
    page = client.get(f"/participation/mediations/{mediation.pk}/").content.decode()
    assert MASKED in page and PHONE not in page
    body = client.get(f"/api/mediations/{mediation.pk}").json()
    assert {p["phone"] for p in body["parties"]} == {MASKED, "139****1111"}
    assert body["bodies"] == ["community", "police", "justice"]
    response = client.get("/participation/mediations/export.xlsx")
    assert response.status_code == 200
    cells = [str(c) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True) for c in row if c]
    assert any(MASKED in c for c in cells) and not any(PHONE in c for c in cells)


def test_another_communitys_secretary_sees_none_of_our_mediations(demo_user, client_as, other_secretary):
    mediation = open_one(demo_user("community_secretary", CODE))
    assert other_secretary.get(f"/participation/mediations/{mediation.pk}/").status_code == 404
    assert other_secretary.get(f"/api/mediations/{mediation.pk}").status_code == 404
    listed = other_secretary.get("/api/mediations", {"limit": 200}).json()
    assert all(row["id"] != mediation.pk for row in listed["items"])
    own_path = community().path
    assert all(not m.node_path.startswith(own_path) for m in services.mediations(get_user_model().objects.get(username="secretary-of-another-community")))
    assert "楼上漏水纠纷" not in other_secretary.get("/participation/mediations/?q=楼上漏水").content.decode()
    # And the community's own secretary lists it.
    assert "楼上漏水纠纷" in client_as("community_secretary", CODE).get("/participation/mediations/?q=楼上漏水").content.decode()


def test_residents_see_no_mediation(demo_user, client_as):
    open_one(demo_user("community_secretary", CODE))
    client = client_as("resident", CODE)
    assert client.get("/participation/mediations/").status_code == 403
    assert client.get("/api/mediations").json()["count"] == 0


def test_a_mediation_opened_from_a_case_is_prefilled_and_linked(demo_user, client_as):
    case = Case.objects.filter(district__code=CODE, node_path__startswith=community().path).order_by("pk").first()
    assert case is not None
    client = client_as("community_secretary", CODE)
    form = client.get(f"/participation/mediations/new/?case={case.number}")
    assert form.status_code == 200 and case.number in form.content.decode()
    response = client.post(f"/participation/mediations/new/?case={case.pk}", {
        "node": case.grid_id, "kind": "property", "title": "物业纠纷", "summary": case.description, "bodies": ["community", "justice"],
        "party0_name": "王五", "party0_phone": "13700000000", "party1_name": "某物业公司", "party1_phone": "0471-6543210"})
    assert response.status_code == 302, response.content.decode()[:3000]
    mediation = Mediation.objects.get(title="物业纠纷")
    assert mediation.case == case and mediation.node == case.grid and mediation.parties.count() == 2
    assert case.number in client.get(f"/participation/mediations/{mediation.pk}/").content.decode()


def test_a_wrong_phone_or_a_single_party_is_refused_in_chinese(client_as):
    client = client_as("community_secretary", CODE)
    node = grid_of(community())
    base = {"node": node.pk, "kind": "family", "title": "家庭纠纷", "summary": "赡养问题", "bodies": ["community"]}
    response = client.post("/participation/mediations/new/", {**base, "party0_name": "甲", "party0_phone": "12345", "party1_name": "乙"})
    assert response.status_code == 422 and CJK.search(response.content.decode())
    response = client.post("/participation/mediations/new/", {**base, "party0_name": "甲"})
    assert response.status_code == 422
    assert not Mediation.objects.filter(title="家庭纠纷").exists()


def test_the_states_go_open_agreed_closed_with_sessions_and_follow_ups(demo_user, client_as):
    secretary = demo_user("community_secretary", CODE)
    mediation = open_one(secretary)
    with pytest.raises(ParticipationError):
        services.add_follow_up(secretary, mediation, timezone.localdate(), "网格员", "回访")  # not before the agreement
    with pytest.raises(Conflict):
        services.conclude(secretary, mediation, "closed", outcome="结案")  # open cannot close directly
    with pytest.raises(ParticipationError):
        services.conclude(secretary, mediation, "agreed")  # an agreement needs its text
    client = client_as("community_secretary", CODE)
    today = timezone.localdate().isoformat()
    assert client.post(f"/participation/mediations/{mediation.pk}/session/", {"day": today, "mediators": "社区调委会、派出所民警"}).status_code == 302
    assert client.post(f"/participation/mediations/{mediation.pk}/conclude/", {"state": "agreed", "agreement": "赔偿2000元"}).status_code == 302
    assert client.post(f"/participation/mediations/{mediation.pk}/conclude/", {"state": "closed", "outcome": "已履行"}).status_code == 302
    assert client.post(f"/participation/mediations/{mediation.pk}/follow/", {"day": today, "by": "网格员", "notes": "双方和睦"}).status_code == 302
    mediation.refresh_from_db()
    assert (mediation.state, mediation.agreement, mediation.outcome, mediation.closed_on) == ("closed", "赔偿2000元", "已履行", timezone.localdate())
    assert mediation.sessions.count() == 1 and mediation.follow_ups.count() == 1
    # A closed mediation takes no more sessions.
    response = client.post(f"/participation/mediations/{mediation.pk}/session/", {"day": today, "mediators": "社区"})
    assert response.status_code == 422


def test_a_resident_cannot_open_or_record_a_mediation(demo_user):
    with pytest.raises(NotAllowed):
        open_one(demo_user("resident", CODE))
    mediation = open_one(demo_user("community_secretary", CODE))
    with pytest.raises(NotAllowed):
        services.add_session(demo_user("resident", CODE), mediation, timezone.localdate(), "我")


def test_grid_workers_and_judicial_officers_mediate_in_their_own_grid(demo_user):
    worker = demo_user("grid_worker", CODE)
    grid = Post.objects.filter(person__user=worker).first().node
    assert open_one(worker, node=grid).node == grid
    with pytest.raises(NotAllowed):
        open_one(worker, node=grid_of(community(1)))


def test_pages_and_export_answer_and_the_demo_has_mediations(client_as):
    for role in ("district_admin", "subdistrict_secretary", "community_secretary", "grid_worker"):
        assert client_as(role, CODE).get("/participation/mediations/").status_code == 200, role
    demo = Mediation.objects.filter(district__code=CODE)
    assert demo.filter(case__isnull=False).exists() and demo.filter(state="closed", follow_ups__isnull=False).exists()
    assert client_as("grid_worker", CODE).get("/participation/mediations/export.xlsx").status_code == 403


def test_the_form_opened_from_a_case_does_not_show_the_reporters_phone(client_as):
    case = Case.objects.filter(district__code=CODE, node_path__startswith=community().path).exclude(reporter_phone="").order_by("pk").first()
    if case is None:
        case = Case.objects.filter(district__code=CODE, node_path__startswith=community().path).order_by("pk").first()
        Case.objects.filter(pk=case.pk).update(reporter_phone="13611112222")
        case.refresh_from_db()
    page = client_as("community_secretary", CODE).get(f"/participation/mediations/new/?case={case.pk}").content.decode()
    assert case.number in page and case.reporter_phone not in page
