"""Query counts of the main pages and API lists: a page of 50 rows costs a fixed handful of queries,
not one or more per row (N+1), so that a page at city scale costs what it costs in the demo."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases.models import Case, Transition
from gridgov.hierarchy.models import Node

pytestmark = pytest.mark.django_db


def queries(client, url):
    """(response, number of queries) of one GET, after a first GET that fills per-process caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, len(captured)


# url (formatted with the district's ids), at most this many queries, at least this many table rows shown.
# The bounds are the counts measured on the demo plus a little room; the rows make an N+1 visible, as a
# query per row would pass any of the bounds by far.
PAGES = [
    ("/hierarchy/nodes/{subdistrict}/", 14, 10),
    ("/hierarchy/nodes/{community}/", 18, 5),
    ("/cases/", 12, 40),
    ("/people/members/", 10, 40),
    ("/people/workers/", 12, 40),
    ("/people/volunteers/", 10, 40),
    ("/people/residents/", 10, 40),
    ("/people/service-records/", 10, 40),
    ("/orgs/", 10, 40),
    ("/orgs/partners/", 10, 40),
    ("/assessment/index/", 13, 40),
    ("/participation/resources/", 11, 40),
]


@pytest.fixture
def ids(demo):
    district = demo["140105"]
    subdistrict = Node.objects.filter(district=district, kind="subdistrict").order_by("code").first()
    community = Node.objects.filter(district=district, kind="community").order_by("code").first()
    return {"subdistrict": subdistrict.pk, "community": community.pk}


@pytest.mark.parametrize("url,most,rows", PAGES, ids=[p[0].strip("/").replace("/", "-") for p in PAGES])
def test_page_costs_a_fixed_number_of_queries(client_as, ids, url, most, rows, django_assert_max_num_queries):
    client = client_as("district_admin", "140105")
    url = url.format(**ids)
    client.get(url)  # warm-up, as in queries()
    with django_assert_max_num_queries(most):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.count(b"<tr") >= rows, "the page shows too few rows for its bound to catch an N+1"


def test_case_page_does_not_grow_with_the_history(client_as, demo):
    """A case with a long history (escalations, rework, extension) costs what a short one costs."""
    client = client_as("district_admin", "140105")
    district = demo["140105"]
    cases = Case.objects.filter(district=district)
    counts = {c.pk: Transition.objects.filter(case=c).count() for c in cases.order_by("pk")[:300]}
    short = min(counts, key=counts.get)
    long = max(counts, key=counts.get)
    assert counts[long] >= counts[short] + 4
    _, few = queries(client, f"/cases/{Case.objects.get(pk=short).number}/")
    _, many = queries(client, f"/cases/{Case.objects.get(pk=long).number}/")
    assert many <= few + 4, (few, many)  # the actions shown differ by state; the history is one query
    assert many <= 20


# API lists (ninja pagination): limit=40 must cost what limit=2 costs.
APIS = [
    ("/api/nodes", "140105"), ("/api/cases", "140105"), ("/api/patrols", "140105"),
    ("/api/party-orgs", "140105"), ("/api/partner-units", "140105"), ("/api/agreements", "140105"),
    ("/api/service-centres", "140105"), ("/api/alliances", "530111"), ("/api/expanded-committees", "530111"),
    ("/api/coordination-committees", "140105"), ("/api/leader-assignments", "140105"),
    ("/api/party-members", "140105"), ("/api/volunteers", "140105"), ("/api/service-records", "140105"),
    ("/api/residents", "140105"), ("/api/households", "140105"), ("/api/community-workers", "140105"),
    ("/api/dual-registrations", "140105"), ("/api/talent", "140105"),
    ("/api/resources", "140105"), ("/api/needs", "140105"), ("/api/projects", "140105"),
    ("/api/topics", "140105"), ("/api/deliberations", "140105"), ("/api/mediations", "140105"), ("/api/events", "140105"),
]


@pytest.mark.parametrize("url,code", APIS, ids=[a[0] for a in APIS])
def test_api_list_costs_the_same_for_2_and_40_items(client_as, url, code, django_assert_max_num_queries):
    client = client_as("district_admin", code)
    response, small = queries(client, f"{url}?limit=2")
    response, large = queries(client, f"{url}?limit=40")
    items = response.json()["items"]
    assert len(items) >= 5, "too few items in the demo for the comparison to mean anything"
    assert large == small, (small, large)
    with django_assert_max_num_queries(10):
        client.get(f"{url}?limit=40")
