"""Open311 GeoReport v2, driven by the third-party `georeport` client (reading, JSON and XML) over
`requests` routed into Django's test client, and by plain form posts (the `open311` package is Python 2 only)."""
import io
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import CommandError, call_command
from georeport import GeoReport
from requests.structures import CaseInsensitiveDict

from gridgov.cases import open311 as views
from gridgov.cases.models import Case, Open311Key, Transition
from gridgov.hierarchy.models import Node

BASE = "http://testserver/open311/v2"


class DjangoAdapter(requests.adapters.BaseAdapter):
    """A `requests` transport that hands each request to Django's test client: the client library
    speaks real HTTP semantics (URLs, query strings, form bodies, status codes) without a server."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("content-type", "content-length", "host")}
        body = request.body or b""
        answer = self.client.generic(request.method, path, data=body.encode() if isinstance(body, str) else body,
                                     content_type=request.headers.get("Content-Type", ""), headers=headers)
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response._content = answer.content
        response.headers = CaseInsensitiveDict(dict(answer.items()))
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def http(client, monkeypatch, db):
    """Every `requests` call of the test (georeport's included) goes to Django's test client."""
    adapter = DjangoAdapter(client)
    monkeypatch.setattr(requests.Session, "get_adapter", lambda self, url: adapter)
    return adapter


@pytest.fixture
def georeport(http):
    """georeport("json"|"xml", jurisdiction="140105") -> the third-party client on our endpoint."""
    return lambda fmt="json", jurisdiction="140105": GeoReport(BASE, jurisdiction=jurisdiction, output_format=fmt)


@pytest.fixture
def api_key(xd):
    return Open311Key.issue(xd, name="测试客户端")[1]


@pytest.fixture
def post(http, api_key, first_grid):
    """post(fmt="json", headers=None, **fields) -> requests.Response of a form-encoded POST requests.{fmt}."""
    counter = iter(range(1, 10_000))

    def send(fmt="json", headers=None, **fields):
        data = {"jurisdiction_id": "140105", "api_key": api_key, "service_code": "E0102", "lat": first_grid.centroid_lat,
                "long": first_grid.centroid_lon, "description": f"路口有暴露垃圾 open311 #{next(counter)}"}
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        return requests.post(f"{BASE}/requests.{fmt}", data=data, headers=headers or {})

    return send


def errors_of(response):
    """The standard error format, JSON or XML, as [(code, description)]."""
    if response.headers["Content-Type"].startswith("application/json"):
        return [(e["code"], e["description"]) for e in response.json()]
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def assert_error(response, status):
    assert response.status_code == status, response.content
    found = errors_of(response)
    assert len(found) == 1 and found[0][0] == status and found[0][1]
    assert b"Traceback" not in response.content


# ---------------------------------------------------------------- services

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_list_offers_the_public_subclasses(georeport, fmt):
    listed = georeport(fmt).get_service_list()
    by_code = {s["service_code"]: s for s in listed}
    garbage = by_code["E0102"]
    assert garbage["service_name"] == "暴露垃圾" and garbage["group"] == "市容环境"
    assert str(garbage["metadata"]).lower() == "false" and garbage["type"] == "realtime"
    assert "暴露垃圾" in garbage["keywords"] and garbage["description"]
    assert "C0101" in by_code
    assert not [c for c in by_code if c.startswith("G")], "governance cases (disputes, tip-offs) are not public"
    assert not [c for c in by_code if len(c) == 3], "only subclasses are services"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(georeport, fmt):
    definition = georeport(fmt).get_service_definition("E0102")
    assert definition["service_code"] == "E0102"
    assert not definition["attributes"]


def test_xml_is_utf8_with_its_declaration(client, db):
    response = client.get("/open311/v2/services.xml?jurisdiction_id=140105")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == "services" and root.find("service/service_code") is not None


# ---------------------------------------------------------------- POST, then GET

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_then_get_by_id(post, georeport, xd, fmt):
    response = post(fmt, address_string="小店区平阳路1号", media_url="https://img.example.org/1.jpg")
    assert response.status_code == 201, response.content
    if fmt == "json":
        answer = response.json()[0]
    else:
        answer = {e.tag: e.text for e in ET.fromstring(response.content).find("request")}
    number = answer["service_request_id"]
    assert "account_id" in answer and "service_notice" in answer
    case = Case.objects.get(number=number)
    assert case.source == "open311" and case.district == xd and case.state == "reported"
    assert Transition.objects.get(case=case, action="report").data["media_url"] == "https://img.example.org/1.jpg"

    got = georeport(fmt).get_service_request(number)
    assert got["service_request_id"] == number
    assert got["status"] == "open" and got["service_code"] == "E0102" and got["service_name"] == "暴露垃圾"
    assert got["agency_responsible"] == "区城市管理局" and got["address"] == "小店区平阳路1号"
    assert got["media_url"] == "https://img.example.org/1.jpg"
    assert float(got["lat"]) == pytest.approx(case.lat) and float(got["long"]) == pytest.approx(case.lon)
    assert got["requested_datetime"].endswith("+08:00") and got["updated_datetime"].endswith("+08:00")
    assert got["expected_datetime"] == case.deadline.astimezone(views.ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    for name in ("status_notes", "description", "service_notice", "address_id", "zipcode"):
        assert name in got


def test_expected_datetime_is_the_handling_deadline_once_dispatched(post, georeport, act):
    number = post().json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    act(case, "register", "community_secretary")
    case = act(case, "dispatch", "community_secretary")
    got = georeport().get_service_request(number)
    assert got["expected_datetime"] == case.handle_deadline.astimezone(views.ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds")
    assert got["updated_datetime"] >= got["requested_datetime"]


def test_a_building_address_id_locates_a_post(post, georeport, xd, first_grid):
    building = Node.objects.filter(district=xd, kind="building", path__startswith=first_grid.path, centroid_lon__isnull=False).first()
    response = post(lat=None, long=None, address_id=building.code)
    assert response.status_code == 201, response.content
    got = georeport().get_service_request(response.json()[0]["service_request_id"])
    assert got["address_id"] == building.code
    assert float(got["lat"]) == pytest.approx(building.centroid_lat)
    assert_error(post(lat=None, long=None, address_id="no-such-building"), 400)


def test_listing_costs_a_fixed_number_of_queries(post, http, django_assert_max_num_queries):
    for i in range(5):
        post(description=f"查询次数 {i}")
    with django_assert_max_num_queries(5):
        listed = requests.get(f"{BASE}/requests.json?jurisdiction_id=140105").json()
    assert len(listed) >= 5


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_lists_and_filters(post, georeport, fmt):
    first = post().json()[0]["service_request_id"]
    second = post(service_code="E0104").json()[0]["service_request_id"]
    Case.objects.filter(number=second).update(state="closed")
    client = georeport(fmt)

    def numbers(**params):
        found = client.get_service_requests(**params)
        found = [found] if isinstance(found, dict) else found
        return [r["service_request_id"] for r in found]

    assert numbers(service_request_id=f"{first},{second}") == [second, first]  # newest first
    assert first in numbers() and second in numbers()
    assert first in numbers(status="open") and second not in numbers(status="open")
    assert numbers(service_request_id=second)[0] == second
    assert second in numbers(status="closed") and first not in numbers(status="closed")
    assert second in numbers(service_code="E0104") and first not in numbers(service_code="E0104")
    assert len(numbers()) <= views.MAX_REQUESTS


def test_get_requests_date_range(post, http):
    number = post().json()[0]["service_request_id"]
    base = f"{BASE}/requests.json?jurisdiction_id=140105"
    assert_error(requests.get(base + "&start_date=2020-01-01T00:00:00Z&end_date=2020-12-31T00:00:00Z"), 400)  # > 90 days
    assert_error(requests.get(base + "&start_date=yesterday"), 400)
    assert_error(requests.get(base + "&start_date=2024-05-02T00:00:00Z&end_date=2024-05-01T00:00:00Z"), 400)
    assert_error(requests.get(base + "&status=pending"), 400)
    old = requests.get(base + "&start_date=2020-01-01T00:00:00%2B08:00&end_date=2020-02-01T00:00:00%2B08:00")
    assert old.status_code == 200 and number not in [r["service_request_id"] for r in old.json()]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_tokens_answer_the_request_id(post, http, fmt):
    number = post().json()[0]["service_request_id"]
    response = requests.get(f"{BASE}/tokens/{number}.{fmt}?jurisdiction_id=140105")
    assert response.status_code == 200
    if fmt == "json":
        assert response.json() == [{"service_request_id": number, "token": number}]
    else:
        request = ET.fromstring(response.content).find("request")
        assert request.findtext("service_request_id") == number and request.findtext("token") == number
    assert_error(requests.get(f"{BASE}/tokens/nope.{fmt}?jurisdiction_id=140105"), 404)


# ---------------------------------------------------------------- idempotency

def test_a_resent_post_makes_no_second_case(post):
    before = Case.objects.count()
    first = post(description="井盖边上有暴露垃圾")
    again = post(description="井盖边上有暴露垃圾")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()[0]["service_request_id"] == first.json()[0]["service_request_id"]
    assert Case.objects.count() == before + 1


def test_the_idempotency_key_header_wins_over_the_content(post, xd):
    first = post(headers={"Idempotency-Key": "client-42"})
    again = post(headers={"Idempotency-Key": "client-42"}, description="内容在重发时变了")
    assert again.status_code == 200 and again.json() == first.json()
    other = post(headers={"Idempotency-Key": "client-43"})
    assert other.status_code == 201 and other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    # Another client's identical key is another request.
    _, raw = Open311Key.issue(xd, name="另一个客户端")
    third = post(headers={"Idempotency-Key": "client-42"}, api_key=raw)
    assert third.status_code == 201 and third.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


# ---------------------------------------------------------------- personal data

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_reporter_personal_data_never_appears_in_get_answers(post, http, fmt):
    response = post(first_name="三", last_name="张", phone="13812345678", email="zhang.san@example.org",
                    description="张三反映：楼下垃圾无人清运，回电13812345678或zhang.san@example.org，身份证110101199003071234")
    number = response.json()[0]["service_request_id"]
    case = Case.objects.get(number=number)
    assert case.reporter_name == "张三" and case.reporter_phone == "13812345678"  # kept for the staff
    for url in (f"{BASE}/requests/{number}.{fmt}?jurisdiction_id=140105",
                f"{BASE}/requests.{fmt}?jurisdiction_id=140105",
                f"{BASE}/requests.{fmt}?jurisdiction_id=140105&service_request_id={number}"):
        text = requests.get(url).content.decode()
        assert number in text and "楼下垃圾无人清运" in text
        for secret in ("张三", "13812345678", "zhang.san", "110101199003071234", "reporter", "phone", "email"):
            assert secret not in text, (url, secret)


def test_a_residents_name_in_the_description_is_masked(new_case, demo_user, georeport):
    resident = demo_user("resident", "140105").person
    case = new_case(description=f"{resident.name}反映门口有暴露垃圾")
    got = georeport().get_service_request(case.number)
    assert resident.name not in got["description"] and "反映门口有暴露垃圾" in got["description"]


def test_governance_cases_are_not_public(new_case, http):
    case = new_case(code="G0101", description="邻里因噪音发生纠纷")
    assert_error(requests.get(f"{BASE}/requests/{case.number}.json?jurisdiction_id=140105"), 404)
    listed = requests.get(f"{BASE}/requests.json?jurisdiction_id=140105&service_request_id={case.number}").json()
    assert listed == []


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_or_missing_api_key_is_403(post, demo, fmt):
    assert_error(post(fmt, api_key="not-a-key"), 403)
    assert_error(post(fmt, api_key=None), 403)
    _, other_district = Open311Key.issue(demo["150105"])
    assert_error(post(fmt, api_key=other_district), 403)
    key, inactive = Open311Key.issue(demo["140105"])
    key.active = False
    key.save()
    assert_error(post(fmt, api_key=inactive), 403)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_or_missing_jurisdiction(georeport, post, http, fmt):
    with pytest.raises(requests.HTTPError) as raised:
        georeport(fmt, jurisdiction="999999").get_service_list()
    assert_error(raised.value.response, 404)
    assert_error(post(fmt, jurisdiction_id="999999"), 404)
    assert_error(requests.get(f"{BASE}/services.{fmt}"), 400)
    assert_error(post(fmt, jurisdiction_id=None), 400)


@pytest.mark.parametrize("fields", [
    {"lat": None}, {"long": None}, {"lat": None, "long": None, "address_string": "平阳路1号"},
    {"lat": "north"}, {"long": "nan"}, {"lat": "95", "long": "112.5"},
    {"lat": "0", "long": "0"},                       # outside every grid of the district
    {"service_code": None}, {"service_code": "X9999"}, {"service_code": "E01"}, {"service_code": "G0101"},
    {"description": ""}, {"description": "   "}, {"description": "长" * 2001},
    {"media_url": "javascript:alert(1)"}, {"phone": "1" * 30},
], ids=lambda f: ",".join(f"{k}={str(v)[:12]}" for k, v in f.items()))
def test_bad_posts_are_400_with_a_message(post, fields):
    before = Case.objects.count()
    assert_error(post(**fields), 400)
    assert Case.objects.count() == before


def test_error_descriptions_are_chinese_unless_english_is_asked_for(post):
    chinese = errors_of(post(api_key="not-a-key"))[0][1]
    assert re.search(r"[\u4e00-\u9fff]", chinese), chinese
    english = errors_of(post(api_key="not-a-key", headers={"Accept-Language": "en"}))[0][1]
    assert english == "Invalid api_key received; the service request was not created."


def test_unknown_request_id_is_404(georeport):
    with pytest.raises(requests.HTTPError) as raised:
        georeport().get_service_request("140105209901010001")
    assert_error(raised.value.response, 404)
    with pytest.raises(requests.HTTPError):
        georeport().get_service_definition("X9999")


def test_unknown_format_and_method(http, client):
    response = requests.get(f"{BASE}/services.csv?jurisdiction_id=140105")
    assert response.headers["Content-Type"].startswith("application/xml")
    assert_error(response, 404)
    response = requests.put(f"{BASE}/requests.json?jurisdiction_id=140105")
    assert_error(response, 405)
    assert "POST" in response.headers["Allow"]
    assert_error(requests.post(f"{BASE}/services.json?jurisdiction_id=140105"), 405)


def test_posts_need_no_csrf_token(db, api_key, first_grid):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/open311/v2/requests.json", {
        "jurisdiction_id": "140105", "api_key": api_key, "service_code": "E0102",
        "lat": first_grid.centroid_lat, "long": first_grid.centroid_lon, "description": "无需 CSRF 的表单提交"})
    assert response.status_code == 201


def test_a_bug_is_a_500_in_the_standard_format_without_a_trace(post, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.services, "intake", broken)
    response = post()
    assert_error(response, 500)
    assert b"secret internals" not in response.content and b"RuntimeError" not in response.content


# ---------------------------------------------------------------- gridgov open311-key

def test_open311_key_command_prints_a_working_key(post, xd):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311-key", "--district", "140105", "--name", "微信小程序", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = Open311Key.find(xd, raw)
    assert key is not None and key.name == "微信小程序" and key.key_hash != raw
    assert key.prefix in err.getvalue()
    assert post(api_key=raw).status_code == 201
    with pytest.raises(CommandError):
        call_command("open311-key", "--district", "999999", stdout=out, stderr=err)
