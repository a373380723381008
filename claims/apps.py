"""App configuration."""

import os

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        connection_created.connect(private_sqlite_file, dispatch_uid="claims.private_sqlite_file")


def private_sqlite_file(sender, connection, **kwargs) -> None:
    """The SQLite file holds drafts and token digests: its owner alone may read it (journals follow)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if not name or connection.is_in_memory_db():
        return
    try:
        if os.stat(name).st_mode & 0o077:  # chmod only when needed: it would touch ctime every request
            os.chmod(name, 0o600)
    except FileNotFoundError:
        pass
