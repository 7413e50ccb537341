"""Many clients at once on PostgreSQL: twenty threads, each on its own connection, take conflicting case
transitions (with the deadline worker racing them), book overlapping slots and cancel them, and enter and
decide points for one member. Afterwards every case is in one legal state reached by a legal path whose
length is its version, each slot has at most one holder, and every points account equals its ledger."""
import datetime as dt
import random
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from gridgov.assessment.errors import AssessmentError
from gridgov.assessment.models import PointsAccount, PointsEntry, PointsRule
from gridgov.assessment.services import points
from gridgov.cases import services as cases
from gridgov.cases.models import Case, Category, Transition
from gridgov.cases.permissions import LEVEL_ORDER
from gridgov.cases.workflow import ACTIONS
from gridgov.demo.build import build
from gridgov.hierarchy.models import District, Node
from gridgov.hierarchy.services import subtree_q
from gridgov.participation.errors import ParticipationError
from gridgov.participation.models import Booking, BookingSlot, Resource
from gridgov.participation.services import resources
from gridgov.people.models import PartyMember
from tests.conftest import DEMO_PASSWORD, DEMO_VOLUME, postgres_only

# Transactional: each thread sees only committed rows. The flush after each test empties the tables, so
# each test builds (committed) the one district it needs, as the other race tests do; pytest-django runs
# transactional tests after all the others, so the session demo of the other tests is not affected.
pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]
THREADS = 20
TZ = ZoneInfo("Asia/Shanghai")
# Actions the worker records without a state change (a warning; overdue, then escalated by the rules).
SYSTEM_ACTIONS = {"warn", "overdue", "auto_escalate"}


def committed(code):
    build(password=DEMO_PASSWORD, progress=False, codes=[code], volume=DEMO_VOLUME)
    return District.objects.get(code=code)


def run_threads(fns):
    """Runs each fn in its own thread (own connection), all released at once; returns their results.
    An exception other than the domain's refusals is returned as ("error", repr) and fails the test."""
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            results[i] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results


def errors_of(results):
    """The unexpected exceptions, one per line (empty when there were none)."""
    flat = []
    for r in results:
        flat.extend(r if isinstance(r, list) else [r])
    return "\n".join(str(r) for r in flat if r and r[0] == "error")


# ---------------------------------------------------------------- cases

CASE_PARAMS = {
    "void": {"reason": "invalid"},
    "request_extension": {"days": 2},
    "evaluate": {"rating": "unsatisfied"},
}


def test_conflicting_transitions_leave_every_case_on_a_legal_path():
    xd = committed("140105")
    admin = get_user_model().objects.create_superuser("race.admin", password=None)
    community = Node.objects.filter(district=xd, kind="community").order_by("code").first()
    grid = Node.objects.filter(district=xd, kind="grid", path__startswith=community.path).order_by("code").first()
    category = Category.objects.get(district=xd, code="E0102")
    made = []
    for i in range(5):
        case, _ = cases.intake(xd, category=category, lon=grid.centroid_lon, lat=grid.centroid_lat,
                               description=f"混合并发测试 {i}", source="staff", user=admin)
        made.append(case.pk)
    ok_count = {pk: 0 for pk in made}
    lock = threading.Lock()

    def handler(seed):
        rng = random.Random(seed)
        user = get_user_model().objects.get(pk=admin.pk)
        out = []
        for _ in range(12):
            pk = rng.choice(made)
            case = Case.objects.get(pk=pk)
            possible = [name for name, a in ACTIONS.items() if case.state in a.sources and name not in ("summon", "contribute")]
            if not possible:
                continue
            action = rng.choice(possible)
            try:
                cases.transition(case, action, user, comment=f"线程{seed}", **CASE_PARAMS.get(action, {}))
            except cases.CaseError as exc:
                out.append((type(exc).__name__, action, str(exc)))
            else:
                with lock:
                    ok_count[pk] += 1
                out.append(("ok", action))
        return out

    def worker():
        # The deadline worker runs at the same time, with a clock a month ahead: every active case is due.
        return [("tick", cases.tick(now=timezone.now() + dt.timedelta(days=30))) for _ in range(3)]

    results = run_threads([lambda s=s: handler(s) for s in range(THREADS)] + [worker])
    assert errors_of(results) == ""
    flat = [r for rs in results for r in rs]
    assert any(r[0] == "Conflict" for r in flat), "no two transitions collided: the test proves nothing"

    legal_states = {s for s, _label in Case.STATES}
    for pk in made:
        case = Case.objects.get(pk=pk)
        history = list(Transition.objects.filter(case_id=pk).order_by("pk"))
        assert case.state in legal_states
        assert history[0].action == "report" and history[0].to_state == "reported"
        state = "reported"
        for t in history[1:]:
            assert t.from_state == state, (case.number, [(h.action, h.from_state, h.to_state) for h in history])
            if t.action in SYSTEM_ACTIONS:
                assert t.to_state == state
            else:
                spec = ACTIONS[t.action]
                assert state in spec.sources and t.to_state == (spec.target or state), (t.action, state, t.to_state)
            state = t.to_state
        assert case.state == state
        people_steps = [t for t in history[1:] if t.action not in SYSTEM_ACTIONS]
        # No lost update: every transition a caller was told succeeded is in the history, and the version
        # counts each change once (the worker's overdue and its escalation are one change).
        assert len(people_steps) == ok_count[pk]
        assert case.version == len([t for t in history[1:] if t.action != "auto_escalate"])
        escalations = len([t for t in history if t.action in ("escalate", "auto_escalate")])
        assert case.escalations == escalations
        assert case.level == LEVEL_ORDER[min(escalations, len(LEVEL_ORDER) - 1)]
        assert case.rework_count == len([t for t in history if t.action in ("rework", "reopen")])


# ---------------------------------------------------------------- bookings

def test_overlapping_bookings_and_cancellations_never_double_book_a_slot():
    saihan = committed("150105")
    community = Node.objects.filter(district=saihan, kind="community").order_by("code").first()
    secretary = get_user_model().objects.get(username="community_secretary.150105")
    room = resources.publish_resource(secretary, community, "meeting_room", "混合并发会议室", bookable=True, slot_minutes=60,
                                      opening_hours={str(d): ["08:00", "20:00"] for d in range(7)})
    users = list(get_user_model().objects.filter(username__endswith=".150105").order_by("username"))
    day = timezone.localdate() + dt.timedelta(days=12)
    at = lambda h: dt.datetime.combine(day, dt.time(h), tzinfo=TZ)  # noqa: E731
    spans = [(9, 10), (9, 11), (10, 11), (10, 12), (11, 12), (9, 12), (11, 13), (12, 13)]

    def booker(i, span):
        user = get_user_model().objects.get(pk=users[i % len(users)].pk)
        try:
            made = resources.book(user, Resource.objects.get(pk=room.pk), at(span[0]), at(span[1]), f"抢订 {i}")
        except ParticipationError as exc:
            return (type(exc).__name__, str(exc))
        return ("ok", [b.pk for b in made])

    def check():
        holding = list(Booking.objects.filter(resource=room, state__in=Booking.HOLDING).order_by("start"))
        for a, b in zip(holding, holding[1:]):
            assert a.end <= b.start, f"{a.start}–{a.end} overlaps {b.start}–{b.end}"
        slots = sorted(BookingSlot.objects.filter(resource=room).values_list("booking_id", "start"))
        wanted = sorted((b.pk, t) for b in holding for t in resources.slot_starts(room, b.start, b.end))
        assert slots == wanted
        return holding

    first = run_threads([lambda i=i: booker(i, spans[i % len(spans)]) for i in range(THREADS)])
    assert errors_of(first) == ""
    winners = [pk for r in first if r[0] == "ok" for pk in r[1]]
    assert winners and any(r[0] == "Conflict" for r in first)
    assert sorted(b.pk for b in check()) == sorted(winners)

    # Round two: the owner cancels each winner from two tabs at once while others book again.
    def canceller(pk):
        try:
            resources.cancel(get_user_model().objects.get(pk=secretary.pk), Booking.objects.get(pk=pk), "并发取消")
        except ParticipationError as exc:
            return (type(exc).__name__, str(exc))
        return ("ok", pk)

    fns = [lambda pk=pk: canceller(pk) for pk in winners for _ in range(2)]
    fns += [lambda i=i: booker(i, spans[(i * 3) % len(spans)]) for i in range(THREADS - len(fns))]
    second = run_threads(fns)
    assert errors_of(second) == ""
    cancelled = [r[1] for r in second if r[0] == "ok" and isinstance(r[1], int)]
    assert sorted(cancelled) == sorted(winners), second  # each winner cancelled exactly once
    assert set(Booking.objects.filter(pk__in=winners).values_list("state", flat=True)) == {"cancelled"}
    check()


# ---------------------------------------------------------------- points

def test_points_entered_and_decided_at_once_respect_caps_and_sum_to_the_account():
    xd = committed("140105")
    secretary = get_user_model().objects.get(username="community_secretary.140105")
    admin = get_user_model().objects.get(username="district_admin.140105")
    community = secretary.person.posts.get(role="community_secretary").node
    member = (PartyMember.objects.filter(subtree_q(community.path, "node_path"), district=xd, status="full")
              .order_by("pk").first())
    honour = PointsRule.objects.create(district=xd, code="race-honour", name="并发表彰", source="manual", points=Decimal(5),
                                       cap=Decimal(20), period="year")
    penalty = PointsRule.objects.create(district=xd, code="race-penalty", name="并发扣分", source="manual", points=Decimal(-3),
                                        cap=Decimal(9), period="year")
    today = timezone.localdate()
    year = today.year
    # Ten pending entries waiting for a decision, each decided by two assessors at the same moment.
    pending = [points.create_manual(secretary, member, honour if i % 2 == 0 else penalty, 5 if i % 2 == 0 else 3, today, f"待审{i}")
               for i in range(10)]
    before = PointsAccount.objects.get(member=member, year=year).total

    def decide(entry_pk, user_pk, approve):
        try:
            entry = PointsEntry.objects.get(pk=entry_pk)
            points.decide_entry(get_user_model().objects.get(pk=user_pk), entry, approve=approve, note="并发")
        except AssessmentError as exc:
            return ("refused", entry_pk, str(exc))
        return ("ok", entry_pk, approve)

    def enter_and_approve(i):
        rule = honour if i % 2 else penalty
        try:
            entry = points.create_manual(admin, member, rule, abs(rule.points), today, f"即审{i}")
            points.decide_entry(admin, entry, approve=True)
        except AssessmentError as exc:
            return ("refused", None, str(exc))
        return ("ok", entry.pk, True)

    fns = []
    for n, e in enumerate(pending):
        fns.append(lambda pk=e.pk: decide(pk, secretary.pk, True))
        fns.append(lambda pk=e.pk, n=n: decide(pk, admin.pk, n % 3 != 0))
    fns += [lambda i=i: enter_and_approve(i) for i in range(10)]
    results = run_threads(fns)
    assert errors_of(results) == ""
    for e in pending:
        decided = [r for r in results if r[1] == e.pk and r[0] == "ok"]
        assert len(decided) == 1, (e.pk, [r for r in results if r[1] == e.pk])  # one decision per entry
        assert PointsEntry.objects.get(pk=e.pk).state == ("approved" if decided[0][2] else "rejected")

    def approved_sum(**kw):
        return PointsEntry.objects.filter(member=member, year=year, state="approved", **kw).aggregate(s=Sum("points"))["s"] or 0

    account = PointsAccount.objects.get(member=member, year=year)
    assert account.total == approved_sum() == points.ledger_total(member.pk, year)
    assert 0 < approved_sum(rule=honour) <= honour.cap
    assert -penalty.cap <= approved_sum(rule=penalty) < 0
    assert account.total == before + approved_sum(rule=honour) + approved_sum(rule=penalty)
    assert not PointsEntry.objects.filter(member=member, rule__in=[honour, penalty], state="pending").exists()
