"""Actors: any party to a claim, with its parent and aliases."""

import unicodedata
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from claims import vocab
from claims.models.common import SHORT_TEXT_MAX, validate_country


def fold(text: str) -> str:
    """A name as pickers compare it: case and accents ignored ("Kyïv", "KYIV" and "kyiv" are one)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class ActorQuerySet(models.QuerySet):
    def ancestry(self, ids: Iterable[int]) -> dict[int, tuple[int | None, str]]:
        """{id: (parent id, name)} for these actors and all their ancestors: one query per generation."""
        found: dict[int, tuple[int | None, str]] = {}
        wanted = set(ids)
        while wanted:
            found |= {
                pk: (parent, name)
                for pk, parent, name in self.filter(pk__in=wanted).values_list("pk", "parent_id", "name")
            }
            wanted = {parent for parent, _name in found.values() if parent is not None} - found.keys()
        return found


class Actor(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=vocab.ActorKind.choices)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text=_("Other names, e.g. metonyms like Pyongyang.")
    )
    description = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    reliability = models.CharField(
        _("default source reliability"), max_length=1, choices=vocab.Reliability.choices, blank=True
    )
    reliability_note = models.CharField(max_length=SHORT_TEXT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = ActorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=vocab.ActorKind.values), name="actor_kind_valid"),
            models.CheckConstraint(
                condition=Q(reliability="") | Q(reliability__in=vocab.Reliability.values),
                name="actor_reliability_valid",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="actor_not_own_parent",
                violation_error_message=_("An actor cannot be its own parent."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not isinstance(self.aliases, list) or not all(
            isinstance(a, str) and a.strip() for a in self.aliases
        ):
            raise ValidationError({"aliases": _("Aliases must be a list of non-empty names.")})
        if any(len(a) > 200 for a in self.aliases):
            raise ValidationError({"aliases": _("Each alias is limited to 200 characters.")})
        ancestor = self.parent
        while ancestor is not None:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError({"parent": _("An actor cannot be its own ancestor.")})
            ancestor = ancestor.parent
