"""Sources as claims cite them: one row per normalised URL, captured as soon as it is added."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.models import Source, normalise_url
from claims.sources.schedule import enqueue_check_on_commit, lease_source
from claims.tasks import check_source_now_task


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
    _enqueue_capture(source)
    return source


def _enqueue_capture(source: Source) -> None:
    """Capture a new source soon, on the `checks_now` queue, once the transaction that added it commits."""
    token = lease_source(source_id=source.pk)
    if token is not None:
        enqueue_check_on_commit(check_source_now_task, source_id=source.pk, lease_token=token)
