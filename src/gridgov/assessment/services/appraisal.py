"""The community-worker annual appraisal (MISSION.md §5.7): grades per worker and year with at most a
quota (30 % by default, District.settings["appraisal_excellent_pct"]) of a unit's workers rated excellent."""
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from gridgov.people import roles, scoping
from gridgov.people.models import CommunityWorker

from ..errors import AssessmentError, NotAllowed
from ..models import WorkerAppraisal

EXCELLENT = "excellent"
GRADES = dict(WorkerAppraisal.GRADES)
SETTING = "appraisal_excellent_pct"
DEFAULT_PCT = Decimal(30)


def excellent_pct(district):
    try:
        pct = Decimal(str((district.settings or {}).get(SETTING, DEFAULT_PCT)))
    except (InvalidOperation, TypeError, ValueError):
        return DEFAULT_PCT
    return pct if 0 <= pct <= 100 else DEFAULT_PCT


def quota(district, workers):
    """How many of a unit's `workers` may be rated excellent: floor(pct × workers)."""
    return int(Decimal(workers) * excellent_pct(district) / Decimal(100))


def _lock_unit(unit):
    # Locking every worker row of the unit (in id order, so two appraisers never deadlock) makes
    # concurrent appraisals of one unit take turns on PostgreSQL; SQLite's immediate transactions
    # already serialise writers.
    return list(CommunityWorker.objects.select_for_update().filter(node=unit).order_by("pk").values_list("pk", flat=True))


def _refuse(unit_total, cap, done):
    raise AssessmentError(_(
        "This unit has %(n)s community workers: at most %(cap)s may be rated excellent, and %(done)s already are.") % {
        "n": unit_total, "cap": cap, "done": done})


def appraise(worker, year, grade, user=None, comment=""):
    """Give `worker` their `grade` for `year`; an excellent over the unit's quota is refused."""
    return appraise_many(worker.node, year, {worker: grade}, user=user, comments={worker: comment})[0]


def appraise_many(unit, year, grades, user=None, comments=None):
    """Grade several workers of one unit (the community) at once: {worker or id: grade}. All or nothing:
    refused when the unit would hold more excellent grades than its quota."""
    if user is not None and not scoping.can(user, roles.ASSESS, unit):
        raise NotAllowed(_("You may not appraise the workers of this unit."))
    comments = {getattr(k, "pk", k): v for k, v in (comments or {}).items()}
    wanted = {}
    for key, grade in grades.items():
        if grade not in GRADES:
            raise AssessmentError(_("Unknown grade: %(grade)s.") % {"grade": grade})
        wanted[getattr(key, "pk", key)] = grade
    with transaction.atomic():
        members = _lock_unit(unit)
        strangers = set(wanted) - set(members)
        if strangers:
            raise AssessmentError(_("Only the workers of this unit can be appraised here."))
        current = dict(WorkerAppraisal.objects.filter(unit=unit, year=year).values_list("worker_id", "grade"))
        after = {**current, **wanted}
        cap = quota(unit.district, len(members))
        excellent = sum(1 for g in after.values() if g == EXCELLENT)
        added = sum(1 for pk, g in wanted.items() if g == EXCELLENT and current.get(pk) != EXCELLENT)
        if added and excellent > cap:
            _refuse(len(members), cap, excellent - added)
        existing = {a.worker_id: a for a in WorkerAppraisal.objects.filter(unit=unit, year=year, worker_id__in=wanted)}
        decided_by = user if getattr(user, "pk", None) else None
        new, changed = [], []
        for pk, grade in wanted.items():
            a = existing.get(pk)
            comment = comments.get(pk, a.comment if a else "")
            if a is None:
                new.append(WorkerAppraisal(district_id=unit.district_id, worker_id=pk, unit=unit, year=year, grade=grade,
                                           comment=comment, decided_by=decided_by, node_path=unit.path))
            elif a.grade != grade or a.comment != comment:
                a.grade, a.comment, a.decided_by = grade, comment, decided_by
                changed.append(a)
        WorkerAppraisal.objects.bulk_create(new, batch_size=1000)
        for a in changed:
            a.save(update_fields=["grade", "comment", "decided_by", "decided_at"])
    by_worker = {a.worker_id: a for a in new + changed}
    by_worker.update({pk: a for pk, a in existing.items() if pk not in by_worker})
    return [by_worker[pk] for pk in wanted]


def unit_summary(unit, year):
    """Workers, quota and counts per grade of one unit-year (for the page)."""
    workers = CommunityWorker.objects.filter(node=unit).count()
    by_grade = dict(WorkerAppraisal.objects.filter(unit=unit, year=year).values("grade")
                    .annotate(n=Count("id")).values_list("grade", "n"))
    return {"workers": workers, "quota": quota(unit.district, workers), "pct": format(excellent_pct(unit.district).normalize(), "f"),
            "grades": [(code, label, by_grade.get(code, 0)) for code, label in WorkerAppraisal.GRADES],
            "excellent": by_grade.get(EXCELLENT, 0), "appraised": sum(by_grade.values())}
