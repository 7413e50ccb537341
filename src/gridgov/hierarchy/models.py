"""Hierarchy models: District (the tenant), Node (one materialized-path tree of all levels),
grid layers and thematic grids mapped onto comprehensive grids (多网合一)."""
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

LEVEL_KINDS = [
    ("district", _("District")),
    ("subdistrict", _("Subdistrict")),
    ("community", _("Community")),
    ("residents_group", _("Residents group")),
    ("grid", _("Grid")),
    ("building", _("Building")),
    ("entrance", _("Entrance unit")),
]
LEVEL_LABELS = dict(LEVEL_KINDS)
# Kinds that form the district's comprehensive cells: located by locate(), staffed, scored.
CELL_KINDS = ("grid", "residents_group")


class District(models.Model):
    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    levels = models.JSONField(_("levels"), default=list)
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    # Bumped whenever a polygon changes, so every process rebuilds its locate() index.
    geometry_version = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def cell_kind(self):
        for kind in self.levels:
            if kind in CELL_KINDS:
                return kind
        return "grid"

    def child_kind(self, kind):
        """The level below `kind` in this district's scheme, or None at the bottom."""
        try:
            index = self.levels.index(kind)
        except ValueError:
            return None
        return self.levels[index + 1] if index + 1 < len(self.levels) else None

    @property
    def root(self):
        return Node.objects.get(district=self, depth=1)


class Node(MP_Node):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="nodes", verbose_name=_("district"))
    kind = models.CharField(_("level"), max_length=24, choices=LEVEL_KINDS)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    polygon = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    centroid_lon = models.FloatField(null=True, blank=True)
    centroid_lat = models.FloatField(null=True, blank=True)
    bbox = models.JSONField(null=True, blank=True)  # [min_lon, min_lat, max_lon, max_lat]

    # No node_order_by: treebeard would then shift siblings' paths on insert, and paths are
    # copied into other tables (cases, people) as the scoping key. New children are appended.

    class Meta:
        verbose_name = _("node")
        verbose_name_plural = _("nodes")
        indexes = [models.Index(fields=["district", "kind"])]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def kind_label(self):
        return LEVEL_LABELS.get(self.kind, self.kind)


class GridLayer(models.Model):
    KINDS = [
        ("comprehensive", _("Comprehensive grid")),
        ("party_building", _("Party-building grid")),
        ("comprehensive_governance", _("Comprehensive-governance grid")),
        ("urban_management", _("Urban-management grid")),
    ]
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="layers")
    kind = models.CharField(_("kind"), max_length=32, choices=KINDS)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        unique_together = [("district", "kind")]
        ordering = ["district", "kind"]
        verbose_name = _("grid layer")
        verbose_name_plural = _("grid layers")

    def __str__(self):
        return self.name


class ThematicGrid(models.Model):
    """A grid of a legacy thematic layer; its mapping keeps which comprehensive grids replaced it."""

    layer = models.ForeignKey(GridLayer, on_delete=models.CASCADE, related_name="grids")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=128)
    polygon = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    comprehensive = models.ManyToManyField(Node, through="ThematicMapping", related_name="thematic_grids")

    class Meta:
        unique_together = [("layer", "code")]
        ordering = ["layer", "code"]
        verbose_name = _("thematic grid")
        verbose_name_plural = _("thematic grids")

    def __str__(self):
        return f"{self.name}（{self.code}）"


class ThematicMapping(models.Model):
    thematic = models.ForeignKey(ThematicGrid, on_delete=models.CASCADE, related_name="mappings")
    grid = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="thematic_mappings")
    # Share of the thematic grid's area that lies in this comprehensive grid (0–1).
    share = models.FloatField()

    class Meta:
        unique_together = [("thematic", "grid")]
