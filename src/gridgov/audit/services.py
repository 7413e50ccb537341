"""The audit trail: history rows of cases, persons, party members and scores, scoped with
roles.AUDIT (a district administrator sees their district), newest first, with what changed."""
import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.assessment.models import ManualScore, Score
from gridgov.cases.models import Case
from gridgov.people import roles, scoping
from gridgov.people.models import PartyMember, Person


@dataclass(frozen=True)
class Audited:
    code: str
    label: str
    model: type
    path_field: str  # the scoping key on the history row
    related: tuple = ()
    masked: frozenset = frozenset()  # personal data: the page says a value changed, never shows it

    @property
    def history(self):
        return self.model.history.model

    def object_label(self, rec):
        if self.code == "case":
            return rec.number
        if self.code == "person":
            return rec.name
        if self.code == "party_member":
            return rec.person.name if rec.person_id and rec.person else f"#{rec.id}"
        return f"{rec.party_org.name if rec.party_org else ''} · {rec.indicator.name if rec.indicator else ''} · {rec.month:%Y-%m}"


AUDITED = {
    a.code: a
    for a in [
        Audited("case", _("Case"), Case, "node_path", masked=frozenset({"reporter_phone"})),
        Audited("person", _("Person"), Person, "home__path", masked=frozenset({"id_number", "phone"})),
        Audited("party_member", _("Party member"), PartyMember, "node_path", ("person",)),
        Audited("score", _("Index score"), Score, "node_path", ("party_org", "indicator")),
        Audited("manual_score", _("Manual score"), ManualScore, "node_path", ("party_org", "indicator")),
    ]
}
KINDS = {"+": _("Created"), "~": _("Changed"), "-": _("Deleted")}
MASK = "••••"
PAGE = 50


def may_read(user):
    return scoping.can(user, roles.AUDIT)


@dataclass
class Change:
    audited: Audited
    record: object
    kind: str
    object: str
    reason: str
    fields: list = field(default_factory=list)  # [(verbose name, old, new)]

    @property
    def at(self):
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user


def _bounds(day_from, day_to):
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(day_from, dt.time.min), tz) if day_from else None
    hi = timezone.make_aware(dt.datetime.combine(day_to + dt.timedelta(days=1), dt.time.min), tz) if day_to else None
    return lo, hi


def _display(audited, fld, value):
    if fld.name in audited.masked:
        return MASK if value not in (None, "") else ""
    if value is None or value == "":
        return "—"
    if fld.choices:
        return str(dict(fld.flatchoices).get(value, value))
    return str(value)


def _diff(audited, rec):
    """(field, old, new) for the fields that differ from the previous history row of the object."""
    if rec.history_type != "~":
        return []
    prev = rec.prev_record
    if prev is None:
        return []
    out = []
    for fld in audited.model._meta.concrete_fields:
        if fld.name in {"version"}:
            continue
        old, new = getattr(prev, fld.attname, None), getattr(rec, fld.attname, None)
        if old != new:
            out.append((str(fld.verbose_name), _display(audited, fld, old), _display(audited, fld, new)))
    return out


def changes(user, *, model=None, username="", day_from=None, day_to=None, before=None, limit=PAGE):
    """One page of changes the user may read, newest first, and the cursor of the next page."""
    if not may_read(user):
        return [], None
    lo, hi = _bounds(day_from, day_to)
    rows = []
    for audited in AUDITED.values():
        if model and audited.code != model:
            continue
        qs = scoping.scope(audited.history.objects.all(), user, audited.path_field, roles.AUDIT)
        if username:
            qs = qs.filter(history_user__username=username)
        if lo:
            qs = qs.filter(history_date__gte=lo)
        if hi:
            qs = qs.filter(history_date__lt=hi)
        if before:
            qs = qs.filter(history_date__lt=before)
        qs = qs.select_related("history_user", *audited.related).order_by("-history_date", "-history_id")
        rows.extend((rec.history_date, audited, rec) for rec in qs[: limit + 1])
    rows.sort(key=lambda r: r[0], reverse=True)
    more = len(rows) > limit
    rows = rows[:limit]
    page = [
        Change(audited, rec, str(KINDS.get(rec.history_type, rec.history_type)), audited.object_label(rec),
               rec.history_change_reason or "", _diff(audited, rec))
        for _at, audited, rec in rows
    ]
    return page, (rows[-1][0] if more and rows else None)


def history_of(obj, user):
    """The history rows of one object, if the user may audit it (for a link from its page)."""
    for audited in AUDITED.values():
        if isinstance(obj, audited.model):
            qs = scoping.scope(audited.history.objects.filter(id=obj.pk), user, audited.path_field, roles.AUDIT)
            return [Change(audited, r, str(KINDS.get(r.history_type, r.history_type)), audited.object_label(r),
                           r.history_change_reason or "", _diff(audited, r))
                    for r in qs.select_related("history_user", *audited.related).order_by("-history_date", "-history_id")]
    return []
