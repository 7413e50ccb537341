"""Case history for changes made by the case services.

The services change a case with a conditional `QuerySet.update()` (optimistic locking on `version`),
which sends no post_save, so django-simple-history would not see it. Every such update is followed,
in the same transaction, by a cases.Transition row naming the actor, the action and the time; on
that row we write a history snapshot of the case as it now is. The case's history is thus complete:
"+" at intake (a normal save), "~" per workflow step or worker action (from here), "~" for direct
edits (admin, forms: normal saves)."""
from django.db.models.signals import post_save
from django.dispatch import receiver

from gridgov.cases.models import Case, Transition

# Intake creates the case with a normal save (already recorded) and then the "report" transition.
_ALREADY_RECORDED = {"report"}


@receiver(post_save, sender=Transition, dispatch_uid="audit_case_history_from_transition")
def record_case_change(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.action in _ALREADY_RECORDED:
        return
    case = Case.objects.filter(pk=instance.case_id).first()
    if case is None:
        return
    Case.history.bulk_history_create(
        [case], update=True, default_user=instance.actor, default_change_reason=instance.action[:100],
        default_date=instance.at,
    )
