"""Admin for the quality-index schemes: categories, indicators (weights, parameters) and colour bands
edited inline, scoped to the user's district and open to CONFIGURE; the checks are those of services.index."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from gridgov.people import roles, scoping
from gridgov.people.admin import ScopedAdmin

from . import computations
from .errors import AssessmentError
from .models import GradeBand, IndexRun, Indicator, IndicatorCategory, Scheme
from .services import index as svc


def _live_forms(formset):
    return [f for f in formset.forms if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE")]


class BandFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            svc.check_bands([(f.cleaned_data["rank"], f.cleaned_data["minimum"]) for f in _live_forms(self)])
        except AssessmentError as exc:
            raise ValidationError(str(exc)) from None


class IndicatorForm(forms.ModelForm):
    computation = forms.ChoiceField(required=False)

    class Meta:
        model = Indicator
        fields = ["category", "order", "code", "name", "kind", "computation", "weight", "maximum", "params", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["computation"].choices = [("", "—"), *computations.choices()]

    def clean(self):
        data = super().clean()
        try:
            svc.check_indicator(data.get("kind"), data.get("computation") or "", data.get("weight"), data.get("maximum"))
        except AssessmentError as exc:
            raise ValidationError(str(exc)) from None
        return data


class IndicatorFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            svc.check_weights([f.cleaned_data.get("weight") for f in _live_forms(self)
                               if f.cleaned_data.get("kind") in svc.SCORED_KINDS])
        except AssessmentError as exc:
            raise ValidationError(str(exc)) from None


class ConfigureInline:
    """Inlines follow CONFIGURE too (the admin's model permissions are not used in gridgov)."""

    def _configure(self, request):
        return request.user.is_active and (request.user.is_superuser or scoping.can(request.user, roles.CONFIGURE))

    def has_view_permission(self, request, obj=None):
        return self._configure(request)

    def has_change_permission(self, request, obj=None):
        return self._configure(request)

    def has_add_permission(self, request, obj=None):
        return self._configure(request)

    def has_delete_permission(self, request, obj=None):
        return self._configure(request)


class BandInline(ConfigureInline, admin.TabularInline):
    model = GradeBand
    formset = BandFormSet
    extra = 0


class CategoryInline(ConfigureInline, admin.TabularInline):
    model = IndicatorCategory
    extra = 0


class IndicatorInline(ConfigureInline, admin.StackedInline):
    model = Indicator
    form = IndicatorForm
    formset = IndicatorFormSet
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # An indicator's category is one of its own scheme's.
        if db_field.name == "category" and request.resolver_match and request.resolver_match.kwargs.get("object_id"):
            kwargs["queryset"] = IndicatorCategory.objects.filter(scheme_id=request.resolver_match.kwargs["object_id"])
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ConfigureAdmin(ScopedAdmin):
    """Changes need CONFIGURE (district administrators); the lists are scoped like every admin."""

    scope_path = "district__nodes__path"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.distinct() if not request.user.is_superuser else qs

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and scoping.can(request.user, roles.CONFIGURE)


@admin.register(Scheme)
class SchemeAdmin(ConfigureAdmin):
    list_display = ["name", "district", "active"]
    inlines = [CategoryInline, BandInline, IndicatorInline]

    def get_queryset(self, request):
        # A scheme belongs to the district: visible to whoever's posts reach the district's root.
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(district_id__in=[p.district_id for p in scoping.active_posts(request.user) if p.node.depth == 1])


@admin.register(IndexRun)
class IndexRunAdmin(ConfigureAdmin):
    list_display = ["month", "scheme", "state", "orgs", "seconds", "requested_at"]
    list_filter = ["state"]
    readonly_fields = ["scheme", "district", "month", "state", "requested_by", "requested_at", "started_at", "finished_at", "orgs", "seconds", "error"]

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if request.user.is_superuser:
            return qs
        return qs.filter(district_id__in=[p.district_id for p in scoping.active_posts(request.user) if p.node.depth == 1])
