"""The case state machine: every path (normal, rework, extension, wrong department, escalation to
the district, joint handling, void, evaluation and reopening) and every illegal transition."""
import datetime as dt
import itertools

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, Transition
from gridgov.cases.services import CaseError, NotAllowed
from gridgov.cases.workflow import ACTIONS


def states(case):
    return list(Transition.objects.filter(case=case).values_list("action", "to_state"))


def test_a_case_walks_report_to_evaluation(new_case, act):
    case = new_case()
    assert case.state == "reported" and case.number.startswith("140105") and case.deadline
    act(case, "register", "community_secretary")
    case = act(case, "dispatch", "community_secretary")
    assert case.department.code == "cgj" and case.handle_deadline
    act(case, "accept", "department_handler")
    act(case, "handle", "department_handler")
    act(case, "verify", "grid_worker")
    case = act(case, "close", "community_secretary")
    assert case.closed_on_time is True
    case = act(case, "evaluate", "resident", rating="satisfied")
    assert case.state == "evaluated"
    assert [a for a, _ in states(case)] == ["report", "register", "dispatch", "accept", "handle", "verify", "close", "evaluate"]


def test_rework_sends_the_case_back_to_the_department(new_case, act):
    case = new_case()
    for action, role in [("register", "community_secretary"), ("dispatch", "community_secretary"), ("accept", "department_handler"), ("handle", "department_handler")]:
        case = act(case, action, role)
    case = act(case, "rework", "grid_worker", comment="垃圾未清理干净")
    assert case.state == "handling" and case.rework_count == 1 and case.handled_at is None
    case = act(case, "handle", "department_handler")
    case = act(case, "verify", "grid_worker")
    assert case.state == "verified"


def test_extension_moves_the_handling_deadline_only_when_approved(new_case, act):
    case = new_case()
    for action, role in [("register", "community_secretary"), ("dispatch", "community_secretary"), ("accept", "department_handler")]:
        case = act(case, action, role)
    before = case.handle_deadline
    case = act(case, "request_extension", "department_handler", days=2)
    with pytest.raises(CaseError):
        act(case, "request_extension", "department_handler", days=1)  # one request at a time
    case = act(case, "deny_extension", "community_secretary")
    assert case.handle_deadline == before and not case.extended
    case = act(case, "request_extension", "department_handler", days=2)
    case = act(case, "approve_extension", "community_secretary")
    assert case.extended and case.handle_deadline > before and case.deadline == case.handle_deadline


def test_wrong_department_returns_the_case_to_the_dispatcher(new_case, act, dept):
    case = new_case()
    case = act(case, "register", "community_secretary")
    case = act(case, "dispatch", "community_secretary", department=dept("cgj"))
    case = act(case, "return_to_dispatcher", "department_handler", comment="不属于本部门职责")
    assert case.state == "registered" and case.department is None
    case = act(case, "dispatch", "community_secretary", department=dept("swj"))
    assert case.department.code == "swj"
    with pytest.raises(NotAllowed):
        act(case, "accept", "department_handler")  # the handler works for 城管, not 水务


def test_whistle_escalates_a_case_up_to_the_district_and_no_further(new_case, act):
    case = new_case()
    case = act(case, "escalate", "grid_worker", comment="网格层面无法解决")
    assert case.level == "community"
    with pytest.raises(NotAllowed):
        act(case, "register", "grid_chief")  # grid staff do not dispatch
    case = act(case, "escalate", "community_secretary")
    assert case.level == "subdistrict"
    with pytest.raises(NotAllowed):
        act(case, "register", "community_secretary")  # now the subdistrict's case
    case = act(case, "escalate", "subdistrict_secretary")
    assert case.level == "district" and case.escalations == 3
    with pytest.raises(NotAllowed):
        act(case, "escalate", "district_admin")
    case = act(case, "register", "district_admin")
    assert case.state == "registered"


def test_joint_handling_waits_for_every_summoned_department(new_case, act, dept):
    from django.contrib.auth import get_user_model

    from gridgov.cases.models import DepartmentHandler
    from gridgov.people.models import Person

    user = get_user_model().objects.create(username="water.handler")
    person = Person.objects.create(district=dept("swj").district, name="水务承办人", user=user)
    DepartmentHandler.objects.create(department=dept("swj"), person=person)

    case = new_case()
    case = act(case, "escalate", "grid_worker")
    case = act(case, "escalate", "community_secretary")
    case = act(case, "register", "subdistrict_secretary")
    with pytest.raises(CaseError):
        act(case, "summon", "subdistrict_secretary", departments=[dept("cgj")])  # one department is no joint handling
    case = act(case, "summon", "subdistrict_secretary", departments=[dept("cgj"), dept("swj")])
    assert case.joint and case.state == "dispatched"
    case = act(case, "accept", "department_handler")
    with pytest.raises(CaseError):
        act(case, "handle", "department_handler")  # 水务 has not reported its part
    case = services.transition(case, "contribute", user, comment="管道已疏通")
    case = act(case, "handle", "department_handler")
    assert case.state == "handled"


def test_void_needs_a_reason_and_a_duplicate_names_the_original(new_case, act):
    original = new_case()
    case = new_case()
    with pytest.raises(CaseError):
        act(case, "void", "community_secretary")
    with pytest.raises(CaseError):
        act(case, "void", "community_secretary", reason="duplicate")
    case = act(case, "void", "community_secretary", reason="duplicate", duplicate_of=original.number)
    assert case.state == "voided" and case.deadline is None


def _to_evaluated(case, act, rating):
    for action, role in [("register", "community_secretary"), ("dispatch", "community_secretary"), ("accept", "department_handler"),
                         ("handle", "department_handler"), ("verify", "grid_worker"), ("close", "community_secretary")]:
        case = act(case, action, role)
    return act(case, "evaluate", "resident", rating=rating)


def test_unsatisfied_reporter_reopens_within_the_limit(new_case, act):
    case = _to_evaluated(new_case(), act, "unsatisfied")
    case = act(case, "reopen", "resident", comment="问题又出现了")
    assert case.state == "registered" and case.closed_at is None


def test_satisfied_or_late_cases_cannot_be_reopened(new_case, act):
    case = _to_evaluated(new_case(), act, "satisfied")
    with pytest.raises(CaseError):
        act(case, "reopen", "resident")
    late = _to_evaluated(new_case(), act, "unsatisfied")
    with pytest.raises(CaseError):
        services.transition(late, "reopen", late.reporter.user, at=late.closed_at + dt.timedelta(days=30))


ALL_STATES = [s for s, _ in Case.STATES]


@pytest.mark.parametrize("state,action", [(s, a) for s, a in itertools.product(ALL_STATES, ACTIONS) if s not in ACTIONS[a].sources])
def test_every_illegal_transition_is_refused(new_case, act, state, action):
    case = new_case()
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    with pytest.raises(CaseError):
        services.transition(case, action, _superuser())
    case.refresh_from_db()
    assert case.state == state


def _superuser():
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="root-test", defaults={"is_superuser": True, "is_staff": True})
    return user


@pytest.mark.parametrize("role,action", [
    ("resident", "register"), ("grid_worker", "dispatch"), ("department_handler", "register"),
    ("community_secretary", "accept"), ("partner_unit_contact", "escalate"),
])
def test_the_wrong_role_is_refused(new_case, act, role, action):
    case = new_case()
    if action in ("dispatch", "accept"):
        case = act(case, "register", "community_secretary")
    if action == "accept":
        case = act(case, "dispatch", "community_secretary")
    with pytest.raises(NotAllowed):
        act(case, action, role)


def test_a_stale_transition_loses_with_a_conflict(new_case, act, demo_user):
    case = new_case()
    stale = Case.objects.get(pk=case.pk)
    act(case, "register", "community_secretary")
    with pytest.raises(CaseError):
        services.transition(stale, "register", demo_user("community_secretary", "140105"))
    assert Transition.objects.filter(case=case, action="register").count() == 1
