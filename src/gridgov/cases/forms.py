"""Forms of the case pages: reporting a case (with photos checked by content, names sanitised),
one form per workflow action, the case-list filters and the KPI period."""
import datetime as dt
import os
import re
import unicodedata
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from gridgov.people import pii, scoping

from . import permissions as perms
from .models import Case, Category, Department, Evaluation
from .services import MAX_DESCRIPTION

# ---------------------------------------------------------------- photos

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
# content type -> (canonical extension, accepted extensions). The type is read from the file's
# first bytes: a name or a browser-sent content type proves nothing.
PHOTO_TYPES = {
    "image/jpeg": (".jpg", {".jpg", ".jpeg"}),
    "image/png": (".png", {".png"}),
    "image/webp": (".webp", {".webp"}),
}


def sniff_image(head):
    """The image type of a file from its first bytes, or None when it is no JPEG, PNG or WebP."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def safe_name(original, extension):
    """A display name without directories, control characters or leading dots, ending in `extension`.

    The stored file never uses it (storage names are random); it is what the page shows."""
    name = unicodedata.normalize("NFKC", str(original or ""))
    name = re.split(r"[\\/]", name)[-1]  # drop any directory part, POSIX or Windows
    stem = os.path.splitext(name)[0]
    stem = re.sub(r"[^\w\-. ]", "", stem, flags=re.UNICODE).strip(" .")
    stem = re.sub(r"\.{2,}", ".", stem)[:80] or "photo"
    return stem + extension


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once: JPEG, PNG or WebP by content, each at most 10 MB."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos at once.") % {"n": MAX_PHOTOS})
        errors, photos = [], []
        for f in files:
            head = f.read(16)
            f.seek(0)
            kind = sniff_image(head)
            ext = os.path.splitext(str(f.name or ""))[1].lower()
            shown = safe_name(f.name, re.sub(r"[^\w.]", "", ext)[:10])
            if kind is None or ext not in PHOTO_TYPES[kind][1]:
                errors.append(_("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": shown})
            elif f.size > MAX_PHOTO_BYTES:
                errors.append(_("“%(name)s” is larger than 10 MB.") % {"name": shown})
            else:
                photos.append({"file": f, "name": safe_name(f.name, PHOTO_TYPES[kind][0]), "content_type": kind, "size": f.size})
        if errors:
            raise forms.ValidationError(errors)
        return photos


# ---------------------------------------------------------------- reporting

MODES = {
    "resident": (gettext_lazy("My own report"), "resident"),
    "patrol": (gettext_lazy("Found on patrol"), "patrol"),
    "staff": (gettext_lazy("On behalf of a resident"), "staff"),
    "desk": (gettext_lazy("One-window desk (百通岗)"), "desk"),
}
# Modes in which a resident is the reporter and must be named.
ON_BEHALF = ("staff", "desk")


def report_modes(user):
    """The reporting modes open to the user: staff report in their area or for a resident; a
    community-level post also keeps the one-window desk, which takes any request of the district."""
    posts = [p for p in scoping.active_posts(user) if perms.REPORT in perms.CASE_PERMS.get(p.role, ())]
    if getattr(user, "is_superuser", False) and not posts:
        return ["patrol", "staff", "desk"]
    if not posts:
        return ["resident"]
    modes = ["patrol", "staff"]
    if any(p.role == "community_worker" or p.node.depth <= 3 for p in posts):
        modes.append("desk")
    return modes


def category_choices(district):
    """Subclass choices grouped by class: [("E01 市容环境", [(pk, "E0101 私搭乱建"), …]), …]."""
    groups, by_parent = [], {}
    kinds = [k for k, _label in Category.KINDS]  # events, then components, then governance
    rows = Category.objects.filter(district=district, active=True, parent__isnull=False, parent__active=True).select_related("parent")
    for c in sorted(rows, key=lambda c: (kinds.index(c.kind) if c.kind in kinds else len(kinds), c.parent.code, c.code)):
        if c.parent_id not in by_parent:
            by_parent[c.parent_id] = []
            groups.append((f"{c.parent.code} {c.parent.name}", by_parent[c.parent_id]))
        by_parent[c.parent_id].append((str(c.pk), f"{c.code} {c.name}"))
    return groups


def new_idem_key(user):
    """A fresh idempotency key for one rendering of the report form; the user's id keeps two
    users' keys apart even if a client re-used one."""
    return f"web-{user.pk}-{uuid.uuid4().hex}"


class ReportForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Who reports"), widget=forms.RadioSelect)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    description = forms.CharField(label=gettext_lazy("Description"), max_length=MAX_DESCRIPTION,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=gettext_lazy("Address or landmark"), max_length=200, required=False)
    lon = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, required=False, min_value=-90, max_value=90)
    reporter_name = forms.CharField(label=gettext_lazy("Resident's name"), max_length=64, required=False)
    reporter_phone = forms.CharField(label=gettext_lazy("Resident's phone"), max_length=20, required=False)
    photos = PhotosField(label=gettext_lazy("Photos (JPEG, PNG or WebP, up to 10 MB each)"))
    idem_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, district, modes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.fields["mode"].choices = [(m, MODES[m][0]) for m in modes]
        self.fields["mode"].initial = modes[0]
        if len(modes) == 1:
            self.fields["mode"].widget = forms.HiddenInput()
        self.fields["category"].choices = [("", "—")] + category_choices(district)

    def clean_category(self):
        value = self.cleaned_data["category"]
        category = Category.objects.filter(district=self.district, pk=value, active=True, parent__isnull=False).select_related("parent").first()
        if category is None:
            raise forms.ValidationError(_("Choose a subclass of a category of this district."))
        return category

    def clean_reporter_phone(self):
        phone = self.cleaned_data["reporter_phone"].strip()
        if phone:
            try:
                phone = pii.validate_phone(phone)
            except pii.PersonalDataError as exc:
                raise forms.ValidationError(str(exc))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("lon") is None or data.get("lat") is None:
            self.add_error(None, _("Choose the position: click on the map or use your location."))
        if data.get("mode") in ON_BEHALF and not (data.get("reporter_name") or "").strip():
            self.add_error("reporter_name", _("Give the name of the resident you report for."))
        return data

    @property
    def source(self):
        return MODES[self.cleaned_data["mode"]][1]


# ---------------------------------------------------------------- actions on a case

class ActionForm(forms.Form):
    """One action of the case page; the parameters depend on the action (see _FIELDS)."""

    action = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=MAX_DESCRIPTION,
                              widget=forms.Textarea(attrs={"rows": 2}))
    photos = PhotosField(label=gettext_lazy("Photos"))

    def __init__(self, action, case, *args, **kwargs):
        kwargs.setdefault("auto_id", f"id_{action}_%s")
        kwargs.setdefault("initial", {})
        kwargs["initial"].update(action=action, version=case.version)
        super().__init__(*args, **kwargs)
        self.action, self.case = action, case
        departments = Department.objects.filter(district_id=case.district_id, active=True).order_by("code")
        if action == "dispatch":
            self.fields["department"] = forms.ModelChoiceField(
                departments, label=gettext_lazy("Department"), initial=case.department_id or case.category.department_id)
        elif action == "summon":
            self.fields["departments"] = forms.ModelMultipleChoiceField(
                departments, label=gettext_lazy("Departments for joint handling (the first is the lead)"),
                widget=forms.CheckboxSelectMultiple, initial=[case.department_id] if case.department_id else [])
        elif action == "request_extension":
            self.fields["days"] = forms.IntegerField(label=gettext_lazy("Extra working days"), min_value=1, max_value=30, initial=2)
        elif action == "void":
            self.fields["reason"] = forms.ChoiceField(label=gettext_lazy("Reason"), choices=[
                ("invalid", gettext_lazy("Invalid")), ("duplicate", gettext_lazy("Duplicate"))])
            self.fields["duplicate_of"] = forms.CharField(label=gettext_lazy("Number of the original case"), max_length=32, required=False)
        elif action == "evaluate":
            self.fields["rating"] = forms.ChoiceField(label=gettext_lazy("Rating"), choices=Evaluation.RATINGS, widget=forms.RadioSelect)
        # Photos first in the field order would push the comment down; keep them last.
        self.order_fields([f for f in self.fields if f != "photos"] + ["photos"])

    def params(self):
        """Keyword arguments of services.transition for this action."""
        data, out = self.cleaned_data, {}
        if self.action == "dispatch":
            out["department"] = data["department"]
        elif self.action == "summon":
            chosen = list(data["departments"])
            # The current lead stays first (lead) when it is among the chosen departments.
            chosen.sort(key=lambda d: (d.pk != self.case.department_id, d.code))
            out["departments"] = chosen
        elif self.action == "request_extension":
            out["days"] = data["days"]
        elif self.action == "void":
            out["reason"] = data["reason"]
            out["duplicate_of"] = data["duplicate_of"].strip()
        elif self.action == "evaluate":
            out["rating"] = data["rating"]
            out["rating_comment"] = data["comment"]
        return out


# ---------------------------------------------------------------- case list and KPI filters

OVERDUE_CHOICES = [("", gettext_lazy("Any")), ("now", gettext_lazy("Overdue now")), ("ever", gettext_lazy("Ever overdue"))]


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Number or text"), required=False, max_length=64)
    state = forms.ChoiceField(label=gettext_lazy("State"), required=False)
    category_class = forms.ChoiceField(label=gettext_lazy("Category class"), required=False)
    level = forms.ChoiceField(label=gettext_lazy("Level"), required=False)
    overdue = forms.ChoiceField(label=gettext_lazy("Overdue"), required=False, choices=OVERDUE_CHOICES)
    date_from = forms.DateField(label=gettext_lazy("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("Reported to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # A grid's cases (the overdue-cluster alert links here); hidden, set by the link.
    grid = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # A subtree's cases and open/closed ones (the dashboards link here); hidden, set by the link.
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)
    phase = forms.ChoiceField(required=False, widget=forms.HiddenInput,
                              choices=[("", ""), ("open", "open"), ("closed", "closed"), ("overdue", "overdue")])

    def __init__(self, district, *args, **kwargs):
        super().__init__(*args, **kwargs)
        anything = [("", _("Any"))]
        self.fields["state"].choices = anything + list(Case.STATES)
        self.fields["level"].choices = anything + list(Case.LEVELS)
        classes = Category.objects.filter(district=district, parent__isnull=True).order_by("code") if district else Category.objects.none()
        self.fields["category_class"].choices = anything + [(c.code, f"{c.code} {c.name}") for c in classes]

    def filter(self, qs, district, now=None, user=None):
        """Apply the filters to a case queryset; an invalid form filters nothing (its errors show)."""
        from django.db.models import Q

        from .workflow import ACTIVE_STATES

        if not self.is_valid():
            return qs
        data, now = self.cleaned_data, now or timezone.now()
        q = data["q"].strip()
        if q:
            qs = qs.filter(number__startswith=q) if q.isdigit() else qs.filter(Q(description__icontains=q) | Q(address__icontains=q))
        if data["state"]:
            qs = qs.filter(state=data["state"])
        if data["category_class"]:
            qs = qs.filter(category__parent__code=data["category_class"])
        if data["level"]:
            qs = qs.filter(level=data["level"])
        if data["grid"]:
            qs = qs.filter(grid_id=data["grid"])
        if data["node"] and user is not None:
            from gridgov.people import scoping

            qs = scoping.narrow(qs, user, data["node"], "node_path")
        if data["phase"] == "open":
            qs = qs.filter(state__in=ACTIVE_STATES)
        elif data["phase"] == "closed":
            qs = qs.filter(state__in=("closed", "evaluated"))
        elif data["phase"] == "overdue":
            # Open and marked overdue by the deadline worker (the dashboards' "overdue now").
            qs = qs.filter(state__in=ACTIVE_STATES, overdue_at__isnull=False)
        if data["overdue"] == "now":
            qs = qs.filter(state__in=ACTIVE_STATES).filter(Q(overdue_at__isnull=False) | Q(deadline__lt=now))
        elif data["overdue"] == "ever":
            qs = qs.filter(Q(was_overdue=True) | Q(overdue_at__isnull=False))
        start, end = local_day_bounds(district, data["date_from"], data["date_to"])
        if start:
            qs = qs.filter(reported_at__gte=start)
        if end:
            qs = qs.filter(reported_at__lt=end)
        return qs


class KpiForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("By"), required=False)
    month = forms.CharField(label=gettext_lazy("Month"), required=False, widget=forms.DateInput(attrs={"type": "month"}))
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from .kpi import GROUPS

        super().__init__(*args, **kwargs)
        self.fields["group"].choices = GROUPS

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return int(match[1]), int(match[2])

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if (first is None) != (last is None):
            self.add_error(None, _("Give both dates of the period, or a month."))
        elif first and last:
            if last < first:
                self.add_error("date_to", _("The end of the period is before its start."))
            elif (last - first).days > 366 * 3:
                self.add_error("date_to", _("A period is at most three years."))
        return data

    def period(self, district):
        """(start, end, month string or None) of the chosen period; the current month by default."""
        from . import kpi

        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        if data.get("date_from") and data.get("date_to"):
            start, end = kpi.date_period(district, data["date_from"], data["date_to"])
            return start, end, None
        year, month = data.get("month") or _this_month(district)
        start, end = kpi.month_period(district, year, month)
        return start, end, f"{year:04d}-{month:02d}"


def _this_month(district):
    from zoneinfo import ZoneInfo

    today = timezone.now().astimezone(ZoneInfo(district.timezone)).date()
    return today.year, today.month


def local_day_bounds(district, first, last):
    """[start, end) datetimes for dates `first`..`last` inclusive (either may be None)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(district.timezone) if district else timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(), tz) if first else None
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tz) if last else None
    return start, end
