"""Talent pool pages: reserve cadres and experts filtered by kind and field, each person's training
records with the total; all scoped (another community's or district's people are not shown)."""
import pytest

from gridgov.people import services
from gridgov.people.models import Person, TalentEntry, TrainingRecord


def own_path(demo_user):
    return demo_user("community_secretary").person.posts.get().node.path


@pytest.mark.parametrize("kind, field", [("reserve_cadre", ""), ("expert", ""), ("", "governance"), ("expert", "party_building")])
def test_talent_list_filters_by_kind_and_field(client_as, kind, field):
    response = client_as("district_admin").get("/people/talent/", {"kind": kind, "field": field})
    assert response.status_code == 200
    shown = {t.pk for t in response.context["page"]}
    expected = TalentEntry.objects.filter(district__code="140105")
    if kind:
        expected = expected.filter(kind=kind)
    if field:
        expected = expected.filter(field=field)
    assert shown and shown <= set(expected.values_list("pk", flat=True))
    assert all((not kind or t.kind == kind) and (not field or t.field == field) for t in response.context["page"])


def test_talent_list_is_scoped(client_as, demo_user):
    path = own_path(demo_user)
    inside = set(TalentEntry.objects.filter(node_path__startswith=path).values_list("pk", flat=True))
    shown = {t.pk for t in client_as("community_secretary").get("/people/talent/").context["page"]}
    assert shown <= inside
    assert len(shown) == min(len(inside), 50)
    other = {t.pk for t in client_as("district_admin", "150105").get("/people/talent/").context["page"]}
    assert not other & set(TalentEntry.objects.filter(district__code="140105").values_list("pk", flat=True))


def test_training_hours_in_the_list_are_the_sum_of_the_records(client_as):
    page = client_as("district_admin").get("/people/talent/", {"kind": "expert"}).context["page"]
    for entry in list(page)[:10]:
        assert entry.training_hours == sum(r.hours for r in TrainingRecord.objects.filter(person_id=entry.person_id))


def test_training_records_of_a_person_are_shown_with_the_total_and_scoped(client_as, demo_user):
    path = own_path(demo_user)
    record = TrainingRecord.objects.filter(node_path__startswith=path, person__home__path__startswith=path).select_related("person").first()
    person = record.person
    response = client_as("community_secretary").get(f"/people/persons/{person.pk}/trainings/")
    assert response.status_code == 200
    html = response.content.decode()
    assert record.course in html
    assert response.context["total"] == sum(r.hours for r in TrainingRecord.objects.filter(person=person))
    outside = Person.objects.filter(district__code="140105", trainings__isnull=False).exclude(home__path__startswith=path).first()
    assert client_as("community_secretary").get(f"/people/persons/{outside.pk}/trainings/").status_code == 404
    assert client_as("district_admin", "150105").get(f"/people/persons/{person.pk}/trainings/").status_code == 404


def test_talent_service_filters_and_scopes(demo_user):
    user = demo_user("community_secretary")
    entries = services.talent(user, field="governance")
    assert all(e.field == "governance" and e.node_path.startswith(own_path(demo_user)) for e in entries)
