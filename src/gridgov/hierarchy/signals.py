"""Keeps locate() honest: any saved or deleted node with a boundary bumps its district's
geometry_version, so every process rebuilds its STRtree on next use (bulk paths bump themselves)."""
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Node


@receiver(post_save, sender=Node)
@receiver(post_delete, sender=Node)
def node_geometry_changed(sender, instance, **kwargs):
    if instance.polygon is None:
        return
    from .services import bump_geometry

    # bump_geometry() also keeps this process from caching an index built from uncommitted rows.
    bump_geometry(instance.district_id)
