"""People models: Person (one per human, personal data masked by default) and Post (a role held at
a hierarchy node). A user acts only through the posts of the person linked to them."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.hierarchy.models import District, Node

from .roles import ROLE_CHOICES


class Person(models.Model):
    GENDERS = [("M", _("Male")), ("F", _("Female"))]

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("name"), max_length=64)
    gender = models.CharField(_("gender"), max_length=1, choices=GENDERS, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    home = models.ForeignKey(Node, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("home"))
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self):
        return self.name


class Post(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="posts")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("role"), max_length=32, choices=ROLE_CHOICES)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="posts", verbose_name=_("node"))
    title = models.CharField(_("title"), max_length=64, blank=True)
    start = models.DateField(_("start"), null=True, blank=True)
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["district", "role"])]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.node.name}"
