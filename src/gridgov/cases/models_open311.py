"""Open311 api_keys: one district's key for one client application (posting service requests).
Only a SHA-256 hash of each key is stored; `gridgov open311-key` issues one and prints it once."""
import hashlib
import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District


def hash_key(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class Open311Key(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="open311_keys", verbose_name=_("district"))
    name = models.CharField(_("name"), max_length=64, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(_("created"), default=timezone.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["district", "created"]
        verbose_name = _("Open311 api_key")
        verbose_name_plural = _("Open311 api_keys")

    def __str__(self):
        return f"{self.name or self.prefix}（{self.prefix}…）"

    @classmethod
    def issue(cls, district, name=""):
        """Create a key; returns (key, raw). The raw key is shown once and never stored."""
        raw = secrets.token_urlsafe(32)
        key = cls.objects.create(district=district, name=name, key_hash=hash_key(raw), prefix=raw[:8])
        return key, raw

    @classmethod
    def find(cls, district, raw):
        """The active key of `district` matching `raw`, or None."""
        raw = (raw or "").strip()
        if not raw or len(raw) > 200:
            return None
        return cls.objects.filter(district=district, key_hash=hash_key(raw), active=True).first()
