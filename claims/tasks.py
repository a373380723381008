"""Thin Celery tasks of the claim domain: ids in, a service does the work."""

from celery import shared_task


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    max_retries=None,  # the service counts attempts and gives up (claims.services.webhooks.MAX_ATTEMPTS)
)
def deliver_webhook_task(self, delivery_id: int) -> None:
    """POST one feed event to one webhook; retried with back-off until delivered or given up."""
    from claims.services.webhooks import deliver_webhook

    retry_in = deliver_webhook(delivery_id=delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=55)
def redeliver_webhooks_task() -> None:
    """Beat, every minute: re-enqueue deliveries whose task message was lost."""
    from claims.services.webhooks import redeliver_overdue_webhooks

    redeliver_overdue_webhooks()
