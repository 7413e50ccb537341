"""Assessment services: the alert rules of each district and their evaluation (idempotent through
Alert.key), the inbox actions (acknowledge, close) and the talks (约谈) recorded after an alert."""
import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import District, Node
from gridgov.people import roles, scoping

from ..errors import AssessmentError, NotAllowed
from ..models import Alert, AlertRule, Grade, GradeBand, ListItem, Scheme, Talk

# Parameters a new district starts with; the district edits them in the admin (CONFIGURE).
DEFAULT_PARAMS = {
    "index_drop": {"points": 10},
    "lowest_twice": {},
    "overdue_cluster": {"cases": 3, "days": 30},
    "rectification_overdue": {},
    "member_inactive": {"months": 6},
}
EVERY = dt.timedelta(hours=1)
LAST_RUN = "alerts_evaluated_at"  # in District.settings
# Points-ledger sources that are not activity: the yearly base and the deduction for absence.
NOT_ACTIVITY = ("base", "absence")


def seed_default_rules(district):
    """Create the district's missing rules with the default parameters; returns the rules."""
    for kind, params in DEFAULT_PARAMS.items():
        AlertRule.objects.get_or_create(district=district, kind=kind, defaults={"params": dict(params)})
    return list(AlertRule.objects.filter(district=district))


def _param(rule, name):
    value = (rule.params or {}).get(name, DEFAULT_PARAMS[rule.kind].get(name))
    try:
        return float(value)
    except (TypeError, ValueError):
        return float(DEFAULT_PARAMS[rule.kind][name])


def _month(day):
    return day.replace(day=1)


def _previous_month(month):
    return (month - dt.timedelta(days=1)).replace(day=1)


# ---------------------------------------------------------------- the rules
# Each yields candidates: dict(subject, label, node_id, node_path, message, period).


def _latest_grades(district, today):
    scheme = Scheme.objects.filter(district=district, active=True).order_by("pk").first()
    if scheme is None:
        return None, None
    month = Grade.objects.filter(scheme=scheme, month__lte=today).aggregate(m=Max("month"))["m"]
    return scheme, month


def _index_drop(rule, district, now, today):
    scheme, month = _latest_grades(district, today)
    if month is None:
        return
    points = _param(rule, "points")
    rows = (Grade.objects.filter(scheme=scheme, month=month, change__lte=-points)
            .values_list("party_org_id", "party_org__name", "party_org__node_id", "node_path", "total", "change"))
    for org_id, name, node_id, path, total, change in rows:
        yield {
            "subject": f"orgs.partyorg:{org_id}", "label": name, "node_id": node_id, "node_path": path, "period": f"{month:%Y-%m}",
            "message": _("%(org)s: the index fell by %(drop)s points in %(month)s, to %(total)s.")
            % {"org": name, "drop": -change, "month": f"{month:%Y-%m}", "total": total},
        }


def _lowest_twice(rule, district, now, today):
    scheme, month = _latest_grades(district, today)
    if month is None:
        return
    lowest = GradeBand.objects.filter(scheme=scheme).order_by("-rank").first()
    if lowest is None:
        return
    before = _previous_month(month)
    twice = Grade.objects.filter(scheme=scheme, month=before, band=lowest).values("party_org_id")
    rows = (Grade.objects.filter(scheme=scheme, month=month, band=lowest, party_org_id__in=twice)
            .values_list("party_org_id", "party_org__name", "party_org__node_id", "node_path"))
    for org_id, name, node_id, path in rows:
        yield {
            "subject": f"orgs.partyorg:{org_id}", "label": name, "node_id": node_id, "node_path": path, "period": f"{month:%Y-%m}",
            "message": _("%(org)s was graded %(band)s, the lowest grade, in %(before)s and %(month)s: hold a talk with its secretary.")
            % {"org": name, "band": lowest.name, "before": f"{before:%Y-%m}", "month": f"{month:%Y-%m}"},
        }


def overdue_cases_q(since, now):
    """The cases whose deadline fell in [since, now) and that were (or still are) overdue."""
    from gridgov.cases.workflow import ACTIVE_STATES

    return Q(deadline__gte=since, deadline__lt=now) & (Q(overdue_at__isnull=False) | Q(was_overdue=True) | Q(state__in=ACTIVE_STATES))


def _overdue_cluster(rule, district, now, today):
    from gridgov.cases.models import Case

    k, days = int(_param(rule, "cases")), _param(rule, "days")
    since = now - dt.timedelta(days=days)
    rows = (Case.objects.filter(overdue_cases_q(since, now), district=district).exclude(state="voided")
            .values("grid_id").annotate(n=Count("pk")).filter(n__gte=k).order_by())
    counts = {r["grid_id"]: r["n"] for r in rows}
    for node in Node.objects.filter(pk__in=counts).only("pk", "name", "path"):
        yield {
            "subject": f"hierarchy.node:{node.pk}", "label": node.name, "node_id": node.pk, "node_path": node.path,
            "period": f"{today:%Y-%m}",
            "message": _("%(n)d cases became overdue in %(grid)s in the last %(days)d days.") % {"n": counts[node.pk], "grid": node.name, "days": days},
        }


def _rectification_overdue(rule, district, now, today):
    rows = (ListItem.objects.filter(district=district, kind=ListItem.RECTIFICATION, state__in=("open", "in_progress"), due__lt=today)
            .values_list("pk", "title", "node_id", "node_path", "due"))
    for pk, title, node_id, path, due in rows:
        yield {
            "subject": f"assessment.listitem:{pk}", "label": title, "node_id": node_id, "node_path": path, "period": f"{due:%Y-%m-%d}",
            "message": _("The rectification “%(title)s” was due on %(due)s and is not done.") % {"title": title, "due": due},
        }


def inactive_members(district, since):
    """Party members (full or probationary, in the party before `since`) with no attendance, no
    service record and no points entry earned by activity since `since`: set-based, three NOT IN."""
    from gridgov.people.models import PartyMember, ServiceRecord

    from ..models import Attendance, PointsEntry

    start = dt.datetime.combine(since, dt.time(), ZoneInfo(district.timezone))
    attended = Attendance.objects.filter(meeting__district=district, meeting__start__gte=start, status="present").values("member_id")
    served = ServiceRecord.objects.filter(district=district, day__gte=since).values("person_id")
    earned = (PointsEntry.objects.filter(district=district, day__gte=since).exclude(state="rejected")
              .exclude(rule__source__in=NOT_ACTIVITY).values("member_id"))
    return (PartyMember.objects.filter(district=district, status__in=("full", "probationary"))
            .filter(Q(joined__isnull=True) | Q(joined__lt=since))
            .exclude(pk__in=attended).exclude(person_id__in=served).exclude(pk__in=earned))


def _member_inactive(rule, district, now, today):
    months = int(_param(rule, "months"))
    since = _add_months(today, -months)
    rows = list(inactive_members(district, since).values_list("pk", "person_id", "person__name", "node_path"))
    node_of = dict(Node.objects.filter(district=district, path__in={r[3] for r in rows}).values_list("path", "pk"))
    for pk, person_id, name, path in rows:
        if path not in node_of:
            continue
        yield {
            "subject": f"people.partymember:{pk}", "label": name, "node_id": node_of[path], "node_path": path,
            "period": f"{today:%Y-%m}", "person_id": person_id,
            "message": _("%(name)s has no attendance, service or points since %(since)s.") % {"name": name, "since": since},
        }


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


RULES = {
    "index_drop": _index_drop,
    "lowest_twice": _lowest_twice,
    "overdue_cluster": _overdue_cluster,
    "rectification_overdue": _rectification_overdue,
    "member_inactive": _member_inactive,
}
# For these a subject with an alert still open is not alerted again in a later period.
WHILE_OPEN = ("overdue_cluster", "member_inactive")


# ---------------------------------------------------------------- evaluation


def evaluate(district, now=None):
    """Evaluate the district's active rules at `now`; returns the number of alerts raised. The key
    (rule, subject, period) is unique: evaluating again, or from two workers, never duplicates."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    rules = AlertRule.objects.filter(district=district, active=True)
    if not rules.exists() and not AlertRule.objects.filter(district=district).exists():
        rules = [r for r in seed_default_rules(district) if r.active]
    raised = 0
    for rule in rules:
        candidates = {}
        for c in RULES[rule.kind](rule, district, now, today):
            candidates[f"{rule.pk}:{c['subject']}:{c['period']}"] = c
        if not candidates:
            continue
        existing = set()
        keys = list(candidates)
        for i in range(0, len(keys), 500):
            existing |= set(Alert.objects.filter(key__in=keys[i:i + 500]).values_list("key", flat=True))
        if rule.kind in WHILE_OPEN:
            still_open = set(Alert.objects.filter(rule=rule).exclude(state="closed").values_list("subject", flat=True))
            existing |= {k for k, c in candidates.items() if c["subject"] in still_open}
        new = [
            Alert(district=district, rule=rule, kind=rule.kind, node_id=c["node_id"], node_path=c["node_path"], subject=c["subject"],
                  subject_label=c["label"][:255], message=c["message"], key=key)
            for key, c in candidates.items() if key not in existing
        ]
        with transaction.atomic():
            # ignore_conflicts: another worker may have raised the same key meanwhile.
            Alert.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
            # raised_at is the evaluation's time (auto_now_add stamped the wall clock).
            new_keys = [a.key for a in new]
            for i in range(0, len(new_keys), 500):
                Alert.objects.filter(key__in=new_keys[i:i + 500]).update(raised_at=now)
        raised += len(new)
    return raised


def evaluate_due(now=None):
    """Evaluate each district at most once an hour (the last run is kept in District.settings);
    returns the number of alerts raised."""
    now = now or timezone.now()
    raised = 0
    for pk in District.objects.values_list("pk", flat=True):
        with transaction.atomic():
            # The row lock (PostgreSQL) makes the claim safe with several workers; SQLite serialises writers.
            district = District.objects.select_for_update().get(pk=pk)
            last = district.settings.get(LAST_RUN)
            if last and now - dt.datetime.fromisoformat(last) < EVERY:
                continue
            district.settings[LAST_RUN] = now.isoformat()
            district.save(update_fields=["settings"])
        started = time.monotonic()
        raised += evaluate(district, now)
        district.refresh_from_db(fields=["settings"])
        district.settings["alerts_seconds"] = round(time.monotonic() - started, 3)
        District.objects.filter(pk=pk).update(settings=district.settings)
    return raised


# ---------------------------------------------------------------- the inbox


def visible_alerts(user):
    return scoping.scope(Alert.objects.all(), user, "node_path")


def _handle(user, alert, state, now=None):
    if not scoping.can(user, roles.ASSESS, alert.node):
        raise NotAllowed(_("You may not handle alerts of %(node)s.") % {"node": alert.node.name})
    order = [s for s, _label in Alert.STATES]
    if order.index(state) <= order.index(alert.state):
        raise AssessmentError(_("This alert is already %(state)s.") % {"state": alert.get_state_display()})
    alert.state, alert.handled_by, alert.handled_at = state, user, now or timezone.now()
    alert.save(update_fields=["state", "handled_by", "handled_at"])
    return alert


def acknowledge(user, alert, now=None):
    return _handle(user, alert, "acknowledged", now)


def close(user, alert, now=None):
    return _handle(user, alert, "closed", now)


def subject_of(alert):
    """(app.model, pk) of the alert's subject."""
    model, _sep, pk = alert.subject.partition(":")
    try:
        return model, int(pk)
    except ValueError:
        return model, None


# ---------------------------------------------------------------- talks


def visible_talks(user):
    return scoping.scope(Talk.objects.all(), user, "node_path")


@transaction.atomic
def record_talk(user, *, party_org, day, with_whom, by, notes, alert=None):
    """A talk (约谈) with an organisation's secretary; given an alert, it is acknowledged."""
    if user is not None and not scoping.can(user, roles.ASSESS, party_org.node):
        raise NotAllowed(_("You may not record talks with %(org)s.") % {"org": party_org.name})
    if not (notes or "").strip() or not (with_whom or "").strip():
        raise AssessmentError(_("Say with whom the talk was held and what was said."))
    talk = Talk.objects.create(district=party_org.district, alert=alert, party_org=party_org, day=day, with_whom=with_whom.strip(),
                               by=(by or "").strip(), notes=notes.strip(), node_path=party_org.node.path)
    if alert is not None and alert.state == "open":
        alert.state, alert.handled_by, alert.handled_at = "acknowledged", user, timezone.now()
        alert.save(update_fields=["state", "handled_by", "handled_at"])
    return talk
