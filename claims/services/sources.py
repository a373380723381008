"""Sources as claims cite them: one row per normalised URL, captured as soon as it is added."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import changes as version_changes
from claims import policies, projection
from claims.models import Claim, Source, normalise_url
from claims.services.common import bump_version, require
from sources import dispatch


@transaction.atomic
def get_or_create_source(*, url: str, by: AbstractBaseUser | None = None) -> Source:
    """The Source at this URL's normalised spelling, created (and queued for capture) if new."""
    normalised = normalise_url(url)
    source = Source.objects.filter(url=normalised).first()
    if source is not None:
        return source
    source = Source(url=normalised, next_check_at=timezone.now())
    source._history_user = by
    source.full_clean(validate_unique=False)
    try:
        with transaction.atomic():  # another writer may add the same URL between the look-up and here
            source.save()
    except IntegrityError:
        return Source.objects.get(url=normalised)
    dispatch.capture_new_source(source_id=source.pk)
    return source


SOURCE_EDITABLE = ("url", "title", "publisher_id", "language", "published_on", "published_precision")


@transaction.atomic
def update_source(*, source_id: int, by: AbstractBaseUser, **changes) -> Source:
    """Correct a source's address or metadata; every claim citing it moves to a new version with it."""
    unknown = sorted(set(changes) - set(SOURCE_EDITABLE))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    source = Source.objects.select_for_update().get(pk=source_id)
    require(
        policies.may_change_source(by, source),
        _("Published claims cite this source: only a reviewer changes it."),
    )
    if "url" in changes:
        changes["url"] = normalise_url(changes["url"])
    for name, value in changes.items():
        setattr(source, name, value)
    source.full_clean()
    source._history_user = by
    source.save()
    citing = Claim.objects.filter(hops__source=source).values_list("pk", flat=True).distinct()
    for claim_id in sorted(citing):  # a fixed lock order avoids deadlocks
        projection.record(bump_version(claim_id, by=by), by=by, change=version_changes.source_edited())
    return source
