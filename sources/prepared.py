"""Querysets compiled to SQL once per connection and run again with new parameter values.

The re-checker sends the same two annotated statements for every check; building and compiling them
through the ORM cost more CPU than the rest of the check (profile in BENCHMARKS.md). A Prepared
builds its queryset once with sentinel values, keeps the compiled SQL and the compiler (for its
converters and column map), and each call swaps the sentinels in the parameter list for the real
values. The rows come back as the queryset would return them: model instances with the annotations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet


@dataclass(frozen=True)
class _Compiled:
    connection: Any
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, name of the value that goes there)
    compiler: Any


class Prepared:
    """`build(**values)` returns the queryset; `sentinels` holds one unlikely value per name.

    Each sentinel must reach the SQL as a parameter, unchanged (ids, tokens): compiling refuses a
    queryset where one is missing or appears transformed, so a value can never be silently dropped.
    """

    def __init__(self, build: Callable[..., QuerySet], **sentinels: object) -> None:
        self.build = build
        self.sentinels = sentinels
        self._local = threading.local()  # Django's connections are per thread; so are the compilations

    def __call__(self, *, using: str = "default", **values: object) -> list[Model]:
        if values.keys() != self.sentinels.keys():
            raise TypeError(f"expected the values {sorted(self.sentinels)}, got {sorted(values)}")
        compiled = self._compiled(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = values[name]
        compiler = compiled.compiler
        with compiled.connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        klass_info, select = compiler.klass_info, compiler.select
        model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        attnames = [column[0].target.attname for column in select[start:end]]
        objects = []
        for row in compiler.results_iter([rows]):
            obj = model.from_db(using, attnames, row[start:end])
            for name, position in compiler.annotation_col_map.items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def _compiled(self, using: str) -> _Compiled:
        connection = connections[using]
        cache = self._local.__dict__.setdefault("compiled", {})
        compiled = cache.get(using)
        if compiled is None or compiled.connection is not connection:
            compiled = cache[using] = self._compile(connection, using)
        return compiled

    def _compile(self, connection, using: str) -> _Compiled:
        queryset = self.build(**self.sentinels)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = tuple(
            (position, name)
            for position, param in enumerate(params)
            for name, sentinel in self.sentinels.items()
            if type(param) is type(sentinel) and param == sentinel
        )
        missing = set(self.sentinels) - {name for _, name in slots}
        if missing:
            raise ValueError(f"the compiled query does not take {sorted(missing)} as parameters")
        return _Compiled(connection=connection, sql=sql, params=tuple(params), slots=slots, compiler=compiler)
