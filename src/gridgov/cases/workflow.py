"""The case state machine, as one table: each action, the states it may start from, the state it
leads to, and who may take it. services.transition() is the only code that changes a case's state."""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import permissions as perms

ACTIVE_STATES = ("reported", "registered", "dispatched", "handling", "handled", "verified")
FINAL_STATES = ("voided", "closed", "evaluated")


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple
    target: str | None  # None: the state does not change (extension, escalation, contribution)
    who: str            # dispatcher | handler | co_handler | verifier | reporter | evaluator | reopener


ACTIONS = {
    a.name: a
    for a in [
        Action("register", _("Register"), ("reported",), "registered", "dispatcher"),
        Action("void", _("Void (invalid or duplicate)"), ("reported", "registered"), "voided", "dispatcher"),
        Action("dispatch", _("Dispatch"), ("registered",), "dispatched", "dispatcher"),
        Action("summon", _("Summon departments for joint handling"), ("registered", "dispatched", "handling"), "dispatched", "dispatcher"),
        Action("accept", _("Accept"), ("dispatched",), "handling", "handler"),
        Action("return_to_dispatcher", _("Return: wrong department"), ("dispatched", "handling"), "registered", "handler"),
        Action("request_extension", _("Request an extension"), ("handling",), None, "handler"),
        Action("approve_extension", _("Approve the extension"), ("handling",), None, "dispatcher"),
        Action("deny_extension", _("Deny the extension"), ("handling",), None, "dispatcher"),
        Action("contribute", _("Report joint-handling part done"), ("handling",), None, "co_handler"),
        Action("handle", _("Mark handled"), ("handling",), "handled", "handler"),
        Action("verify", _("Verify"), ("handled",), "verified", "verifier"),
        Action("rework", _("Return for rework"), ("handled",), "handling", "verifier"),
        Action("close", pgettext_lazy("case", "Close"), ("verified",), "closed", "dispatcher"),
        Action("evaluate", _("Evaluate"), ("closed",), "evaluated", "evaluator"),
        Action("reopen", _("Reopen (unsatisfied)"), ("evaluated",), "registered", "reopener"),
        Action("fix_on_spot", _("Fixed on the spot"), ("reported",), "closed", "reporter"),
        Action("escalate", _("Whistle up a level"), ("reported", "registered", "dispatched", "handling"), None, "reporter"),
    ]
}


def allowed(user, case, action):
    """True when `user` may take `action` on `case` in its current state (role and state)."""
    a = ACTIONS.get(action)
    if a is None or case.state not in a.sources:
        return False
    if a.who == "dispatcher":
        return perms.can_dispatch(user, case)
    if a.who == "handler":
        return bool(perms.handles_for(user, case, lead=True)) or (getattr(user, "is_superuser", False))
    if a.who == "co_handler":
        return any(not x.done for x in perms.handles_for(user, case, lead=False))
    if a.who == "verifier":
        return perms.can_verify(user, case)
    if a.who == "reporter":
        return perms.can_report(user, case.grid) and case.level != "district"
    if a.who in ("evaluator", "reopener"):
        person = perms.person_of(user)
        own = person is not None and case.reporter_id == person.pk
        return own or perms.can_dispatch(user, case)
    return False


def available(user, case):
    """The actions the user may take now, in table order (for the case page's buttons)."""
    return [a for name, a in ACTIONS.items() if allowed(user, case, name)]
