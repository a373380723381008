"""Project package; loading the Celery app here makes delay_on_commit use it in every process."""

from tracker.celery import app as celery_app

__all__ = ("celery_app",)
