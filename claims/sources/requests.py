"""'Check now': an editor's request to re-check one source ahead of its schedule."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from claims import policies
from claims.models import Source
from claims.sources.schedule import enqueue_check_on_commit, lease_source
from claims.tasks import check_source_now_task


@transaction.atomic
def request_source_check(*, source_id: int, by) -> None:
    """Lease the source and enqueue its check on the high-priority `checks_now` queue (on commit).

    Raises PermissionDenied for anyone but editors and Source.DoesNotExist for an unknown id.
    """
    if not policies.may_tend_source(by):
        raise PermissionDenied("Only editors can ask for a source to be checked now.")
    if not Source.objects.filter(pk=source_id).exists():
        raise Source.DoesNotExist(f"No source with id {source_id}.")
    # Take the lease even from a scheduled check still waiting in the `checks` queue: that task
    # then finds its token gone and does nothing, and the editor does not wait behind the backlog.
    token = lease_source(source_id=source_id, steal=True)
    enqueue_check_on_commit(check_source_now_task, source_id=source_id, lease_token=token)
