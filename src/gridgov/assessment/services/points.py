"""Assessment services: party-member points 党员积分 — the district's rules, the ledger and the yearly
accounts it sums to (changed only here, in the same transaction), caps, approvals, appeals, rankings.

Invariant: PointsAccount(member, year).total == sum of that member's approved entries of that year.
Every change of an account is an increment in SQL (total = total + x) made in the transaction that
writes the entries, after the district's rule rows are locked (select_for_update), so that concurrent
awards and approvals are serialised per rule and never lose an update or overrun a cap.
A capped occurrence still gets an entry: zero points with a note saying the cap was reached, so that
the member sees why it earned nothing and the automatic pass knows it has been counted."""
import datetime
from collections import defaultdict
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Avg, CharField, Count, Exists, F, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import District
from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping
from gridgov.people.models import PartyMember

from ..errors import AssessmentError, NotAllowed
from ..models import Attendance, Meeting, PointsAccount, PointsAppeal, PointsEntry, PointsRule

ACTIVE_STATUSES = ("full", "probationary")
ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# How far back the worker's pass looks for activity recorded late (a meeting's attendance entered
# weeks after it was held still earns its points; re-reading older activity is only wasted work).
DUE_LOOKBACK_DAYS = 62

# (code, name, source, points, cap, period): the default rule set, in Chinese as a district publishes it.
DEFAULT_RULES = [
    ("base", "年度基础分", "base", "60", None, "year"),
    ("attendance", "参加“三会一课”等组织生活", "attendance", "2", "6", "month"),
    ("absence", "无故缺席组织生活", "absence", "-3", "9", "quarter"),
    ("service", "在职党员“双报到”社区服务（每小时）", "service", "1", "12", "quarter"),
    ("volunteer", "志愿服务（每小时）", "volunteer", "0.5", "10", "month"),
    ("case", "反映问题办结或参与办理事件", "case", "2", "8", "month"),
    ("honour", "先进事迹、表彰奖励（审核后计入）", "manual", "5", "20", "year"),
    ("discipline", "违反纪律或群众反映问题查实（审核后扣分）", "manual", "-5", "20", "year"),
]


# ---------------------------------------------------------------- rules and periods

def seed_default_rules(district):
    """Creates the default rules the district does not have yet (by code); returns all its rules."""
    for code, name, source, points, cap, period in DEFAULT_RULES:
        PointsRule.objects.get_or_create(district=district, code=code, defaults={
            "name": name, "source": source, "points": Decimal(points), "cap": Decimal(cap) if cap else None, "period": period,
        })
    return list(PointsRule.objects.filter(district=district))


def period_bounds(period, day):
    """[start, end) of the period containing `day`."""
    if period == "month":
        start = day.replace(day=1)
        end = (start + datetime.timedelta(days=32)).replace(day=1)
    elif period == "quarter":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        end = (start + datetime.timedelta(days=95)).replace(day=1)
    else:
        start, end = day.replace(month=1, day=1), day.replace(year=day.year + 1, month=1, day=1)
    return start, end


def _sign(rule):
    return -1 if rule.points < 0 else 1


def trim(rule, points, used):
    """The part of `points` that fits under the rule's cap, `used` being the rule's approved sum for the
    member in the period (its sign is the rule's; reversals already netted in)."""
    points = Decimal(points).quantize(CENT)
    if rule.cap is None:
        return points
    sign = _sign(rule)
    room = max(rule.cap - sign * used, ZERO)
    return sign * min(abs(points), room)


def _used(rule, member_id, day, exclude_pk=None):
    start, end = period_bounds(rule.period, day)
    qs = PointsEntry.objects.filter(rule=rule, member_id=member_id, state="approved", day__gte=start, day__lt=end)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.aggregate(s=Sum("points"))["s"] or ZERO


def _lock_rules(district, rule_ids=None):
    """Locks the district's rules (or `rule_ids` and the base rule, which guards opening accounts), always
    in key order so that two writers never wait on each other crosswise."""
    qs = PointsRule.objects.select_for_update().filter(district=district)
    if rule_ids is not None:
        qs = qs.filter(Q(pk__in=list(rule_ids)) | Q(source="base"))
    return {r.pk: r for r in qs.order_by("pk")}


def _increment(pairs):
    """total += x for {(member_id, year): x}: one statement per account, increments only."""
    rows = [(x, m, y) for (m, y), x in pairs.items() if x]
    if not rows:
        return
    table = connection.ops.quote_name(PointsAccount._meta.db_table)
    with connection.cursor() as cur:
        cur.executemany(f"UPDATE {table} SET total = total + %s WHERE member_id = %s AND year = %s",
                        [(connection.ops.adapt_decimalfield_value(x, 8, 2), m, y) for x, m, y in rows])


# ---------------------------------------------------------------- accounts and the yearly reset

def open_years(district, years, member_ids=None, *, bulk_insert=None):
    """Opens the accounts of `years` for the district's active members (or `member_ids`) that have none:
    each starts with its base entry on 1 January (the yearly reset; past years stay as they were).
    Returns the number of accounts opened."""
    base = PointsRule.objects.filter(district=district, source="base", active=True).order_by("pk").first()
    members = PartyMember.objects.filter(district=district, status__in=ACTIVE_STATUSES)
    if member_ids is not None and len(member_ids) < 500:
        members = members.filter(pk__in=list(member_ids))
    member_rows = list(members.values_list("pk", "node_path"))
    if member_ids is not None:
        wanted = set(member_ids)
        member_rows = [row for row in member_rows if row[0] in wanted]
    opened = 0
    now = timezone.now()
    for year in sorted(set(years)):
        have = set(PointsAccount.objects.filter(district=district, year=year).values_list("member_id", flat=True))
        missing = [(pk, path) for pk, path in member_rows if pk not in have]
        if not missing:
            continue
        points = base.points.quantize(CENT) if base is not None else ZERO
        _insert(PointsAccount, ["district", "member", "year", "total", "node_path"],
                [(district.pk, pk, year, points, path) for pk, path in missing], bulk_insert)
        if base is not None:
            _insert(PointsEntry, ENTRY_COLUMNS, [
                (district.pk, pk, base.pk, year, datetime.date(year, 1, 1), points, "approved", "", f"base:{pk}:{year}", None, now, path)
                for pk, path in missing], bulk_insert)
        opened += len(missing)
    return opened


def _account(member, year):
    """The member's account of `year`, opened (with its base entry) when missing."""
    account = PointsAccount.objects.filter(member=member, year=year).first()
    if account is None:
        open_years(member.district, [year], [member.pk])
        account = PointsAccount.objects.filter(member=member, year=year).first()
        if account is None:  # not an active member: an account without a base score
            account = PointsAccount.objects.create(district_id=member.district_id, member=member, year=year, node_path=member.node_path)
    return account


ENTRY_COLUMNS = ["district", "member", "rule", "year", "day", "points", "state", "note", "source_key", "reverses", "created_at", "node_path"]


def _insert(model, columns, rows, bulk_insert=None):
    if not rows:
        return
    if bulk_insert is not None:
        bulk_insert(model, columns, rows)
        return
    attnames = [model._meta.get_field(c).attname for c in columns]
    model.objects.bulk_create([model(**dict(zip(attnames, row))) for row in rows], batch_size=2000)


def _post(rule, member, day, points, *, state="approved", note="", source_key=None, reverses=None, user=None):
    """Writes one entry (trimmed to the cap when approved) and, when approved, adds it to the account.
    Call inside a transaction that holds the rule's lock."""
    account = _account(member, day.year)
    points = Decimal(points).quantize(CENT)
    if state == "approved" and reverses is None:
        capped = trim(rule, points, _used(rule, member.pk, day))
        if capped != points:
            note = (note + " " if note else "") + (_("(cap reached)") if capped == 0 else _("(trimmed to the cap)"))
            points = capped
    entry = PointsEntry.objects.create(
        district_id=member.district_id, member=member, rule=rule, year=day.year, day=day, points=points, state=state,
        note=note[:255], source_key=source_key, reverses=reverses, created_by=user,
        decided_by=user if state == "approved" and user else None, node_path=member.node_path)
    if state == "approved" and points:
        PointsAccount.objects.filter(pk=account.pk).update(total=F("total") + points)
    return entry


# ---------------------------------------------------------------- automatic entries from activity

def _unawarded(qs, prefix, field="pk"):
    """Rows of `qs` whose source key (prefix + pk) has no entry yet: an anti-join on the unique key,
    so that a pass reads only what is new."""
    keyed = qs.annotate(_key=Concat(Value(prefix), Cast(field, CharField())))
    return keyed.filter(~Exists(PointsEntry.objects.filter(source_key=OuterRef("_key"))))


def _candidates(district, rules, since):
    """(day, member_id, node_path, rule, quantity, source_key, note) of the activity since `since`."""
    out = []
    tz = timezone.get_current_timezone()
    meetings = Meeting.objects.filter(district=district)
    if since:
        meetings = meetings.filter(start__date__gte=since)
    meetings = {pk: (start.astimezone(tz).date(), title) for pk, start, title in meetings.values_list("pk", "start", "title").iterator(chunk_size=20000)}
    if meetings:
        active = dict(PartyMember.objects.filter(district=district, status__in=ACTIVE_STATUSES).values_list("pk", "node_path"))
        att = Attendance.objects.filter(meeting__district=district, status__in=("present", "absent"))
        if since:
            att = att.filter(meeting__start__date__gte=since)
        att = _unawarded(att, "att:")
        present, absent = rules.get("attendance"), rules.get("absence")
        for pk, status, meeting_id, member_id in att.values_list("pk", "status", "meeting_id", "member_id").iterator(chunk_size=20000):
            rule = present if status == "present" else absent
            path = active.get(member_id)
            if rule is not None and path is not None and meeting_id in meetings:
                day, title = meetings[meeting_id]
                out.append((day, member_id, path, rule, 1, f"att:{pk}", title))

    from gridgov.people.models import ServiceRecord

    svc = ServiceRecord.objects.filter(district=district, person__party_member__status__in=ACTIVE_STATUSES)
    if since:
        svc = svc.filter(day__gte=since)
    svc = _unawarded(svc, "svc:")
    for pk, kind, hours, day, member_id, path, what in svc.values_list("pk", "kind", "hours", "day", "person__party_member__pk", "person__party_member__node_path", "what").iterator(chunk_size=20000):
        rule = rules.get("service" if kind == "dual_registration" else "volunteer")
        if rule is not None:
            out.append((day, member_id, path, rule, hours, f"svc:{pk}", what))

    rule = rules.get("case")
    if rule is not None:
        from gridgov.cases.models import Case, Transition

        cases = Case.objects.filter(district=district, state__in=("closed", "evaluated"), closed_at__isnull=False,
                                    reporter__party_member__status__in=ACTIVE_STATUSES)
        if since:
            cases = cases.filter(closed_at__date__gte=since)
        cases = _unawarded(cases, "case-rep:")
        for pk, number, closed, member_id, path in cases.values_list("pk", "number", "closed_at", "reporter__party_member__pk", "reporter__party_member__node_path"):
            out.append((timezone.localdate(closed), member_id, path, rule, 1, f"case-rep:{pk}", _("Reported case %(n)s, closed") % {"n": number}))
        handled = Transition.objects.filter(district=district, to_state="handled", actor__person__party_member__status__in=ACTIVE_STATUSES)
        if since:
            handled = handled.filter(at__date__gte=since)
        handled = _unawarded(handled, "case-hdl:")
        for pk, number, at, member_id, path in handled.values_list("pk", "case__number", "at", "actor__person__party_member__pk", "actor__person__party_member__node_path"):
            out.append((timezone.localdate(at), member_id, path, rule, 1, f"case-hdl:{pk}", _("Handled case %(n)s") % {"n": number}))
    out.sort(key=lambda c: (c[0], c[5]))
    return out


def award_from_activity(district, since=None, *, bulk_insert=None):
    """Creates the entries the district's activity since `since` (a date; None = all) earns under its
    active rules: attendance (+), absence without leave (−), service and volunteer hours, cases reported
    and closed or handled. Idempotent: each activity has a source_key and is counted once. Entries are
    trimmed to the caps in date order. Returns the number of entries created."""
    with transaction.atomic():
        locked = _lock_rules(district)
        rules = {}
        for rule in sorted(locked.values(), key=lambda r: r.code):
            if rule.active and rule.source not in ("base", "manual"):
                rules.setdefault(rule.source, rule)
        if not rules:
            return 0
        candidates = _candidates(district, rules, since)
        if not candidates:
            return 0
        members = {c[1] for c in candidates}
        years = {c[0].year for c in candidates}
        for year in years:
            open_years(district, [year], members, bulk_insert=bulk_insert)
        # The approved sums already in the periods the new entries fall in, per (rule, member, period).
        used = defaultdict(Decimal)
        first = min(period_bounds(r.period, candidates[0][0])[0] for r in rules.values())
        last = max(period_bounds(r.period, candidates[-1][0])[1] for r in rules.values())
        capped_ids = [r.pk for r in rules.values() if r.cap is not None]
        if capped_ids:
            existing = PointsEntry.objects.filter(district=district, rule_id__in=capped_ids, state="approved", day__gte=first, day__lt=last)
            if len(members) < 500:
                existing = existing.filter(member_id__in=list(members))
            by_pk = {r.pk: r for r in rules.values()}
            for rule_id, member_id, day, pts in existing.values_list("rule_id", "member_id", "day", "points").iterator(chunk_size=20000):
                if member_id in members:
                    used[(rule_id, member_id, period_bounds(by_pk[rule_id].period, day)[0])] += pts
        rows, totals = [], defaultdict(Decimal)
        now = timezone.now()
        cap_note, trim_note = _("(cap reached)"), _("(trimmed to the cap)")
        starts = {}
        for day, member_id, path, rule, qty, key, note in candidates:
            wanted = rule.points if qty == 1 else (rule.points * Decimal(qty)).quantize(CENT)
            start = starts.get((rule.period, day))
            if start is None:
                start = starts[(rule.period, day)] = period_bounds(rule.period, day)[0]
            k = (rule.pk, member_id, start)
            points = trim(rule, wanted, used[k])
            if points != wanted:
                note = f"{note} {cap_note if points == 0 else trim_note}"
            used[k] += points
            totals[(member_id, day.year)] += points
            rows.append((district.pk, member_id, rule.pk, day.year, day, points, "approved", note[:255], key, None, now, path))
        # Written in member order: the ledger's indexes lead with the member (or a path that follows it),
        # so the B-tree pages are touched in sequence instead of at random.
        rows.sort(key=lambda r: (r[1], r[4]))
        _insert(PointsEntry, ENTRY_COLUMNS, rows, bulk_insert)
        _increment(totals)
    return len(rows)


def award_due(now=None):
    """The worker's pass: opens the current year's accounts (the yearly reset) and awards the recent
    activity of every district that has points rules. Returns the number of entries created."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = 0
    for district in District.objects.filter(points_rules__active=True).distinct():
        with transaction.atomic():
            _lock_rules(district)
            created += open_years(district, [today.year])
        created += award_from_activity(district, since=today - datetime.timedelta(days=DUE_LOOKBACK_DAYS))
    return created


def recompute_totals(district):
    """Sets every account of the district to the sum of its approved entries (a repair, and the demo's
    bulk path); returns the number of accounts whose total was wrong."""
    sums = dict(((m, y), s) for m, y, s in PointsEntry.objects.filter(district=district, state="approved")
                .values_list("member_id", "year").annotate(s=Sum("points")).values_list("member_id", "year", "s"))
    wrong = {}
    for pk, m, y, total in PointsAccount.objects.filter(district=district).values_list("pk", "member_id", "year", "total"):
        right = (sums.get((m, y)) or ZERO).quantize(CENT)
        if total != right:
            wrong[pk] = right
    with transaction.atomic():
        table = connection.ops.quote_name(PointsAccount._meta.db_table)
        with connection.cursor() as cur:
            cur.executemany(f"UPDATE {table} SET total = %s WHERE id = %s",
                            [(connection.ops.adapt_decimalfield_value(v, 8, 2), pk) for pk, v in wrong.items()])
    return len(wrong)


# ---------------------------------------------------------------- manual entries and approval

def _at(path):
    return SimpleNamespace(path=path)


def can_assess(user, path):
    return scoping.can(user, roles.ASSESS, _at(path))


def create_manual(user, member, rule, points, day, note):
    """A manual entry, pending until an ASSESS user in scope approves it. The sign is the rule's."""
    if not can_assess(user, member.node_path):
        raise NotAllowed(_("You may not enter points for this member."))
    if rule.district_id != member.district_id or rule.source != "manual" or not rule.active:
        raise AssessmentError(_("Choose an active manual rule of the member's district."))
    try:
        points = abs(Decimal(str(points))).quantize(CENT)
    except Exception:
        raise AssessmentError(_("Enter the points as a number."))
    if points == 0 or points > 1000:
        raise AssessmentError(_("Enter points between 0.01 and 1000."))
    note = (note or "").strip()
    if not note:
        raise AssessmentError(_("Say what the points are for."))
    if day is None or day > timezone.localdate():
        raise AssessmentError(_("The day must not be in the future."))
    with transaction.atomic():
        _lock_rules(member.district, [rule.pk])
        return _post(rule, member, day, _sign(rule) * points, state="pending", note=note, user=user)


def decide_entry(user, entry, approve, note=""):
    """Approves (trimmed to the cap, added to the account) or rejects a pending manual entry."""
    with transaction.atomic():
        _lock_rules(entry.district, [entry.rule_id])
        entry = PointsEntry.objects.select_for_update().select_related("rule", "member").get(pk=entry.pk)
        if not can_assess(user, entry.node_path):
            raise NotAllowed(_("This entry is outside your area."))
        if entry.state != "pending":
            raise AssessmentError(_("This entry has already been decided."))
        entry.decided_by = user
        if not approve:
            entry.state = "rejected"
            if note:
                entry.note = f"{entry.note} · {note}"[:255]
            entry.save(update_fields=["state", "decided_by", "note"])
            return entry
        account = _account(entry.member, entry.year)
        points = trim(entry.rule, entry.points, _used(entry.rule, entry.member_id, entry.day, exclude_pk=entry.pk))
        if points != entry.points:
            entry.note = f"{entry.note} {_('(cap reached)') if points == 0 else _('(trimmed to the cap)')}"[:255]
        entry.points, entry.state = points, "approved"
        entry.save(update_fields=["state", "decided_by", "note", "points"])
        if points:
            PointsAccount.objects.filter(pk=account.pk).update(total=F("total") + points)
    return entry


# ---------------------------------------------------------------- appeals

def appealable(entry):
    return entry.state == "approved" and entry.reverses_id is None and entry.points != 0


def file_appeal(user, entry, reason):
    from .meetings import member_of

    member = member_of(user)
    if member is None or member.pk != entry.member_id:
        raise NotAllowed(_("You can appeal only your own points entries."))
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentError(_("Give the reason for your appeal."))
    with transaction.atomic():
        entry = PointsEntry.objects.select_for_update().select_related("rule").get(pk=entry.pk)
        if not appealable(entry) or entry.rule.source == "base":
            raise AssessmentError(_("This entry cannot be appealed."))
        if entry.reversals.exists():
            raise AssessmentError(_("This entry has already been reversed."))
        if entry.appeals.filter(state="open").exists():
            raise AssessmentError(_("An appeal against this entry is already open."))
        return PointsAppeal.objects.create(entry=entry, district_id=entry.district_id, reason=reason, filed_by=user, node_path=entry.node_path)


def decide_appeal(user, appeal, uphold, decision):
    """Upholding reverses the entry (a linked entry of the opposite points, same day and rule);
    dismissing leaves the ledger as it is. Either way the decision text is kept."""
    decision = (decision or "").strip()
    if not decision:
        raise AssessmentError(_("Write the decision."))
    with transaction.atomic():
        appeal = PointsAppeal.objects.select_for_update().select_related("entry").get(pk=appeal.pk)
        if not can_assess(user, appeal.node_path):
            raise NotAllowed(_("This appeal is outside your area."))
        if appeal.state != "open":
            raise AssessmentError(_("This appeal has already been decided."))
        entry = appeal.entry
        _lock_rules(entry.district, [entry.rule_id])
        if uphold and not entry.reversals.exists():
            member = PartyMember.objects.get(pk=entry.member_id)
            _post(entry.rule, member, entry.day, -entry.points, note=_("Appeal upheld: %(d)s") % {"d": decision},
                  reverses=entry, user=user, source_key=f"rev:{entry.pk}")
        appeal.state = "upheld" if uphold else "dismissed"
        appeal.decision, appeal.decided_by, appeal.decided_at = decision, user, timezone.now()
        appeal.save(update_fields=["state", "decision", "decided_by", "decided_at"])
    return appeal


# ---------------------------------------------------------------- reading

def ledger_total(member_id, year):
    return (PointsEntry.objects.filter(member_id=member_id, year=year, state="approved").aggregate(s=Sum("points"))["s"] or ZERO)


def community_path(path):
    """The community prefix of a node path (root, subdistrict, community: three steps of four)."""
    return path[:12]


def rankings(accounts, node=None):
    """League tables over scoped accounts of one year: communities and branches by average total."""
    if node is not None:
        accounts = accounts.filter(subtree_q(node.path, "node_path"))
    communities = (accounts.annotate(community=Substr("node_path", 1, 12)).values("community")
                   .annotate(members=Count("pk"), average=Avg("total"), best=Sum("total")).order_by("-average"))
    branches = (accounts.filter(member__party_org__isnull=False).values("member__party_org", "member__party_org__name")
                .annotate(members=Count("pk"), average=Avg("total")).order_by("-average", "member__party_org__name"))
    return communities, branches


def open_entries(user):
    """Pending manual entries and open appeals the user may decide (ASSESS scope)."""
    pending = scoping.scope(PointsEntry.objects.filter(state="pending"), user, "node_path", roles.ASSESS)
    appeals = scoping.scope(PointsAppeal.objects.filter(state="open"), user, "node_path", roles.ASSESS)
    return pending, appeals

