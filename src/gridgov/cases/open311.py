"""Open311 GeoReport v2 at /open311/v2/: services, service definitions, POST and GET requests, one
request, tokens; JSON and XML; an api_key to post; the standard error format; jurisdiction_id = district code."""
import datetime as dt
import functools
import hashlib
import json
import logging
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.db.models import Max
from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from gridgov.hierarchy.models import District, Node

from . import services
from .models import Case, Category, Open311Key, Transition
from .workflow import ACTIVE_STATES, FINAL_STATES

logger = logging.getLogger("gridgov.open311")

FORMATS = ("json", "xml")
# Category kinds published on Open311 unless a district's settings["open311_kinds"] says otherwise.
# Governance cases (disputes, police tip-offs, services to named residents) are never public by default.
DEFAULT_KINDS = ("event", "component")
MAX_REQUESTS = 1000          # the spec's default upper limit of GET requests
MAX_DAYS = 90                # the spec's default and maximum date range of GET requests
MAX_IDEMPOTENCY_KEY = 255
MAX_MEDIA_URL = 500
MASK = "***"

# Personal data that may sit in free text: mobile and landline numbers, ID-card numbers, e-mail addresses.
_PERSONAL = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d{9}(?!\d)"
    r"|(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"
    r"|(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)
# XML element names of list items, by the list's element name.
_ITEM_TAGS = {"attributes": "attribute", "values": "value"}


class Open311Error(Exception):
    """An answer in the standard error format: HTTP status and a description for people."""

    def __init__(self, status, description):
        super().__init__(description)
        self.status = status
        self.description = str(description)


# ---------------------------------------------------------------- rendering

def _xml_value(element, value):
    if isinstance(value, dict):
        for key, item in value.items():
            _xml_value(ET.SubElement(element, key), item)
    elif isinstance(value, (list, tuple)):
        tag = _ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _xml_value(ET.SubElement(element, tag), item)
    elif value is None:
        pass
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)


def render(fmt, payload, root, item=None, status=200, headers=None):
    """`payload` as JSON, or as XML under <root> (a list: one <item> per entry)."""
    if fmt == "json":
        body = json.dumps(payload, ensure_ascii=False)
        content_type = "application/json; charset=utf-8"
    else:
        element = ET.Element(root)
        if isinstance(payload, list):
            for entry in payload:
                _xml_value(ET.SubElement(element, item), entry)
        else:
            _xml_value(element, payload)
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode")
        content_type = "application/xml; charset=utf-8"
    response = HttpResponse(body.encode("utf-8"), status=status, content_type=content_type)
    for key, value in (headers or {}).items():
        response[key] = value
    return response


def error(fmt, status, description, headers=None):
    return render(fmt, [{"code": status, "description": str(description)}], "errors", "error", status=status, headers=headers)


def endpoint(*methods):
    """An Open311 view: checks the format and method, and turns every failure into the standard
    error format (a refused case becomes a 400 with the case rules' message; a bug a 500, logged)."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, fmt, **kwargs):
            fmt = fmt.lower()
            answer_in = fmt if fmt in FORMATS else "xml"  # XML is the spec's required format
            try:
                if fmt not in FORMATS:
                    raise Open311Error(404, _("Unknown format: use .json or .xml."))
                if request.method not in allowed:
                    return error(answer_in, 405, _("Method not allowed."), headers={"Allow": ", ".join(sorted(allowed))})
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                return error(answer_in, exc.status, exc.description)
            except RequestDataTooBig:
                # The body passed DATA_UPLOAD_MAX_MEMORY_SIZE: the client's fault, not a server error.
                return error(answer_in, 413, _("The request is too large (at most %(mb)d MB).") % {
                    "mb": max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))})
            except (TooManyFieldsSent, TooManyFilesSent):
                return error(answer_in, 400, _("The request has too many fields."))
            except services.CaseError as exc:
                return error(answer_in, 400, str(exc))
            except Exception:
                logger.exception("Open311 %s %s failed", request.method, request.path)
                return error(answer_in, 500, _("Internal error. Please try again later."))

        return csrf_exempt(wrapper)

    return decorate


# ---------------------------------------------------------------- parameters

def _param(request, name):
    """A form field of a POST (or, as some clients send api_key and jurisdiction_id, the query string)."""
    value = request.POST.get(name) if request.method == "POST" else None
    if value is None:
        value = request.GET.get(name)
    value = (value or "").strip()
    if "\x00" in value:  # no database column may hold it (PostgreSQL refuses the whole statement)
        raise Open311Error(400, f"{name}: {_('Null characters are not allowed.')}")
    return value


def _list_param(request, name):
    return [v.strip() for v in request.GET.get(name, "").split(",") if v.strip()]


def _district(request):
    code = _param(request, "jurisdiction_id")
    if not code:
        raise Open311Error(400, _("jurisdiction_id was not provided."))
    district = District.objects.filter(code=code).first() if len(code) <= 16 else None
    if district is None:
        raise Open311Error(404, _("jurisdiction_id %(id)s was not found.") % {"id": code[:16]})
    return district


def _kinds(district):
    return tuple(district.settings.get("open311_kinds") or DEFAULT_KINDS)


def _services(district):
    """The subclasses a district offers on Open311."""
    return (Category.objects.filter(district=district, parent__isnull=False, active=True, parent__active=True, kind__in=_kinds(district))
            .select_related("parent", "department").order_by("code"))


def _cases(district):
    """The cases of a district that Open311 may show (public categories only)."""
    return (Case.objects.filter(district=district, category__kind__in=_kinds(district))
            .select_related("category", "department", "building", "reporter"))


def _when(value, name, tz):
    """A W3C date-time (or a date: its midnight) as an aware datetime; naive ones are local time."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = dt.datetime.combine(day, dt.time(0)) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%(name)s must be a date and time in W3C format, e.g. 2024-05-01T08:00:00+08:00.") % {"name": name})
    return timezone.make_aware(parsed, tz) if timezone.is_naive(parsed) else parsed


def _date_range(request, tz):
    start = _when(request.GET["start_date"], "start_date", tz) if request.GET.get("start_date") else None
    end = _when(request.GET["end_date"], "end_date", tz) if request.GET.get("end_date") else None
    span = dt.timedelta(days=MAX_DAYS)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - span
    if end is None:
        end = start + span
    if end < start:
        raise Open311Error(400, _("end_date is before start_date."))
    if end - start > span:
        raise Open311Error(400, _("The date range may not span more than %(days)d days.") % {"days": MAX_DAYS})
    return start, end


# ---------------------------------------------------------------- serialisation

def _iso(value, tz):
    return timezone.localtime(value, tz).isoformat(timespec="seconds") if value else None


def _service(category):
    parts = [f"{category.parent.name} / {category.name}"]
    if category.department:
        parts.append(_("Handled by %(department)s.") % {"department": category.department.name})
    if category.closing_conditions:
        parts.append(_("Done when: %(condition)s.") % {"condition": category.closing_conditions})
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": " ".join(parts),
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(filter(None, [category.parent.name, category.name, category.department.name if category.department else ""])),
        "group": category.parent.name,
    }


def public_text(text, case):
    """Free text as Open311 may show it: the reporter's name and phone, and anything that looks
    like a phone number, an ID-card number or an e-mail address, replaced by ***."""
    secrets = {case.reporter_name.strip(), case.reporter_phone.strip()}
    if case.reporter_id and case.reporter:
        secrets.add(case.reporter.name.strip())
    for secret in sorted((s for s in secrets if len(s) >= 2), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _PERSONAL.sub(MASK, text)


def serialise(cases, district):
    """Service requests as the spec's fields; never the reporter's name, phone or e-mail."""
    tz = ZoneInfo(district.timezone)
    ids = [c.pk for c in cases]
    updated = dict(Transition.objects.filter(case_id__in=ids).order_by().values("case_id").annotate(last=Max("at")).values_list("case_id", "last"))
    media = {}
    for case_id, data in Transition.objects.filter(case_id__in=ids, action="report").order_by().values_list("case_id", "data"):
        if isinstance(data, dict) and data.get("media_url"):
            media[case_id] = data["media_url"]
    return [{
        "service_request_id": c.number,
        "status": "open" if c.state in ACTIVE_STATES else "closed",
        "status_notes": str(c.get_state_display()),
        "service_name": c.category.name,
        "service_code": c.category.code,
        "description": public_text(c.description, c),
        "agency_responsible": c.department.name if c.department else "",
        "service_notice": c.category.closing_conditions,
        "requested_datetime": _iso(c.reported_at, tz),
        "updated_datetime": _iso(updated.get(c.pk) or c.reported_at, tz),
        "expected_datetime": _iso(c.handle_deadline or c.deadline, tz),
        "address": public_text(c.address, c),
        "address_id": c.building.code if c.building else "",
        "zipcode": "",
        "lat": c.lat,
        "long": c.lon,
        "media_url": media.get(c.pk, ""),
    } for c in cases]


# ---------------------------------------------------------------- views

@endpoint("GET")
def service_list(request, fmt):
    district = _district(request)
    return render(fmt, [_service(c) for c in _services(district)], "services", "service")


@endpoint("GET")
def service_definition(request, fmt, code):
    district = _district(request)
    category = _services(district).filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code %(code)s was not found.") % {"code": code[:32]})
    return render(fmt, {"service_code": category.code, "attributes": []}, "service_definition")


@endpoint("GET", "POST")
def service_requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    district = _district(request)
    cases = _cases(district)
    numbers = _list_param(request, "service_request_id")
    if numbers:
        # The spec: a list of ids overrides every other parameter.
        if len(numbers) > MAX_REQUESTS:
            raise Open311Error(400, _("Ask for at most %(n)d service_request_id at once.") % {"n": MAX_REQUESTS})
        cases = cases.filter(number__in=numbers)
    else:
        codes = _list_param(request, "service_code")
        if codes:
            cases = cases.filter(category__code__in=codes)
        statuses = {s.lower() for s in _list_param(request, "status")}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if statuses == {"open"}:
            cases = cases.filter(state__in=ACTIVE_STATES)
        elif statuses == {"closed"}:
            cases = cases.filter(state__in=FINAL_STATES)
        start, end = _date_range(request, ZoneInfo(district.timezone))
        cases = cases.filter(reported_at__gte=start, reported_at__lte=end)
    found = list(cases.order_by("-reported_at", "-pk")[:MAX_REQUESTS])
    return render(fmt, serialise(found, district), "service_requests", "request")


@endpoint("GET")
def service_request(request, fmt, number):
    district = _district(request)
    case = _cases(district).filter(number=number).first()
    if case is None:
        raise Open311Error(404, _("service_request_id %(id)s was not found.") % {"id": number[:32]})
    return render(fmt, serialise([case], district), "service_requests", "request")


@endpoint("GET")
def token(request, fmt, token):
    """Requests are created in real time, so a token is the service_request_id itself."""
    district = _district(request)
    number = _cases(district).filter(number=token).values_list("number", flat=True).first()
    if number is None:
        raise Open311Error(404, _("Token %(token)s was not found.") % {"token": token[:32]})
    return render(fmt, [{"service_request_id": number, "token": number}], "service_requests", "request")


def _reporter_name(first, last):
    """A Chinese name is family name first without a space; others are "first last"."""
    if not first or not last:
        return first or last
    if any(ord(ch) > 0x2E7F for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}"


def _create(request, fmt):
    district = _district(request)
    key = Open311Key.find(district, _param(request, "api_key"))
    if key is None:
        raise Open311Error(403, _("Invalid api_key received; the service request was not created."))
    code = _param(request, "service_code")
    if not code:
        raise Open311Error(400, _("service_code was not provided."))
    category = _services(district).filter(code=code).first()
    if category is None:
        raise Open311Error(400, _("service_code %(code)s was not found.") % {"code": code[:32]})
    lat, lon = _param(request, "lat"), _param(request, "long")
    address_id = _param(request, "address_id")
    if (not lat or not lon) and address_id:
        # Our address_id is a building's code (as GET requests answers it): its centroid locates the request.
        building = Node.objects.filter(district=district, kind="building", code=address_id[:32], centroid_lon__isnull=False).first()
        if building is None:
            raise Open311Error(400, _("address_id %(id)s was not found.") % {"id": address_id[:32]})
        lat, lon = building.centroid_lat, building.centroid_lon
    if not lat or not lon:
        raise Open311Error(400, _("lat and long (or the address_id of a building) are required: address_string alone cannot be located."))
    media_url = _param(request, "media_url")
    if media_url and (len(media_url) > MAX_MEDIA_URL or not re.match(r"^https?://[^\s]+$", media_url, re.IGNORECASE)):
        raise Open311Error(400, _("media_url must be an http or https URL of at most %(n)d characters.") % {"n": MAX_MEDIA_URL})
    idem_key = None
    client_key = request.headers.get("Idempotency-Key", "").strip()
    if client_key:
        if len(client_key) > MAX_IDEMPOTENCY_KEY:
            raise Open311Error(400, _("The Idempotency-Key header is too long (at most %(n)d characters).") % {"n": MAX_IDEMPOTENCY_KEY})
        # Per api_key, so that two clients' keys never meet.
        idem_key = "open311:" + hashlib.sha256(f"{key.pk}:{client_key}".encode()).hexdigest()[:48]
    with transaction.atomic():
        case, created = services.intake(
            district, category=category, lon=lon, lat=lat, description=_param(request, "description"), source="open311",
            reporter_name=_reporter_name(_param(request, "first_name"), _param(request, "last_name")),
            reporter_phone=_param(request, "phone"), address=_param(request, "address_string"), idem_key=idem_key,
        )
        if created:
            data = {"open311_key": key.prefix, **({"media_url": media_url} if media_url else {})}
            Transition.objects.filter(case=case, action="report").update(data=data, actor_name=f"Open311 {key.name or key.prefix}"[:64])
    answer = [{"service_request_id": case.number, "service_notice": case.category.closing_conditions, "account_id": None}]
    return render(fmt, answer, "service_requests", "request", status=201 if created else 200)
