"""Keeps the dashboards true: every change the cases services make (a model save, a conditional
update, an evaluation) recounts the grid's case tallies inside the same transaction; a change to any
other model a dashboard reads moves its district's version, so cached figures are recomputed."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from gridgov.cases.models import Case, Evaluation
from gridgov.cases.signals import case_changed

from . import freshness, tallies

# The models behind the dashboards' slow-moving figures (organisations, members, staffing, alerts,
# sharing, meetings): "app_label.ModelName". Not the grades and points accounts: they are replaced in
# bulk (a signal per row would slow the index run and the awards), the index run bumps the version
# itself, and points show within freshness.TTL.
WATCHED = [
    "people.PartyMember", "people.Volunteer", "people.Post", "orgs.PartyOrg", "orgs.ServiceCentre", "orgs.PartnerUnit",
    "orgs.ServiceTeam", "assessment.Alert", "assessment.Meeting",
    "participation.Resource", "participation.Need", "participation.Deliberation",
]


def _changed(sender, instance, raw=False, **kwargs):
    if not raw:
        freshness.bump(getattr(instance, "district_id", None))


def connect_watched():
    from django.apps import apps

    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"dashboard-{label}-save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"dashboard-{label}-delete")


@receiver(case_changed)
def on_case_changed(sender, case, **kwargs):
    tallies.refresh_case(case)


@receiver(post_save, sender=Case)
@receiver(post_delete, sender=Case)
def on_case_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        tallies.refresh_case(instance)


@receiver(post_save, sender=Evaluation)
@receiver(post_delete, sender=Evaluation)
def on_evaluation_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        tallies.refresh_case(instance.case)
