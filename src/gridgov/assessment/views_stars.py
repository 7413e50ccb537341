"""Pages of standardisation and star rating: a year's star levels (scoped counts, the organisations, promotions
and demotions), rating a year (CONFIGURE), an organisation's checks, ratings and flags with the forms to
change them (ASSESS there), the 达标 checklist form, and the weak-and-lax list with lifting."""
import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.hierarchy.models import District
from gridgov.orgs.models import PartyOrg
from gridgov.people import roles, scoping

from .errors import AssessmentError, NotAllowed
from .models import StandardCheck, StandardItem, StarRating, WeakLaxRecord
from .services import stars as services

PAGE_SIZE = 50


def _require(request, perm):
    if not scoping.can(request.user, perm):
        raise PermissionDenied


def _district(request):
    district = scoping.user_district(request.user)
    if district is None and request.user.is_superuser:
        code = request.GET.get("district") or request.POST.get("district")
        district = District.objects.filter(code=code).first() if code else District.objects.order_by("code").first()
    if district is None:
        raise PermissionDenied
    return district


def _year(value, default):
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _org(request, pk):
    org = scoping.scope(PartyOrg.objects.select_related("node", "district"), request.user, "node__path").filter(pk=pk).first()
    if org is None:
        raise Http404
    return org


def star_list(request):
    _require(request, roles.VIEW)
    district = _district(request)
    years = sorted(set(StarRating.objects.filter(district=district).values_list("year", flat=True)), reverse=True)
    year = _year(request.GET.get("year"), years[0] if years else timezone.localdate().year)
    star_levels = services.levels(district)
    ratings = scoping.scope(StarRating.objects.filter(district=district, year=year), request.user, "node_path")
    summary = services.year_summary(ratings, star_levels)
    stars, change = request.GET.get("stars", ""), request.GET.get("change", "")
    listed = ratings.select_related("party_org", "party_org__node").order_by("-stars", "-score", "party_org__name", "pk")
    if stars.isdigit():
        listed = listed.filter(stars=int(stars))
    if change in dict(StarRating.CHANGES):
        listed = listed.filter(change=change)
    filtered = stars.isdigit() or change in dict(StarRating.CHANGES)
    if not filtered:
        listed = listed.filter(stars__gt=0)
    meeting = scoping.scope(PartyOrg.objects.filter(district=district, meets_standard=True), request.user, "node__path").count()
    weak = scoping.scope(WeakLaxRecord.objects.filter(district=district, state="open"), request.user, "node_path").count()
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    previous = dict(StarRating.objects.filter(party_org__in=[r.party_org_id for r in page.object_list], year=year - 1)
                    .values_list("party_org_id", "stars"))
    for r in page.object_list:
        r.previous_stars = previous.get(r.party_org_id)
    change_counts = [(code, label, summary["changes"].get(code, 0)) for code, label in StarRating.CHANGES]
    return render(request, "assessment/stars_list.html", {
        "district": district, "years": years, "year": year, "summary": summary, "page": page, "change_counts": change_counts,
        "stars": stars, "change": change, "filtered": filtered, "meeting": meeting, "weak_open": weak,
        "changes": StarRating.CHANGES, "can_rate": scoping.can(request.user, roles.CONFIGURE),
    })


def star_rate(request):
    """Rate a year from the organisations' monthly index totals (the district, CONFIGURE)."""
    _require(request, roles.CONFIGURE)
    district = _district(request)
    year = _year(request.POST.get("year") or request.GET.get("year"), timezone.localdate().year)
    error = None
    if request.method == "POST":
        try:
            result = services.rate_year(district, year, user=request.user)
        except AssessmentError as exc:
            error = str(exc)
        else:
            messages.success(request, _("%(year)s rated: %(n)s organisations.") % {"year": year, "n": result["rated"]})
            return redirect(f"{_url('assessment:stars')}?year={year}")
    scored = len(services.yearly_scores(district, year))
    return render(request, "assessment/stars_rate.html", {
        "district": district, "year": year, "error": error, "scored": scored, "levels": services.levels(district),
        "already": StarRating.objects.filter(district=district, year=year).count(),
    })


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


def star_org(request, pk):
    """An organisation's standard checks, star history and weak-and-lax records, with the forms."""
    _require(request, roles.VIEW)
    org = _org(request, pk)
    can_assess = scoping.can(request.user, roles.ASSESS, org.node)
    errors = {}
    today = timezone.localdate()
    if request.method == "POST":
        if not can_assess:
            raise PermissionDenied
        action = request.POST.get("action")
        try:
            if action == "rate":
                stars = request.POST.get("stars") or "0"
                score = (request.POST.get("score") or "").strip() or None
                if score is not None:
                    try:
                        float(score)
                    except ValueError:
                        raise AssessmentError(_("The score must be a number."))
                services.set_rating(org, _year(request.POST.get("year"), today.year), int(stars) if stars.isdigit() else -1,
                                    score=score, innovation_project=request.POST.get("innovation_project", ""), user=request.user)
                messages.success(request, _("The rating is saved."))
            elif action == "flag":
                try:
                    due = datetime.date.fromisoformat(request.POST.get("due") or "")
                except ValueError:
                    raise AssessmentError(_("Give the day the rectification is due."))
                services.flag_weak_lax(org, request.POST.get("reasons"), request.POST.get("plan"), due, user=request.user)
                messages.success(request, _("The organisation is flagged weak and lax; its rectification task is in the four lists."))
            else:
                raise AssessmentError(_("Unknown action."))
        except AssessmentError as exc:
            errors[action] = str(exc)
        else:
            return redirect("assessment:star_org", org.pk)
    items = list(StandardItem.objects.filter(district=org.district))
    checks = list(StandardCheck.objects.filter(party_org=org).order_by("-year"))
    for c in checks:
        c.missing = [i.text for i in items if not c.results.get(i.code)]
    return render(request, "assessment/stars_org.html", {
        "org": org, "ratings": StarRating.objects.filter(party_org=org).order_by("-year"), "checks": checks,
        "records": WeakLaxRecord.objects.filter(party_org=org).select_related("task"), "levels": services.levels(org.district),
        "can_assess": can_assess, "errors": errors, "post": request.POST if errors else {}, "this_year": today.year,
        "default_due": services.default_due(today), "open_flag": WeakLaxRecord.objects.filter(party_org=org, state="open").exists(),
    })


def standard_check(request, pk, year):
    """Fill the 达标 checklist of an organisation for a year (ASSESS there)."""
    org = _org(request, pk)
    if not scoping.can(request.user, roles.ASSESS, org.node):
        raise PermissionDenied
    items = list(StandardItem.objects.filter(district=org.district))
    check = StandardCheck.objects.filter(party_org=org, year=year).first()
    results = check.results if check else {}
    error = None
    if request.method == "POST":
        results = {i.code: request.POST.get(f"item_{i.code}") == "on" for i in items}
        try:
            check = services.record_check(org, year, results, user=request.user)
        except AssessmentError as exc:
            error = str(exc)
        else:
            if check.meets:
                messages.success(request, _("%(year)s: the organisation meets the standard.") % {"year": year})
            else:
                messages.success(request, _("%(year)s: the organisation does not meet the standard.") % {"year": year})
            return redirect("assessment:star_org", org.pk)
    return render(request, "assessment/stars_check.html", {
        "org": org, "year": year, "rows": [(i, bool(results.get(i.code))) for i in items], "error": error, "check": check,
    })


def weak_lax_list(request):
    _require(request, roles.VIEW)
    district = _district(request)
    state = request.GET.get("state", "open")
    records = scoping.scope(WeakLaxRecord.objects.filter(district=district), request.user, "node_path") \
        .select_related("party_org", "party_org__node", "task").order_by("state", "due", "pk")
    if state in dict(WeakLaxRecord.STATES):
        records = records.filter(state=state)
    error, error_pk = None, None
    if request.method == "POST":
        record = scoping.scope(WeakLaxRecord.objects.filter(district=district), request.user, "node_path") \
            .filter(pk=request.POST.get("record")).select_related("party_org", "party_org__node").first()
        if record is None:
            raise Http404
        try:
            services.lift_weak_lax(record, user=request.user, note=request.POST.get("note", ""))
        except NotAllowed:
            raise PermissionDenied
        except AssessmentError as exc:
            error, error_pk = str(exc), record.pk
        else:
            messages.success(request, _("The flag on “%(org)s” is lifted.") % {"org": record.party_org.name})
            return redirect(f"{_url('assessment:weak_lax')}?state={state}")
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    for r in page.object_list:
        r.can_lift = r.state == "open" and scoping.can(request.user, roles.ASSESS, r.party_org.node)
    return render(request, "assessment/stars_weak_lax.html", {
        "page": page, "state": state, "states": WeakLaxRecord.STATES, "error": error, "error_pk": error_pk,
        "today": timezone.localdate(),
    })
