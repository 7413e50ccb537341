"""The deadline worker: warnings before, overdue marks and escalation after; a worker stopped for a
day catches up on everything that fell due, once, and never acts twice on a case."""
import datetime as dt

from django.core.management import call_command

from gridgov.cases import services
from gridgov.cases.models import Case, Transition


def test_worker_down_for_a_day_escalates_everything_that_fell_due(new_case, act):
    reported = new_case()
    dispatched = act(act(new_case(), "register", "community_secretary"), "dispatch", "community_secretary")
    later = new_case()
    Case.objects.filter(pk=later.pk).update(deadline=reported.reported_at + dt.timedelta(days=5))
    start = reported.reported_at

    services.tick(now=start)  # whatever of the demo's open cases is due now
    for case in (reported, dispatched, later):
        case.refresh_from_db()
        assert case.overdue_at is None and case.level == "grid"
    # The worker is stopped; a day passes; it starts again.
    counts = services.tick(now=start + dt.timedelta(days=4, hours=1))
    reported.refresh_from_db()
    dispatched.refresh_from_db()
    later.refresh_from_db()
    assert reported.level == "community" and reported.was_overdue
    assert dispatched.level == "community" and dispatched.was_overdue
    assert later.level == "grid" and not later.was_overdue
    assert counts["escalated"] >= 2
    assert Transition.objects.filter(case=reported, action="auto_escalate").count() == 1
    # Starting again at the same moment finds nothing left to do.
    assert services.tick(now=start + dt.timedelta(days=4, hours=1))["escalated"] == 0


def test_a_deadline_near_is_warned_once(new_case):
    case = new_case()
    soon = case.deadline - dt.timedelta(minutes=30)
    assert services.tick(now=soon)["warned"] >= 1
    services.tick(now=soon)
    assert Transition.objects.filter(case=case, action="warn").count() == 1


def test_district_without_escalation_only_marks_overdue(new_case, xd):
    xd.settings["escalate_overdue"] = False
    xd.save()
    case = new_case()
    services.tick(now=case.deadline + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.overdue_at is not None and case.level == "grid"


def test_worker_command_escalates_a_case_already_overdue(new_case):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(deadline=case.reported_at - dt.timedelta(hours=1))
    call_command("worker", "--once")
    case.refresh_from_db()
    assert case.level == "community" and case.was_overdue
