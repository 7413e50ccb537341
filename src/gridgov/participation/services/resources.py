"""The three lists and booking: who may publish resources and raise needs, match suggestions, needs
becoming projects, the per-subdistrict report, and bookings held slot by slot (the database refuses a double booking)."""
import datetime as dt
import math
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import CELL_KINDS, Node
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping

from ..errors import Conflict, NotAllowed, ParticipationError
from ..models import BlockedPeriod, Booking, BookingSlot, Need, Project, Resource
from ..models.resources import RESOURCE_KINDS

KIND_LABELS = dict(RESOURCE_KINDS)
STEP = Node.steplen
# Where resources, needs and projects may be placed.
RESOURCE_LEVELS = ("district", "subdistrict", "community", *CELL_KINDS)
NEED_LEVELS = ("community", *CELL_KINDS)
MAX_OCCURRENCES = 52
BOOKING_HORIZON_DAYS = 366
# Availability of a resource for a need is judged over at most this many days of the wanted period.
AVAILABILITY_DAYS = 92


# ---------------------------------------------------------------- who sees, who may act

def _posts(user):
    return scoping.active_posts(user)


def visible_resources(user):
    """Active and inactive resources the user may read.

    Shared resources are published for their whole subdistrict: besides the subtrees of the
    user's posts (the scoping rule), a user sees every resource in the subdistrict of each post
    and those placed at the district node above. Residents (no VIEW) book through this list too."""
    qs = Resource.objects.all()
    if getattr(user, "is_superuser", False) and user.is_active:
        return qs
    posts = _posts(user)
    if not posts:
        return qs.none()
    q = Q(pk__in=scoping.scope(Resource.objects.all(), user, "node_path").values("pk"))
    for post in posts:
        path = post.node.path
        q |= Q(district_id=post.district_id, node_path=path[:STEP])
        q |= subtree_q(path[: 2 * STEP] if len(path) >= 2 * STEP else path, "node_path") & Q(district_id=post.district_id)
    return qs.filter(q)


def can_manage_resource(user, node, partner_unit=None):
    """EDIT at the node; or, for a partner unit's resource, the partner-unit contact whose post is at
    that node or above it (the unit's liaison with the community publishes what the unit shares)."""
    if scoping.can(user, roles.EDIT, node):
        return True
    if partner_unit is None:
        return False
    return any(p.role == "partner_unit_contact" and node.path.startswith(p.node.path) for p in _posts(user))


def can_raise_need(user, node):
    """EDIT at the node, or a grid chief for a grid of their own."""
    if scoping.can(user, roles.EDIT, node):
        return True
    return any(p.role == "grid_chief" and node.path.startswith(p.node.path) for p in _posts(user))


def needs(user):
    return scoping.scope(Need.objects.all(), user, "node_path", roles.VIEW)


def projects(user):
    return scoping.scope(Project.objects.all(), user, "node_path", roles.VIEW)


def bookings(user):
    """Bookings the user may read: their own, those in their VIEW area, those of resources they manage."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Booking.objects.all()
    mine = Q(requested_by_id=user.pk)
    area = Q(pk__in=scoping.scope(Booking.objects.all(), user, "node_path", roles.VIEW).values("pk"))
    managed = Q()
    for post in _posts(user):
        if post.role == "partner_unit_contact":
            managed |= subtree_q(post.node.path, "node_path") & Q(resource__partner_unit__isnull=False)
    return Booking.objects.filter(mine | area | managed) if managed else Booking.objects.filter(mine | area)


def _check_node(district, node, levels):
    if node.district_id != district.pk:
        raise ParticipationError(_("The place belongs to another district."))
    if node.kind not in levels:
        raise ParticipationError(_("This cannot be placed at a %(level)s.") % {"level": node.kind_label})


# ---------------------------------------------------------------- resources

HOURS_FORMAT = "%H:%M"


def parse_opening_hours(value):
    """{"0": ["08:30", "17:30"], …} checked: weekday 0–6, opening before closing."""
    if not value:
        return {}
    if not isinstance(value, dict):
        raise ParticipationError(_("Opening hours must be given per weekday."))
    hours = {}
    for day, span in value.items():
        if str(day) not in {str(i) for i in range(7)} or not isinstance(span, (list, tuple)) or len(span) != 2:
            raise ParticipationError(_("Opening hours must be given per weekday."))
        try:
            opens, closes = (dt.datetime.strptime(s, HOURS_FORMAT).time() for s in span)
        except (TypeError, ValueError):
            raise ParticipationError(_("Opening hours must look like 08:30.")) from None
        if opens >= closes:
            raise ParticipationError(_("A day's opening time must come before its closing time."))
        hours[str(day)] = [opens.strftime(HOURS_FORMAT), closes.strftime(HOURS_FORMAT)]
    return hours


def _check_resource(resource):
    if not (resource.name or "").strip():
        raise ParticipationError(_("A resource needs a name."))
    if resource.kind not in KIND_LABELS:
        raise ParticipationError(_("Unknown kind of resource."))
    if resource.partner_unit_id and resource.partner_unit.district_id != resource.district_id:
        raise ParticipationError(_("The partner unit belongs to another district."))
    resource.opening_hours = parse_opening_hours(resource.opening_hours)
    if resource.bookable:
        if not resource.slot_minutes or resource.slot_minutes < 15 or 1440 % resource.slot_minutes:
            raise ParticipationError(_("The slot must be at least 15 minutes and divide a day evenly."))
        if not 1 <= resource.min_slots <= resource.max_slots:
            raise ParticipationError(_("The minimum number of slots must be between 1 and the maximum."))
        if not resource.opening_hours:
            raise ParticipationError(_("A bookable resource needs opening hours."))
    if (resource.lon is None) != (resource.lat is None):
        raise ParticipationError(_("Give both longitude and latitude, or neither."))


def publish_resource(user, node, kind, name, *, partner_unit=None, **fields):
    if not can_manage_resource(user, node, partner_unit):
        raise NotAllowed(_("You may not publish resources here."))
    _check_node(node.district, node, RESOURCE_LEVELS)
    resource = Resource(district_id=node.district_id, node=node, node_path=node.path, kind=kind, name=name.strip(),
                        partner_unit=partner_unit, **fields)
    if resource.lon is None and resource.lat is None:
        resource.lon, resource.lat = node.centroid_lon, node.centroid_lat
    _check_resource(resource)
    resource.save()
    return resource


EDITABLE = ("name", "description", "kind", "capacity", "lon", "lat", "bookable", "slot_minutes", "min_slots", "max_slots",
            "opening_hours", "needs_confirmation", "active")


def update_resource(user, resource, **fields):
    if not can_manage_resource(user, resource.node, resource.partner_unit):
        raise NotAllowed(_("You may not change this resource."))
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ParticipationError(_("This field cannot be changed."))
        setattr(resource, name, value)
    _check_resource(resource)
    resource.save()
    return resource


def deactivate_resource(user, resource):
    """Withdraws the resource from sharing; its future bookings stay for the owner to cancel."""
    return update_resource(user, resource, active=False)


def add_blocked_period(user, resource, start, end, reason):
    if not can_manage_resource(user, resource.node, resource.partner_unit):
        raise NotAllowed(_("You may not change this resource."))
    if start >= end:
        raise ParticipationError(_("The end must come after the start."))
    if not (reason or "").strip():
        raise ParticipationError(_("Give a reason for the blocked period."))
    return BlockedPeriod.objects.create(resource=resource, start=start, end=end, reason=reason.strip())


def resource_list(user, kind="", node=None, bookable=None, q="", active=True):
    qs = visible_resources(user).select_related("node", "partner_unit")
    if kind:
        qs = qs.filter(kind=kind)
    if node is not None:
        qs = qs.filter(subtree_q(node.path, "node_path"))
    if bookable is not None:
        qs = qs.filter(bookable=bookable)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(partner_unit__name__icontains=q))
    if active is not None:
        qs = qs.filter(active=active)
    return qs


# ---------------------------------------------------------------- booking

def tz_of(resource):
    return ZoneInfo(resource.district.timezone or "Asia/Shanghai")


def _day_hours(resource, day):
    span = (resource.opening_hours or {}).get(str(day.weekday()))
    if not span:
        return None
    opens, closes = (dt.datetime.strptime(s, HOURS_FORMAT).time() for s in span)
    return opens, closes


def slot_starts(resource, start, end):
    step = dt.timedelta(minutes=resource.slot_minutes)
    out, t = [], start
    while t < end:
        out.append(t)
        t += step
    return out


def check_period(resource, start, end, attendees=None, now=None):
    """Raise ParticipationError when [start, end) cannot be booked on `resource` for a rule
    other than a clash; return the slot starts (aware datetimes) it would hold."""
    now = now or timezone.now()
    if not resource.active or not resource.bookable:
        raise ParticipationError(_("This resource cannot be booked."))
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ParticipationError(_("The time must include its time zone."))
    if start >= end:
        raise ParticipationError(_("The end must come after the start."))
    if start < now:
        raise ParticipationError(_("%(when)s has already passed.") % {"when": _fmt(resource, start)})
    tz = tz_of(resource)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if local_start.date() != local_end.date() and local_end.time() != dt.time(0):
        raise ParticipationError(_("A booking must start and end on the same day."))
    hours = _day_hours(resource, local_start.date())
    if hours is None:
        raise ParticipationError(_("The resource is closed on %(day)s.") % {"day": local_start.strftime("%Y-%m-%d")})
    opens, closes = hours
    open_at = dt.datetime.combine(local_start.date(), opens, tzinfo=tz)
    close_at = dt.datetime.combine(local_start.date(), closes, tzinfo=tz)
    if local_start < open_at or local_end > close_at:
        raise ParticipationError(_("%(when)s is outside the opening hours (%(opens)s–%(closes)s).") % {
            "when": _fmt(resource, start), "opens": opens.strftime(HOURS_FORMAT), "closes": closes.strftime(HOURS_FORMAT)})
    minutes = resource.slot_minutes
    offset = (local_start - open_at).total_seconds() / 60
    length = (end - start).total_seconds() / 60
    if offset % minutes or length % minutes:
        raise ParticipationError(_("Bookings run in whole slots of %(n)d minutes from the opening time.") % {"n": minutes})
    n = int(length // minutes)
    if n < resource.min_slots or n > resource.max_slots:
        raise ParticipationError(_("A booking takes between %(lo)d and %(hi)d slots of %(n)d minutes.") % {
            "lo": resource.min_slots, "hi": resource.max_slots, "n": minutes})
    if attendees is not None and resource.capacity is not None and attendees > resource.capacity:
        raise ParticipationError(_("%(n)d attendees exceed the capacity of %(cap)d.") % {"n": attendees, "cap": resource.capacity})
    blocked = BlockedPeriod.objects.filter(resource=resource, start__lt=end, end__gt=start).first()
    if blocked is not None:
        raise ParticipationError(_("%(when)s falls in a blocked period: %(reason)s.") % {"when": _fmt(resource, start), "reason": blocked.reason})
    return slot_starts(resource, start, end)


def _fmt(resource, moment):
    return moment.astimezone(tz_of(resource)).strftime("%Y-%m-%d %H:%M")


def occurrences(start, end, repeat="", count=1):
    """The (start, end) pairs of a series: `repeat` is "", "daily" or "weekly"."""
    if not repeat:
        return [(start, end)]
    if repeat not in ("daily", "weekly"):
        raise ParticipationError(_("A series repeats daily or weekly."))
    if not 1 <= count <= MAX_OCCURRENCES:
        raise ParticipationError(_("A series has between 1 and %(n)d occurrences.") % {"n": MAX_OCCURRENCES})
    step = dt.timedelta(days=1 if repeat == "daily" else 7)
    # Local wall-clock times are kept across a DST change by stepping in local time.
    return [(start + i * step, end + i * step) for i in range(count)]


def book(user, resource, start, end, purpose, *, attendees=None, requester_name="", repeat="", count=1, now=None):
    """Book [start, end) — or a daily/weekly series of `count` — and return the bookings.

    All or nothing: when any occurrence breaks a rule or clashes with a booking already made,
    nothing is written; a clash raises Conflict naming every date that clashed. The unique slot
    row per resource and start is what refuses the second of two simultaneous requests."""
    if not user.is_authenticated:
        raise NotAllowed(_("Log in to book."))
    if not visible_resources(user).filter(pk=resource.pk).exists():
        raise NotAllowed(_("This resource is not offered to you."))
    purpose = (purpose or "").strip()
    if not purpose:
        raise ParticipationError(_("Say what the booking is for."))
    if timezone.is_aware(start) and start - (now or timezone.now()) > dt.timedelta(days=BOOKING_HORIZON_DAYS):
        raise ParticipationError(_("Bookings can be made at most %(n)d days ahead.") % {"n": BOOKING_HORIZON_DAYS})
    tz = tz_of(resource)
    pairs = occurrences(start.astimezone(tz), end.astimezone(tz), repeat, count) if timezone.is_aware(start) and timezone.is_aware(end) \
        else occurrences(start, end, repeat, count)
    planned = [(s, e, check_period(resource, s, e, attendees, now)) for s, e in pairs]
    person = getattr(user, "person", None)
    name = (requester_name or "").strip() or (person.name if person else user.get_username())
    state = "requested" if resource.needs_confirmation else "confirmed"
    series = uuid.uuid4() if len(planned) > 1 else None
    made, clashes = [], []
    with transaction.atomic():
        for s, e, slots in planned:
            try:
                with transaction.atomic():  # a savepoint: a refused occurrence leaves no half-written booking
                    booking = Booking.objects.create(
                        district_id=resource.district_id, resource=resource, start=s, end=e, state=state, purpose=purpose[:255],
                        attendees=attendees, requested_by=user, requester_name=name[:128], series=series, node_path=resource.node_path)
                    BookingSlot.objects.bulk_create([BookingSlot(booking=booking, resource=resource, start=t) for t in slots])
                made.append(booking)
            except IntegrityError:
                clashes.append(s)
        if clashes:
            if len(planned) == 1:
                raise Conflict(_("This time slot is already booked."))
            raise Conflict(_("These dates are already booked, nothing was booked: %(dates)s.") % {
                "dates": "、".join(_fmt(resource, c) for c in clashes)})
    return made


def can_decide(user, booking):
    return can_manage_resource(user, booking.resource.node, booking.resource.partner_unit)


def _locked(booking):
    # Only the booking row is locked (the partner unit is the nullable side of an outer join).
    return Booking.objects.select_for_update(of=("self",)).select_related("resource", "resource__node", "resource__partner_unit").get(pk=booking.pk)


def confirm(user, booking):
    with transaction.atomic():
        booking = _locked(booking)
        if not can_decide(user, booking):
            raise NotAllowed(_("Only the resource's owner confirms bookings."))
        if booking.state != "requested":
            raise Conflict(_("This booking is no longer waiting for a decision."))
        booking.state, booking.decided_by = "confirmed", user
        booking.save(update_fields=["state", "decided_by"])
    return booking


def deny(user, booking, reason):
    with transaction.atomic():
        booking = _locked(booking)
        if not can_decide(user, booking):
            raise NotAllowed(_("Only the resource's owner confirms bookings."))
        if booking.state != "requested":
            raise Conflict(_("This booking is no longer waiting for a decision."))
        if not (reason or "").strip():
            raise ParticipationError(_("Give a reason for the refusal."))
        booking.state, booking.decided_by, booking.reason = "denied", user, reason.strip()[:255]
        booking.save(update_fields=["state", "decided_by", "reason"])
        BookingSlot.objects.filter(booking=booking).delete()  # the slots are free again
    return booking


def cancel(user, booking, reason=""):
    """The requester or the owner cancels a booking still held; its slots become free."""
    with transaction.atomic():
        booking = _locked(booking)
        if booking.requested_by_id != user.pk and not can_decide(user, booking):
            raise NotAllowed(_("Only the requester or the resource's owner may cancel this booking."))
        if booking.state not in Booking.HOLDING:
            raise Conflict(_("This booking is already closed."))
        booking.state, booking.reason = "cancelled", (reason or "").strip()[:255]
        if booking.requested_by_id != user.pk:
            booking.decided_by = user
        booking.save(update_fields=["state", "reason", "decided_by"])
        BookingSlot.objects.filter(booking=booking).delete()
    return booking


def week_grid(resource, monday, now=None):
    """The calendar of one week: (rows of (time label, [cell per day]), the days). A cell is None
    (closed), "free", "past" (free but gone), "blocked" or the booking holding the slot."""
    now = now or timezone.now()
    tz = tz_of(resource)
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start = dt.datetime.combine(days[0], dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=7)
    # Aware datetimes compare and hash by their UTC instant, whatever their tzinfo.
    held = {s.start: s.booking for s in BookingSlot.objects.filter(resource=resource, start__gte=start, start__lt=end).select_related("booking")}
    blocked = list(BlockedPeriod.objects.filter(resource=resource, start__lt=end, end__gt=start))
    hours = {d: _day_hours(resource, d) for d in days}
    spans = [h for h in hours.values() if h]
    if not spans:
        return [], days
    minute = lambda t: t.hour * 60 + t.minute  # noqa: E731
    first, last = min(minute(h[0]) for h in spans), max(minute(h[1]) for h in spans)
    step = resource.slot_minutes
    rows = []
    for m in range(first, last, step):
        cells = []
        for d in days:
            h = hours[d]
            if h is None or m < minute(h[0]) or m + step > minute(h[1]) or (m - minute(h[0])) % step:
                cells.append(None)
                continue
            moment = dt.datetime.combine(d, dt.time(m // 60, m % 60), tzinfo=tz)
            if moment in held:
                cells.append(held[moment])
            elif any(b.start < moment + dt.timedelta(minutes=step) and b.end > moment for b in blocked):
                cells.append("blocked")
            else:
                cells.append("free" if moment >= now else "past")
        rows.append((f"{m // 60:02d}:{m % 60:02d}", cells))
    return rows, days


def _ics_escape(text):
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _ics_fold(line):
    """RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF + space), never inside a UTF-8 character."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current, size = [], "", 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def _ics_time(moment):
    return moment.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def ics(resource, booking_list, host="gridgov", now=None):
    """The iCalendar text (RFC 5545) of the bookings held on `resource`: CRLF lines, UTC times."""
    stamp = _ics_time(now or timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//gridgov//participation booking//ZH", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_ics_escape(resource.name)}"]
    for b in booking_list:
        lines += [
            "BEGIN:VEVENT",
            f"UID:booking-{b.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_ics_time(b.start)}",
            f"DTEND:{_ics_time(b.end)}",
            f"SUMMARY:{_ics_escape(b.purpose)}",
            f"LOCATION:{_ics_escape(resource.name)}",
            f"STATUS:{'CONFIRMED' if b.state == 'confirmed' else 'TENTATIVE'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


# ---------------------------------------------------------------- needs, matching, projects

def raise_need(user, node, kind, title, *, detail="", wanted_from=None, wanted_until=None):
    if not can_raise_need(user, node):
        raise NotAllowed(_("You may not raise needs here."))
    _check_node(node.district, node, NEED_LEVELS)
    if kind not in KIND_LABELS:
        raise ParticipationError(_("Unknown kind of resource."))
    if not (title or "").strip():
        raise ParticipationError(_("A need needs a title."))
    if wanted_from and wanted_until and wanted_from > wanted_until:
        raise ParticipationError(_("The end must come after the start."))
    return Need.objects.create(district_id=node.district_id, node=node, node_path=node.path, kind=kind, title=title.strip(),
                               detail=detail, wanted_from=wanted_from, wanted_until=wanted_until, raised_by=user)


def distance_km(lon1, lat1, lon2, lat2):
    if None in (lon1, lat1, lon2, lat2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


@dataclass
class Suggestion:
    resource: Resource
    distance_km: float | None
    same_subdistrict: bool
    available: bool
    free_slots: int | None  # bookable resources: free slots in the wanted period


def free_slots(resource, day_from, day_until):
    """Open slots not held nor blocked between the two dates (inclusive), at most AVAILABILITY_DAYS."""
    tz = tz_of(resource)
    day_until = min(day_until, day_from + dt.timedelta(days=AVAILABILITY_DAYS - 1))
    start = dt.datetime.combine(day_from, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day_until + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    held = set(BookingSlot.objects.filter(resource=resource, start__gte=start, start__lt=end).values_list("start", flat=True))
    blocked = list(BlockedPeriod.objects.filter(resource=resource, start__lt=end, end__gt=start).values_list("start", "end"))
    step = dt.timedelta(minutes=resource.slot_minutes)
    n, day = 0, day_from
    while day <= day_until:
        hours = _day_hours(resource, day)
        if hours:
            t = dt.datetime.combine(day, hours[0], tzinfo=tz)
            close = dt.datetime.combine(day, hours[1], tzinfo=tz)
            while t + step <= close:
                if t not in held and not any(b0 < t + step and b1 > t for b0, b1 in blocked):
                    n += 1
                t += step
        day += dt.timedelta(days=1)
    return n


def suggest(user, need, limit=10, today=None):
    """Active resources of the wanted kind the user may see, the need's subdistrict first, then the
    available ones (bookable and with a free slot in the wanted period, or not booked by slots at all),
    then by distance from the need's place."""
    today = today or timezone.localdate()
    node = need.node
    sub_prefix = need.node_path[: 2 * STEP]
    candidates = list(visible_resources(user).filter(district_id=need.district_id, kind=need.kind, active=True)
                      .select_related("node", "partner_unit", "district"))
    day_from = max(need.wanted_from or today, today)
    day_until = need.wanted_until or day_from + dt.timedelta(days=30)
    if day_until < day_from:
        day_until = day_from + dt.timedelta(days=30)  # the wanted period has passed and the need is still open
    out = []
    for r in candidates:
        lon, lat = (r.lon, r.lat) if r.lon is not None else (r.node.centroid_lon, r.node.centroid_lat)
        dist = distance_km(lon, lat, node.centroid_lon, node.centroid_lat)
        slots = free_slots(r, day_from, day_until) if r.bookable else None
        available = slots > 0 if r.bookable else True
        out.append(Suggestion(r, dist, r.node_path.startswith(sub_prefix), available, slots))
    out.sort(key=lambda s: (not s.same_subdistrict, not s.available, s.distance_km if s.distance_km is not None else math.inf, s.resource.pk))
    return out[:limit]


def start_project(user, need, resources, title="", *, owner=None, start=None, end=None):
    """Match `need` with `resources`: a project at the need's place; the need becomes matched."""
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need.pk)
        if not scoping.can(user, roles.EDIT, need.node):
            raise NotAllowed(_("You may not start projects here."))
        if need.state not in ("open", "matched"):
            raise ParticipationError(_("This need is already met or closed."))
        resources = list(resources)
        if not resources:
            raise ParticipationError(_("Choose at least one resource."))
        if any(r.district_id != need.district_id or not r.active for r in resources):
            raise ParticipationError(_("Only active resources of this district can be matched."))
        if start and end and start > end:
            raise ParticipationError(_("The end must come after the start."))
        project = Project.objects.create(district_id=need.district_id, node_id=need.node_id, node_path=need.node_path, need=need,
                                         title=(title or need.title).strip()[:128], owner=owner, start=start, end=end,
                                         state="running" if start and start <= timezone.localdate() else "planned")
        project.resources.set(resources)
        project.partner_units.set({r.partner_unit_id for r in resources if r.partner_unit_id})
        need.state = "matched"
        need.save(update_fields=["state"])
    return project


def update_project(user, project, *, progress=None, state=None, result=None, end=None):
    """Progress and result; done → the need is met, cancelled with no other live project → open again."""
    with transaction.atomic():
        project = Project.objects.select_for_update(of=("self",)).select_related("node").get(pk=project.pk)
        if not scoping.can(user, roles.EDIT, project.node):
            raise NotAllowed(_("You may not change this project."))
        if project.state in ("done", "cancelled"):
            raise ParticipationError(_("This project is already finished."))
        if progress is not None:
            if not 0 <= progress <= 100:
                raise ParticipationError(_("Progress is a percentage between 0 and 100."))
            project.progress = progress
        if result is not None:
            project.result = result
        if end is not None:
            project.end = end
        if state is not None:
            if state not in dict(Project.STATES):
                raise ParticipationError(_("Unknown state."))
            if state == "done":
                if not (project.result or "").strip():
                    raise ParticipationError(_("Record the result before closing the project."))
                project.progress = 100
                project.end = project.end or timezone.localdate()
            project.state = state
        project.save()
        if project.need_id and project.state in ("done", "cancelled"):
            need = Need.objects.select_for_update().get(pk=project.need_id)
            if project.state == "done":
                need.state = "met"
            elif not need.projects.exclude(pk=project.pk).exclude(state="cancelled").exists() and need.state == "matched":
                need.state = "open"
            need.save(update_fields=["state"])
    return project


def close_need(user, need):
    if not scoping.can(user, roles.EDIT, need.node):
        raise NotAllowed(_("You may not change this need."))
    if need.state == "met":
        raise ParticipationError(_("This need is already met or closed."))
    need.state = "closed"
    need.save(update_fields=["state"])
    return need


# ---------------------------------------------------------------- the per-subdistrict report

REPORT_KINDS = ("meeting_room", "venue", "counselling_room", "publicity", "skill", "funds")


def subdistrict_report(user, year=None):
    """One row per subdistrict the user may read (per own area below that level): resources shared by
    kind and the partner units sharing them, needs raised and met, projects running and done (in `year` when given)."""
    subs = list(scoping.scoped_nodes(user, roles.VIEW).filter(kind="subdistrict").order_by("path"))
    if not subs:
        # Below the subdistricts (a community secretary, a grid chief): one row per area of their posts.
        paths = scoping.visible_paths(user, roles.VIEW) or []
        subs = list(Node.objects.filter(path__in=paths).order_by("path"))
    res = scoping.scope(Resource.objects.filter(active=True), user, "node_path", roles.VIEW)
    nd = needs(user)
    pj = projects(user)
    if year:
        nd = nd.filter(raised_at__year=year)
        pj = pj.filter(Q(start__year=year) | Q(end__year=year))
    rows = []
    for sub in subs:
        in_sub = subtree_q(sub.path, "node_path")
        r = res.filter(in_sub)
        by_kind = dict(r.order_by().values_list("kind").annotate(n=Count("id")))
        units = dict(r.filter(partner_unit__isnull=False).order_by().values_list("kind").annotate(n=Count("partner_unit", distinct=True)))
        n = nd.filter(in_sub).aggregate(raised=Count("id"), met=Count("id", filter=Q(state="met")))
        p = pj.filter(in_sub).aggregate(running=Count("id", filter=Q(state__in=["planned", "running"])), done=Count("id", filter=Q(state="done")))
        rows.append({
            "node": sub,
            "resources": {k: by_kind.get(k, 0) for k in REPORT_KINDS},
            "units": {k: units.get(k, 0) for k in REPORT_KINDS},
            "units_sharing": r.filter(partner_unit__isnull=False).values("partner_unit").distinct().count(),
            "needs_raised": n["raised"], "needs_met": n["met"],
            "projects_running": p["running"], "projects_done": p["done"],
        })
    return rows
