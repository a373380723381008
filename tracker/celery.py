"""The Celery app, configured from the CELERY_* Django settings."""

import os
from pathlib import Path

from celery import Celery
from celery.signals import beat_init, celeryd_init, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(task=None, **_: object) -> None:
    """Drop broken or CONN_MAX_AGE-expired connections around each task, as Django does per request."""
    from django.db import close_old_connections

    # An eager task runs inside its caller's transaction (tests, check-now in-process): leave it alone.
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


@celeryd_init.connect
@beat_init.connect
def _private_files(**_: object) -> None:
    """Evidence, broker messages and the beat schedule a worker or beat writes are for this user only."""
    os.umask(0o077)


def _prepare_filesystem_broker() -> None:
    # kombu's filesystem transport expects its folders to exist already.
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


_prepare_filesystem_broker()
