"""Case operations: intake (located, numbered, idempotent), transitions through the state machine
with optimistic locking, deadlines on the district calendar, and the worker's tick."""
import datetime as dt
import hashlib
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy import geo
from gridgov.hierarchy.models import Node
from gridgov.people import scoping

from . import permissions as perms
from .calendar import WORKING_DAYS, WorkCalendar
from .models import Assignment, CalendarDay, Case, CaseCounter, Category, Department, Evaluation, Transition
from .signals import case_changed
from .workflow import ACTIONS, ACTIVE_STATES, allowed

MAX_DESCRIPTION = 2000
DUPLICATE_RADIUS_M = 50
REOPEN_DAYS = 7


class CaseError(ValueError):
    """A request the case rules refuse; the message is for the user."""

    code = "invalid"


class Conflict(CaseError):
    """Someone else changed the case first."""

    code = "conflict"


class NotAllowed(CaseError):
    code = "forbidden"


# ---------------------------------------------------------------- calendar

_calendars = {}


CALENDAR_TTL = 60.0  # seconds: another process's edit of the calendar reaches this one within a minute


def calendar_for(district):
    """The district's working-time calendar (cached per process for a minute; forget_calendar drops it)."""
    import time

    cal = _calendars.get(district.pk)
    if cal is None or time.monotonic() - cal.loaded_at > CALENDAR_TTL:
        days = CalendarDay.objects.filter(district=district).values_list("day", "kind")
        cal = WorkCalendar(
            tz=ZoneInfo(district.timezone),
            periods=tuple(tuple(p) for p in district.settings.get("working_periods", [])) or WorkCalendar.periods,
            holidays=frozenset(d for d, k in days if k == "holiday"),
            workdays=frozenset(d for d, k in days if k == "workday"),
        )
        cal.loaded_at = time.monotonic()
        _calendars[district.pk] = cal
    return cal


def forget_calendar(district_id=None):
    if district_id is None:
        _calendars.clear()
    else:
        _calendars.pop(district_id, None)


def set_calendar_days(district, days):
    """Replace calendar exceptions for the given dates: days = [(date, 'holiday'|'workday', name)]."""
    with transaction.atomic():
        CalendarDay.objects.filter(district=district, day__in=[d for d, _k, _n in days]).delete()
        CalendarDay.objects.bulk_create([CalendarDay(district=district, day=d, kind=k, name=n) for d, k, n in days])
    forget_calendar(district.pk)


def _limit(case_or_category, stage):
    category = case_or_category.category if isinstance(case_or_category, Case) else case_or_category
    return float(getattr(category, f"{stage}_limit")), getattr(category, f"{stage}_unit")


def deadline_for(district, start, value, unit):
    return calendar_for(district).add(start, value, unit)


# ---------------------------------------------------------------- intake

def _idem_key(district, source, reporter_key, category, lon, lat, description):
    raw = "|".join([district.code, source, str(reporter_key), category.code, f"{lon:.6f}", f"{lat:.6f}", description.strip()])
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _next_number(district, when):
    day = timezone.localtime(when, ZoneInfo(district.timezone)).date()
    counter, _ = CaseCounter.objects.get_or_create(district=district, day=day)
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    serial = CaseCounter.objects.values_list("last", flat=True).get(pk=counter.pk)
    return f"{district.code}{day:%Y%m%d}{serial:05d}"


def _validate_point(lon, lat):
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise CaseError(_("The position must be a longitude and a latitude in degrees."))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or math.isnan(lon) or math.isnan(lat):
        raise CaseError(_("The position must be a longitude and a latitude in degrees."))
    return lon, lat


def intake(district, *, category, lon, lat, description, source, user=None, reporter=None, reporter_name="",
           reporter_phone="", address="", idem_key=None, at=None):
    """Create a case, or return the one an identical earlier submission created.

    Returns (case, created). The case is located to its grid, numbered and given its
    registering deadline in one transaction; a re-sent submission never makes a second case."""
    description = (description or "").strip()
    if not description:
        raise CaseError(_("Please describe the problem."))
    if len(description) > MAX_DESCRIPTION:
        raise CaseError(_("The description is too long (at most %(n)d characters).") % {"n": MAX_DESCRIPTION})
    if len(address) > 200 or len(reporter_name) > 64 or len(reporter_phone) > 20:
        raise CaseError(_("The address, name or phone is too long."))
    if any("\x00" in (text or "") for text in (description, address, reporter_name, reporter_phone)):
        # PostgreSQL refuses NUL in a text column (a 500 for the API); SQLite would store it.
        raise CaseError(_("Null characters are not allowed."))
    if isinstance(category, str):
        category = Category.objects.filter(district=district, code=category, active=True).first()
        if category is None:
            raise CaseError(_("Unknown category."))
    if category.district_id != district.pk or category.parent_id is None or not category.active:
        raise CaseError(_("Choose a subclass of a category of this district."))
    if source not in dict(Case.SOURCES):
        raise CaseError(_("Unknown source."))
    lon, lat = _validate_point(lon, lat)
    where = geo.locate(district, lon, lat)
    if where is None:
        raise CaseError(_("The position is outside the grids of %(district)s.") % {"district": district.name})
    at = at or timezone.now()
    reporter_key = reporter.pk if reporter else (user.pk if user else reporter_phone or reporter_name)
    key = (idem_key or "").strip()[:64] or _idem_key(district, source, reporter_key, category, lon, lat, description)
    existing = Case.objects.filter(district=district, idem_key=key).first()
    if existing:
        return existing, False
    value, unit = _limit(category, "register")
    try:
        with transaction.atomic():
            case = Case.objects.create(
                district=district, number=_next_number(district, at), idem_key=key, category=category, source=source,
                grid_id=where.grid_id, node_path=where.grid_path, building_id=where.building_id, lon=lon, lat=lat,
                address=address, description=description, reporter=reporter, reporter_name=reporter_name,
                reporter_phone=reporter_phone, created_by=user if getattr(user, "is_authenticated", False) else None,
                department=category.department, reported_at=at, deadline=deadline_for(district, at, value, unit),
            )
            _record(case, "report", "", "reported", user, at, "")
    except IntegrityError:
        # Two identical submissions raced; the other one committed first.
        existing = Case.objects.filter(district=district, idem_key=key).first()
        if existing is None:
            raise
        return existing, False
    return case, True


def possible_duplicates(case, radius_m=DUPLICATE_RADIUS_M, limit=10):
    """Open cases of the same class within `radius_m` metres (a suggestion for the dispatcher)."""
    dlat = radius_m / 111_320
    dlon = dlat / max(0.01, math.cos(math.radians(case.lat)))
    near = (
        Case.objects.filter(district_id=case.district_id, state__in=ACTIVE_STATES, category__parent_id=case.category.parent_id,
                            lon__range=(case.lon - dlon, case.lon + dlon), lat__range=(case.lat - dlat, case.lat + dlat))
        .exclude(pk=case.pk).select_related("category")
    )
    found = [(distance_m(case.lon, case.lat, c.lon, c.lat), c) for c in near]
    return [c for d, c in sorted(found, key=lambda x: x[0]) if d <= radius_m][:limit]


def distance_m(lon1, lat1, lon2, lat2):
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# ---------------------------------------------------------------- transitions

def _record(case, action, from_state, to_state, user, at, comment, data=None, actor_name=""):
    if not actor_name:
        person = perms.person_of(user) if user is not None else None
        actor_name = person.name if person else (getattr(user, "username", "") or _("System"))
    return Transition.objects.create(
        case=case, district_id=case.district_id, action=action, from_state=from_state, to_state=to_state,
        actor=user if getattr(user, "is_authenticated", False) else None, actor_name=actor_name, at=at,
        comment=comment, data=data or {},
    )


def transition(case, action, user, comment="", at=None, **params):
    """Take `action` on `case` as `user`. Exactly one of two concurrent transitions wins:
    the update is conditional on the version read, and the loser gets Conflict."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise CaseError(_("Unknown action."))
    if len(comment) > MAX_DESCRIPTION:
        raise CaseError(_("The comment is too long (at most %(n)d characters).") % {"n": MAX_DESCRIPTION})
    if "\x00" in comment:
        raise CaseError(_("Null characters are not allowed."))
    at = at or timezone.now()
    try:
        with transaction.atomic():
            case = Case.objects.select_related("category", "district", "grid").get(pk=case.pk)
            if case.state not in spec.sources:
                raise CaseError(_("A case that is “%(state)s” cannot be “%(action)s”.") % {"state": case.get_state_display(), "action": spec.label})
            if not allowed(user, case, action):
                raise NotAllowed(_("You may not “%(action)s” this case.") % {"action": spec.label})
            before, version = case.state, case.version
            changes, data = _apply(case, action, at, params, user)
            target = spec.target or before
            changes.update(state=target, version=version + 1)
            if changes.get("deadline", case.deadline) != case.deadline:
                changes.update(warned_at=None, overdue_at=None)
            updated = Case.objects.filter(pk=case.pk, version=version).update(**changes)
            if updated != 1:
                raise Conflict(_("Someone else changed this case just now. Reload it and try again."))
            _record(case, action, before, target, user, at, comment, data)
            for key, value in changes.items():
                setattr(case, key, value)
            case_changed.send(sender=Case, case=case)
    except IntegrityError:
        # Two transitions of one case passed the version read at the same moment and collided on its
        # assignments' unique key (dispatch, summon, reopen) before the version check: the other won.
        raise Conflict(_("Someone else changed this case just now. Reload it and try again."))
    return case


def _apply(case, action, at, params, user):
    """The field changes of `action` (besides state and version) and the data to record."""
    district = case.district
    changes, data = {}, {}
    if action == "register":
        value, unit = _limit(case, "dispatch")
        changes.update(registered_at=at, deadline=deadline_for(district, at, value, unit))
    elif action == "void":
        reason = params.get("reason")
        if reason not in ("invalid", "duplicate"):
            raise CaseError(_("Say why the case is void: invalid or duplicate."))
        data["reason"] = reason
        if reason == "duplicate":
            dup = params.get("duplicate_of")
            if not dup or not Case.objects.filter(district=district, number=dup).exists():
                raise CaseError(_("Give the number of the case this one duplicates."))
            data["duplicate_of"] = dup
        changes.update(deadline=None)
    elif action in ("dispatch", "summon"):
        departments = params.get("departments") or ([params["department"]] if params.get("department") else [])
        if not departments and action == "dispatch" and case.department_id:
            departments = [case.department]
        departments = [d if isinstance(d, Department) else Department.objects.filter(district=district, pk=d).first() for d in departments]
        if not departments or any(d is None or d.district_id != district.pk for d in departments):
            raise CaseError(_("Choose the department(s) of this district that must handle the case."))
        if action == "summon" and (len(departments) < 2 or perms.LEVEL_ORDER.index(case.level) < 2):
            raise CaseError(_("Joint handling needs at least two departments and is summoned by the subdistrict or the district."))
        Assignment.objects.filter(case=case).delete()
        Assignment.objects.bulk_create([Assignment(case=case, department=d, lead=(i == 0)) for i, d in enumerate(departments)])
        value, unit = _limit(case, "handle")
        handle_deadline = deadline_for(district, at, value, unit)
        changes.update(department=departments[0], joint=len(departments) > 1, dispatched_at=at,
                       handle_deadline=handle_deadline, deadline=handle_deadline)
        data["departments"] = [d.name for d in departments]
    elif action == "accept":
        pass
    elif action == "return_to_dispatcher":
        Assignment.objects.filter(case=case).delete()
        value, unit = _limit(case, "dispatch")
        changes.update(department=None, joint=False, deadline=deadline_for(district, at, value, unit), extension_requested=None)
    elif action == "request_extension":
        days = Decimal(str(params.get("days") or 0))
        if days <= 0 or days > 30:
            raise CaseError(_("Ask for between 1 and 30 working days."))
        if case.extension_requested:
            raise CaseError(_("An extension request is already waiting."))
        changes.update(extension_requested=days)
        data["days"] = float(days)
    elif action in ("approve_extension", "deny_extension"):
        if not case.extension_requested:
            raise CaseError(_("There is no extension request to decide."))
        if action == "approve_extension":
            new = deadline_for(district, case.handle_deadline or at, float(case.extension_requested), WORKING_DAYS)
            changes.update(handle_deadline=new, deadline=new, extended=True)
            data["days"] = float(case.extension_requested)
        changes.update(extension_requested=None)
    elif action == "contribute":
        mine = [a for a in perms.handles_for(user, case, lead=False) if not a.done]
        Assignment.objects.filter(pk__in=[a.pk for a in mine]).update(done=True)
        data["departments"] = [a.department.name for a in mine]
    elif action == "handle":
        waiting = Assignment.objects.filter(case=case, lead=False, done=False).select_related("department")
        if waiting:
            raise CaseError(_("Waiting for the joint departments: %(names)s.") % {"names": "、".join(a.department.name for a in waiting)})
        Assignment.objects.filter(case=case, lead=True).update(done=True)
        changes.update(handled_at=at, deadline=deadline_for(district, at, 1, WORKING_DAYS))
    elif action == "verify":
        changes.update(deadline=deadline_for(district, at, 1, WORKING_DAYS))
    elif action == "rework":
        Assignment.objects.filter(case=case, lead=True).update(done=False)
        value, unit = _limit(case, "handle")
        changes.update(rework_count=case.rework_count + 1, handled_at=None, deadline=deadline_for(district, at, value, unit))
    elif action == "close":
        on_time = case.handled_at is not None and (case.handle_deadline is None or case.handled_at <= case.handle_deadline)
        changes.update(closed_at=at, closed_on_time=on_time, deadline=None)
    elif action == "evaluate":
        rating = params.get("rating")
        if rating not in dict(Evaluation.RATINGS):
            raise CaseError(_("Rate the result: satisfied, basically satisfied or unsatisfied."))
        Evaluation.objects.create(case=case, rating=rating, comment=params.get("rating_comment", ""), at=at)
        data["rating"] = rating
    elif action == "reopen":
        last = case.evaluations.order_by("-at").first()
        if last is None or last.rating != "unsatisfied":
            raise CaseError(_("Only a case rated unsatisfied can be reopened."))
        if at - last.at > dt.timedelta(days=int(district.settings.get("reopen_days", REOPEN_DAYS))):
            raise CaseError(_("The time to reopen this case has passed."))
        Assignment.objects.filter(case=case).delete()
        value, unit = _limit(case, "dispatch")
        changes.update(closed_at=None, closed_on_time=None, handled_at=None, department=case.category.department,
                       joint=False, deadline=deadline_for(district, at, value, unit), rework_count=case.rework_count + 1)
    elif action == "fix_on_spot":
        # 随手做: the reporter fixed it while on patrol; it counts as handled on time.
        changes.update(registered_at=at, handled_at=at, closed_at=at, closed_on_time=True, deadline=None)
    elif action == "escalate":
        changes.update(**_escalation(case, at))
        data["level"] = changes["level"]
    return changes, data


def _escalation(case, at):
    order = perms.LEVEL_ORDER
    if case.level == order[-1]:
        raise CaseError(_("The case is already at the district level."))
    value, unit = _limit(case, "dispatch")
    return {"level": order[order.index(case.level) + 1], "escalations": case.escalations + 1,
            "deadline": deadline_for(case.district, at, value, unit)}


# ---------------------------------------------------------------- the worker's tick

WARN_BEFORE = dt.timedelta(hours=2)


def tick(now=None, batch=500):
    """Warn about deadlines near, mark overdue and escalate per district rules.

    Works from the deadline column alone, so after the worker was down it catches up on
    everything that fell due meanwhile. Each case is claimed with a conditional UPDATE, so
    several workers (or a worker and a person) never act twice on the same case."""
    now = now or timezone.now()
    counts = {"warned": 0, "overdue": 0, "escalated": 0}
    warn = Case.objects.filter(state__in=ACTIVE_STATES, warned_at__isnull=True, overdue_at__isnull=True,
                               deadline__lte=now + WARN_BEFORE, deadline__gt=now).values_list("pk", "version")[:batch]
    for pk, version in warn:
        with transaction.atomic():
            if Case.objects.filter(pk=pk, version=version, warned_at__isnull=True).update(warned_at=now, version=version + 1):
                case = Case.objects.get(pk=pk)
                _record(case, "warn", case.state, case.state, None, now, "", {"deadline": case.deadline.isoformat()})
                counts["warned"] += 1
    seen = set()
    while True:
        due = list(Case.objects.filter(state__in=ACTIVE_STATES, overdue_at__isnull=True, deadline__lte=now)
                   .exclude(pk__in=seen).select_related("district", "category").order_by("deadline")[:batch])
        if not due:
            break
        for case in due:
            seen.add(case.pk)
            with transaction.atomic():
                changes = {"overdue_at": now, "was_overdue": True, "version": case.version + 1}
                escalate = case.district.settings.get("escalate_overdue", True) and case.level != perms.LEVEL_ORDER[-1]
                if escalate:
                    changes.update(_escalation(case, max(now, case.deadline)))
                    # The new level gets a fresh deadline; being overdue is remembered in was_overdue.
                    changes["overdue_at"] = None if changes["deadline"] > now else now
                if not Case.objects.filter(pk=case.pk, version=case.version).update(**changes):
                    continue
                _record(case, "overdue", case.state, case.state, None, now, "", {"deadline": case.deadline.isoformat()})
                for key, value in changes.items():
                    setattr(case, key, value)
                case_changed.send(sender=Case, case=case)
                counts["overdue"] += 1
                if escalate:
                    _record(case, "auto_escalate", case.state, case.state, None, now, "", {"level": changes["level"]})
                    counts["escalated"] += 1
    return counts


# ---------------------------------------------------------------- reading

def scoped_cases(user):
    """Cases the user may see: their subtrees' cases, those assigned to their departments, and the
    ones they reported or entered themselves."""
    qs = scoping.scope(Case.objects.all(), user, "node_path")
    departments = perms.department_ids(user)
    if departments:
        # Not a join: a subquery keeps one row per case without DISTINCT.
        assigned = Assignment.objects.filter(department_id__in=departments).values("case_id")
        qs = qs | Case.objects.filter(pk__in=assigned)
    if getattr(user, "is_authenticated", False) and not user.is_superuser:
        # A resident's or a desk worker's own case may lie outside their posts' subtrees
        # (reported on the street, or taken at the 百通岗 desk), yet they follow and evaluate it.
        own = Q(created_by_id=user.pk)
        person = perms.person_of(user)
        if person is not None:
            own |= Q(reporter_id=person.pk)
        qs = qs | Case.objects.filter(own)
    return qs


# ---------------------------------------------------------------- patrols 每日巡、经常访、及时记、随手做、实时报

def start_patrol(user, lon, lat, at=None):
    """Check in for a patrol at a position inside one of the user's grids."""
    person = perms.person_of(user)
    if person is None:
        raise CaseError(_("Only staff with a person record can patrol."))
    lon, lat = _validate_point(lon, lat)
    where = geo.locate(person.district, lon, lat)
    if where is None or not perms.can_report(user, Node(path=where.grid_path)):
        raise CaseError(_("The position is not in a grid you patrol."))
    at = at or timezone.now()
    from .models import Patrol

    return Patrol.objects.create(district=person.district, person=person, grid_id=where.grid_id, node_path=where.grid_path,
                                 day=timezone.localtime(at).date(), started_at=at, track=[[lon, lat, int(at.timestamp())]])


def add_track_points(patrol, points):
    """Append [lon, lat, unix seconds] points to the patrol's GPS track."""
    clean = []
    for point in points:
        lon, lat = _validate_point(point[0], point[1])
        clean.append([lon, lat, int(point[2])])
    patrol.track = list(patrol.track) + clean
    patrol.save(update_fields=["track"])
    return patrol


def finish_patrol(patrol, visits=0, notes="", at=None):
    if patrol.ended_at:
        raise CaseError(_("This patrol has already ended."))
    if not 0 <= int(visits) <= 500 or len(notes) > MAX_DESCRIPTION:
        raise CaseError(_("Check the number of household visits and the length of the notes."))
    patrol.ended_at = at or timezone.now()
    patrol.visits, patrol.notes = int(visits), notes
    patrol.save(update_fields=["ended_at", "visits", "notes"])
    return patrol


def fixed_on_the_spot(user, **intake_args):
    """随手做: a problem the patrolling worker fixed at once — a case created and closed."""
    with transaction.atomic():  # a refused fix leaves no half-made case behind
        case, created = intake(user=user, source="patrol", **intake_args)
        if created:
            case = transition(case, "fix_on_spot", user, comment=_("Fixed on the spot during patrol."))
    return case


def grid_for(district, lon, lat):
    where = geo.locate(district, lon, lat)
    return Node.objects.get(pk=where.grid_id) if where else None


# ---------------------------------------------------------------- set-up of a district

def seed_categories(district):
    """Create the standard departments and category tree for a district (skips what exists)."""
    from .categories import DEPARTMENTS, TREE, UNIT

    root = district.root
    existing = {d.code: d for d in Department.objects.filter(district=district)}
    new = [Department(district=district, code=c, name=n, node=root) for c, n in DEPARTMENTS.items() if c not in existing]
    Department.objects.bulk_create(new)
    departments = {d.code: d for d in Department.objects.filter(district=district)}
    have = set(Category.objects.filter(district=district).values_list("code", flat=True))
    for kind, class_code, class_name, subs in TREE:
        parent = Category.objects.filter(district=district, code=class_code).first()
        if parent is None:
            parent = Category.objects.create(district=district, kind=kind, code=class_code, name=class_name)
        rows = []
        for i, (name, dept, limits, closing) in enumerate(subs, start=1):
            code = f"{class_code}{i:02d}"
            if code in have:
                continue
            (rv, ru), (dv, du), (hv, hu) = limits
            rows.append(Category(district=district, kind=kind, code=code, name=name, parent=parent, department=departments[dept],
                                 register_limit=rv, register_unit=UNIT[ru], dispatch_limit=dv, dispatch_unit=UNIT[du],
                                 handle_limit=hv, handle_unit=UNIT[hu], closing_conditions=closing))
        Category.objects.bulk_create(rows)


def seed_holidays(district, years=None):
    from .holidays import HOLIDAYS

    days = [row for year, rows in HOLIDAYS.items() if years is None or year in years for row in rows]
    set_calendar_days(district, days)
