"""Many new rows at once, with their history: PostgreSQL COPY, or bulk_create on other databases.

COPY skips what makes bulk_create slow at scale (a model instance per history row, an array per
column, one parameter per cell); ids are reserved from the table's sequence first, so children and
history rows can point at their parents before anything is sent.
"""

from datetime import datetime

import orjson
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, models
from psycopg.types.json import Jsonb
from simple_history.utils import bulk_create_with_history

# simple_history's own columns on a historical row; the rest mirror the tracked row.
_HISTORY_ID = "history_id"


def _dumps(value) -> str:
    return orjson.dumps(value).decode()


def _cell(field: models.Field, value):
    return Jsonb(value, dumps=_dumps) if isinstance(field, models.JSONField) and value is not None else value


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy(table: str, columns: list[str], rows) -> None:
    quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
    statement = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def load(
    model: type[models.Model],
    objects: list[models.Model],
    *,
    history_by: AbstractBaseUser | None = None,
    at: datetime | None = None,
) -> list[models.Model]:
    """Insert new objects (their ids filled in), and a '+' history row each when `history_by` is given."""
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        if history_by is None:
            return model.objects.bulk_create(objects)
        return bulk_create_with_history(objects, model, default_user=history_by, default_date=at)
    pk = model._meta.pk
    if isinstance(pk, models.AutoField | models.BigAutoField) and objects[0].pk is None:
        for obj, pk_value in zip(objects, _reserve_ids(model, len(objects)), strict=True):
            obj.pk = pk_value
    fields = model._meta.concrete_fields
    _copy(
        model._meta.db_table,
        [field.column for field in fields],
        ([_cell(field, field.pre_save(obj, True)) for field in fields] for obj in objects),
    )
    _clean_pending_lists(model._meta.db_table)
    if history_by is not None:
        _insert_history(model, objects, by=history_by, at=at)
    return objects


def _clean_pending_lists(table: str) -> None:
    """Move what the copy left in the table's GIN pending lists (under their 256 kB limit: the copy
    itself merged each fuller list, a sorted batch at a time, far cheaper than an insertion per row and
    key) into the indexes before anyone searches them: every scan reads a pending list in full."""
    with connection.cursor() as cursor:
        # gin_clean_pending_list needs the index's owner (the role that ran the migrations). An app
        # running as another role leaves the lists to the writes and autovacuum that flush them: the
        # limit keeps them short (migration 0024).
        cursor.execute(
            "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
            " WHERE i.indrelid = %s::regclass AND a.amname = 'gin' AND pg_has_role(c.relowner, 'USAGE')",
            [table],
        )


def _insert_history(model, objects, *, by: AbstractBaseUser, at: datetime | None) -> None:
    """The '+' history rows, copied by the server from the rows just written: nothing sent twice."""
    quote = connection.ops.quote_name
    own = {"history_date": at, "history_change_reason": None, "history_type": "+", "history_user_id": by.pk}
    fields = [field for field in model.history.model._meta.concrete_fields if field.attname != _HISTORY_ID]
    selected, params = [], []
    for field in fields:
        if field.attname in own:
            selected.append("%s")
            params.append(own[field.attname])
        else:
            selected.append(quote(model._meta.get_field(field.name).column))
    pk, table = quote(model._meta.pk.column), quote(model._meta.db_table)
    # Names from _meta, values as parameters.
    select = f"SELECT {', '.join(selected)} FROM {table} WHERE {pk} = ANY(%s) ORDER BY {pk}"  # noqa: S608
    columns = ", ".join(quote(field.column) for field in fields)
    statement = f"INSERT INTO {quote(model.history.model._meta.db_table)} ({columns}) {select}"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, [obj.pk for obj in objects]])
