"""Assessment services: the secretaries' four lists, problems and their rectification tasks, inspections
whose findings become problems, and the secretaries' annual reports (述职评议) with their appraisal."""
import datetime as dt

from django.db import transaction
from django.db.models import Avg, Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.services import subtree_q
from gridgov.people import roles, scoping
from gridgov.people.models import Post

from ..errors import AssessmentError, NotAllowed
from ..models import Grade, Inspection, ListItem, SecretaryReport

# The levels that keep the four lists (MISSION.md §5.5).
LEVELS = ("district", "subdistrict", "community")
OPEN_STATES = ("open", "in_progress")
# The post whose holder is the level's secretary when the party organisation names none.
SECRETARY_ROLES = {"district": "district_admin", "subdistrict": "subdistrict_secretary", "community": "community_secretary"}
# Organisations whose secretary is the level's secretary (not the grid branches below it).
LEVEL_ORG_KINDS = ("committee", "working_committee", "general_branch")


def _today(now=None):
    return timezone.localdate(now) if now is not None else timezone.localdate()


# ---------------------------------------------------------------- reading


def visible_items(user):
    return scoping.scope(ListItem.objects.all(), user, "node_path")


def overdue_q(today):
    """The items past their due date and neither done nor cancelled."""
    return Q(state__in=OPEN_STATES, due__lt=today)


def is_overdue(item, today=None):
    return item.state in OPEN_STATES and item.due is not None and item.due < (today or _today())


def filter_items(qs, kind=None, level=None, year=None, state=None, overdue=False, today=None):
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(node__kind=level)
    if year:
        qs = qs.filter(year=year)
    if state:
        qs = qs.filter(state=state)
    if overdue:
        qs = qs.filter(overdue_q(today or _today()))
    return qs


def visible_inspections(user):
    return scoping.scope(Inspection.objects.all(), user, "node_path")


def visible_reports(user):
    return scoping.scope(SecretaryReport.objects.all(), user, "node_path")


def level_nodes(user, perm=roles.ASSESS):
    """The district, subdistrict and community nodes where the user may keep lists."""
    return scoping.scoped_nodes(user, perm).filter(kind__in=LEVELS).order_by("path")


def secretary_of(node):
    """The secretary of a district, subdistrict or community: its party organisation's secretary,
    else the holder of the level's secretary post, else None."""
    from gridgov.orgs.models import PartyOrg

    org = PartyOrg.objects.filter(node=node, kind__in=LEVEL_ORG_KINDS, secretary__isnull=False).order_by("pk").first()
    if org is not None:
        return org.secretary
    role = SECRETARY_ROLES.get(node.kind)
    post = Post.objects.filter(node=node, role=role).select_related("person").order_by("pk").first() if role else None
    return post.person if post else None


def level_org(node):
    """The party organisation of a level (its committee, working committee or general branch)."""
    from gridgov.orgs.models import PartyOrg

    return PartyOrg.objects.filter(node=node, kind__in=LEVEL_ORG_KINDS).order_by("pk").first()


# ---------------------------------------------------------------- writing the lists


def _require(user, node):
    if user is not None and not scoping.can(user, roles.ASSESS, node):
        raise NotAllowed(_("You may not keep the lists of %(node)s.") % {"node": node.name})


def _check_level(node):
    if node.kind not in LEVELS:
        raise AssessmentError(_("The four lists are kept by a district, a subdistrict or a community, not by a %(level)s.")
                              % {"level": node.get_kind_display()})


@transaction.atomic
def create_item(user, *, node, kind, year, title, detail="", owner=None, party_org=None, due=None, inspection=None):
    """Add an item to a level's list; problems and rectifications go through their own functions too."""
    _require(user, node)
    _check_level(node)
    if kind not in dict(ListItem.KINDS):
        raise AssessmentError(_("Unknown list."))
    if kind == ListItem.RECTIFICATION:
        raise AssessmentError(_("A rectification task is added to a problem."))
    if not (title or "").strip():
        raise AssessmentError(_("Give the item a title."))
    return ListItem.objects.create(
        district=node.district, kind=kind, node=node, year=year, title=title.strip(), detail=detail or "",
        owner=owner if owner is not None else secretary_of(node), party_org=party_org if party_org is not None else level_org(node),
        due=due, inspection=inspection, node_path=node.path,
    )


EDITABLE = ("title", "detail", "owner", "party_org", "due", "state")


@transaction.atomic
def update_item(user, item, **fields):
    _require(user, item.node)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise AssessmentError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    state = fields.get("state", item.state)
    if state == "done" and item.state != "done":
        # Completing goes through the checks below (evidence, open tasks), never a plain edit.
        raise AssessmentError(_("Use “Complete” or “Close the problem” to mark an item done."))
    if not (fields.get("title", item.title) or "").strip():
        raise AssessmentError(_("Give the item a title."))
    for key, value in fields.items():
        setattr(item, key, value)
    item.save()
    return item


@transaction.atomic
def add_rectification(problem, title, owner, due, detail="", user=None):
    """A rectification task of a problem: its own deadline and owner, at the problem's level."""
    if problem.kind != ListItem.PROBLEM:
        raise AssessmentError(_("Rectification tasks belong to a problem."))
    _require(user, problem.node)
    if problem.state not in OPEN_STATES:
        raise AssessmentError(_("This problem is closed; reopen it before adding tasks."))
    if not (title or "").strip():
        raise AssessmentError(_("Give the task a title."))
    if due is None:
        raise AssessmentError(_("A rectification task needs a deadline."))
    task = ListItem.objects.create(
        district=problem.district, kind=ListItem.RECTIFICATION, node=problem.node, year=problem.year,
        title=title.strip(), detail=detail or "", owner=owner or problem.owner, party_org=problem.party_org,
        due=due, parent=problem, node_path=problem.node_path,
    )
    if problem.state == "open":
        ListItem.objects.filter(pk=problem.pk).update(state="in_progress")
        problem.state = "in_progress"
    return task


@transaction.atomic
def complete_item(item, evidence="", attachment=None, user=None, day=None):
    """Mark a task done. A rectification needs evidence (a text or a file): refused otherwise."""
    _require(user, item.node)
    if item.state not in OPEN_STATES:
        raise AssessmentError(_("This item is already %(state)s.") % {"state": item.get_state_display()})
    if item.kind == ListItem.PROBLEM:
        return close_problem(item, user=user, evidence=evidence, attachment=attachment, day=day)
    evidence = (evidence or "").strip()
    if item.kind == ListItem.RECTIFICATION and not evidence and not attachment and not item.attachment:
        raise AssessmentError(_("A rectification can only be completed with evidence: describe what was done or attach a file."))
    item.state, item.done_on = "done", day or _today()
    if evidence:
        item.evidence = evidence
    if attachment:
        item.attachment = attachment
    item.save()
    return item


complete_rectification = complete_item


@transaction.atomic
def close_problem(problem, user=None, evidence="", attachment=None, day=None):
    """Close a problem once every rectification task is done (or cancelled)."""
    _require(user, problem.node)
    if problem.kind != ListItem.PROBLEM:
        raise AssessmentError(_("Only a problem is closed this way."))
    if problem.state not in OPEN_STATES:
        raise AssessmentError(_("This item is already %(state)s.") % {"state": problem.get_state_display()})
    tasks = problem.children.all()
    pending = tasks.filter(state__in=OPEN_STATES).count()
    if pending:
        raise AssessmentError(_("%(n)d rectification task(s) of this problem are not done yet.") % {"n": pending})
    evidence = (evidence or "").strip()
    if not tasks.exists() and not evidence and not attachment:
        raise AssessmentError(_("A problem without rectification tasks is closed with evidence of how it was solved."))
    problem.state, problem.done_on = "done", day or _today()
    if evidence:
        problem.evidence = evidence
    if attachment:
        problem.attachment = attachment
    problem.save()
    return problem


@transaction.atomic
def record_inspection(user, *, node, kind, inspector, day, summary="", findings=()):
    """An inspection of a level by a party-building supervisor or a third party; each finding
    ({"title", "detail", "due"}) becomes a problem on the inspected level's problem list."""
    _check_level(node)
    if user is not None and not scoping.can(user, roles.ASSESS, node):
        raise NotAllowed(_("You may not record inspections of %(node)s.") % {"node": node.name})
    if kind not in dict(Inspection.KINDS):
        raise AssessmentError(_("Unknown kind of inspection."))
    if not (inspector or "").strip():
        raise AssessmentError(_("Name the inspector."))
    inspection = Inspection.objects.create(district=node.district, node=node, kind=kind, inspector=inspector.strip(), day=day,
                                           summary=summary or "", node_path=node.path)
    owner, org = secretary_of(node), level_org(node)
    problems = []
    for finding in findings:
        title = (finding.get("title") or "").strip()
        if not title:
            continue
        problems.append(ListItem(
            district=node.district, kind=ListItem.PROBLEM, node=node, year=day.year, title=title,
            detail=finding.get("detail") or "", owner=owner, party_org=org, due=finding.get("due"),
            inspection=inspection, node_path=node.path,
        ))
    ListItem.objects.bulk_create(problems)
    return inspection


def parse_findings(text):
    """Findings typed one per line, "title" or "title | YYYY-MM-DD" (the due date)."""
    findings = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        title, _sep, due = line.partition("|")
        due = due.strip()
        parsed = None
        if due:
            try:
                parsed = dt.date.fromisoformat(due)
            except ValueError:
                raise AssessmentError(_("Line %(n)d: give the due date as YYYY-MM-DD.") % {"n": number}) from None
        findings.append({"title": title.strip(), "due": parsed})
    return findings


# ---------------------------------------------------------------- the secretaries' annual reports


def _list_figures(node, year, today):
    items = ListItem.objects.filter(node=node, year=year)
    by_kind = {kind: {"total": 0} for kind, _label in ListItem.KINDS}
    for row in items.values("kind", "state").annotate(n=Count("pk")).order_by():
        by_kind[row["kind"]][row["state"]] = row["n"]
        by_kind[row["kind"]]["total"] += row["n"]
    counts = items.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=overdue_q(today)),
        done=Count("pk", filter=Q(state="done")),
        # Done on time: done on or before its due date (an item with no due date cannot be late).
        done_on_time=Count("pk", filter=Q(state="done") & (Q(due__isnull=True) | Q(done_on__lte=F("due")))),
        done_late=Count("pk", filter=Q(state="done", due__isnull=False, done_on__gt=F("due"))),
    )
    return {"by_kind": by_kind, **counts}


def _index_figures(node, year):
    grades = Grade.objects.filter(subtree_q(node.path, "node_path"), district=node.district,
                                  month__lte=dt.date(year, 12, 1), month__gte=dt.date(year, 1, 1))
    month = grades.aggregate(m=Max("month"))["m"]
    if month is None:
        return {"month": None, "orgs": 0, "average": None, "bands": []}
    latest = grades.filter(month=month)
    agg = latest.aggregate(n=Count("pk"), avg=Avg("total"))
    bands = [
        {"band_id": row["band_id"], "name": row["band__name"] or "—", "colour": row["band__colour"] or "#999999",
         "rank": row["band__rank"], "count": row["n"]}
        for row in latest.values("band_id", "band__name", "band__colour", "band__rank").annotate(n=Count("pk")).order_by("band__rank")
    ]
    return {"month": month.strftime("%Y-%m"), "orgs": agg["n"],
            "average": round(float(agg["avg"]), 2) if agg["avg"] is not None else None, "bands": bands}


def _case_figures(node, year, now):
    """The cases reported in the year in the node's area, with the KPI definitions of cases/kpi.py."""
    from gridgov.cases import kpi

    district = node.district
    start, _end = kpi.month_period(district, year, 1)
    end, _x = kpi.month_period(district, year + 1, 1)
    keys = ("reported", "registered", "due", "closed", "on_time", "overdue", "reworked")
    if node.kind in kpi.GROUP_DEPTH:
        rows = [r for r in kpi.kpi_table(district, node.kind, start, end, now=now) if r["key"] == node.path]
    else:  # the district: the sum of its subdistricts
        rows = kpi.kpi_table(district, "subdistrict", start, end, now=now)
    totals = {k: sum(r[k] for r in rows) for k in keys}
    totals["on_time_rate"] = round(totals["on_time"] / totals["due"], 4) if totals["due"] else None
    totals["closure_rate"] = round(totals["closed"] / totals["due"], 4) if totals["due"] else None
    totals["from"], totals["to"] = f"{year}-01-01", f"{year}-12-31"
    return totals


def assemble_report(secretary, node, year, statement=None, now=None):
    """Draw up (or redraw) a secretary's report for a year from their level's four lists, the
    grades of the organisations in their area and the cases in it; keeps statement and appraisal."""
    _check_level(node)
    now = now or timezone.now()
    # Figures as they stood at the end of the year (or now, for the current year).
    year_end = dt.date(year, 12, 31)
    today = min(_today(now), year_end + dt.timedelta(days=1))
    content = {
        "lists": _list_figures(node, year, today),
        "indices": _index_figures(node, year),
        "cases": _case_figures(node, year, now),
        "assembled_at": now.isoformat(timespec="seconds"),
    }
    with transaction.atomic():
        report, created = SecretaryReport.objects.get_or_create(
            secretary=secretary, node=node, year=year,
            defaults={"district": node.district, "content": content, "statement": statement or "", "node_path": node.path},
        )
        if not created:
            report.content = content
            fields = ["content"]
            if statement is not None:
                report.statement = statement
                fields.append("statement")
            report.save(update_fields=fields)
    return report


def can_appraise(user, report):
    """Appraisal is given from a level above: a post with ASSESS at a proper ancestor of the report's level."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return any(
        roles.ASSESS in roles.ROLES[p.role].perms and report.node_path.startswith(p.node.path) and len(p.node.path) < len(report.node_path)
        for p in scoping.active_posts(user)
    )


def can_edit_statement(user, report):
    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    return (person is not None and person.pk == report.secretary_id) or scoping.can(user, roles.ASSESS, report.node)


@transaction.atomic
def appraise(user, report, appraisal, now=None):
    if appraisal not in dict(SecretaryReport.APPRAISALS):
        raise AssessmentError(_("Choose excellent, good, fair or poor."))
    if user is not None and not can_appraise(user, report):
        raise NotAllowed(_("The appraisal is given by a level above the secretary's."))
    report.appraisal, report.appraised_by, report.appraised_at = appraisal, user, now or timezone.now()
    report.save(update_fields=["appraisal", "appraised_by", "appraised_at"])
    return report


@transaction.atomic
def set_statement(user, report, statement):
    if user is not None and not can_edit_statement(user, report):
        raise NotAllowed(_("Only the secretary or an assessor of the level writes the statement."))
    report.statement = statement or ""
    report.save(update_fields=["statement"])
    return report


def node_choices(user):
    return [(n.pk, f"{'　' * (n.depth - 1)}{n.name}") for n in level_nodes(user)]


def get_node(user, pk):
    return level_nodes(user).filter(pk=pk).first() if pk else None
