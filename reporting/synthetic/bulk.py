"""Synthetic data in bulk (issue 5): writing rows without model instances, and deleting a
prefix's synthetic communes with everything under them.

PostgreSQL gets ``COPY … FROM STDIN`` for the two big tables (indicator values and the target
↔ unit links, about two million rows each for one national quarter); other databases get
batched ``executemany``.

Layer: bench and test data (bulk maintenance across tenants, never tenant-facing).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import CASCADE, Model

from campaigns.models import Commune, Plan, Province, Unit
from portal.scoping import scopes_disabled
from reporting.models import CommuneRollup, IndicatorValue, UnitReport
from reporting.synthetic.spec import (
    PREFIX_RE,
    PREFIX_RULE,
    SyntheticError,
    commune_code_regex,
    province_code_regex,
)
from targets.models import Target

COPY_BATCH_ROWS = 200_000
INSERT_BATCH_ROWS = 5_000
DELETE_CHUNK_COMMUNES = 200


def _cell(value: object) -> str:
    if value is None:
        return "\\N"
    return str(value)


def rows_write(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows to a model's table (or an auto-created M2M table) without model instances.

    PostgreSQL: ``COPY … FROM STDIN`` in batches (the fastest way in); elsewhere batched
    ``executemany``. Values must already be plain (ints, strings, None); no text may contain a
    tab, newline or backslash (synthetic rows never do).
    """
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sql = f"COPY {table} ({quoted}) FROM STDIN"
            for batch in _batches(rows, COPY_BATCH_ROWS):
                text = "".join("\t".join(map(_cell, row)) + "\n" for row in batch)
                _copy(cursor, sql, text)
                written += len(batch)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table} ({quoted}) VALUES ({placeholders})"  # noqa: S608 - names from _meta
            for batch in _batches(rows, INSERT_BATCH_ROWS):
                cursor.executemany(sql, batch)
                written += len(batch)
    return written


def _copy(cursor: Any, sql: str, text: str) -> None:
    raw = cursor.cursor  # the driver's cursor under Django's wrapper
    if hasattr(raw, "copy_expert"):  # psycopg2
        raw.copy_expert(sql, io.StringIO(text))
    else:  # psycopg 3
        with raw.copy(sql) as copy:
            copy.write(text)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def synthetic_data_delete(*, prefix: str) -> int:
    """Remove every synthetic commune (and everything under it) and province of ``prefix``.

    The big tables go first in plain SQL, by chunk of communes: the unit reports with the rows
    that hang off them (indicator values…) when those are all plain cascading leaves, the
    target ↔ unit links and the commune rollups. What remains per chunk is a few thousand
    rows, left to Django's ordinary cascade, so any other row a developer made on a synthetic
    commune (a membership, an audit entry…) goes the same way as in the portal.
    Returns the number of communes removed.
    """
    if not PREFIX_RE.match(prefix):
        raise SyntheticError(PREFIX_RULE)
    # Bulk maintenance over the synthetic communes of every province: not tenant-facing code.
    with scopes_disabled():
        commune_ids = list(Commune.objects.filter(code__regex=commune_code_regex(prefix))
                           .order_by("pk").values_list("pk", flat=True))
        links = Target.reporting_units.through._meta.db_table
        leaves = _leaf_children(UnitReport)
        # Something else hanging off reports: delete only the values here, the rest by the ORM.
        report_children = leaves if leaves is not None else [(IndicatorValue, "report_id")]
        for start in range(0, len(commune_ids), DELETE_CHUNK_COMMUNES):
            chunk = commune_ids[start:start + DELETE_CHUNK_COMMUNES]
            marks = ", ".join(["%s"] * len(chunk))
            units = f"SELECT id FROM {Unit._meta.db_table} WHERE commune_id IN ({marks})"  # noqa: S608
            reports = f"SELECT id FROM {UnitReport._meta.db_table} WHERE unit_id IN ({units})"  # noqa: S608
            with transaction.atomic(), connection.cursor() as cursor:
                for child, column in report_children:
                    cursor.execute(f"DELETE FROM {child._meta.db_table} WHERE {column} IN ({reports})",  # noqa: S608
                                   chunk)
                if leaves is not None:
                    cursor.execute(f"DELETE FROM {UnitReport._meta.db_table} WHERE unit_id IN ({units})",  # noqa: S608
                                   chunk)
                cursor.execute(f"DELETE FROM {links} WHERE unit_id IN ({units})", chunk)  # noqa: S608
                cursor.execute(f"DELETE FROM {CommuneRollup._meta.db_table} "  # noqa: S608
                               f"WHERE commune_id IN ({marks})", chunk)
                # Plans first: their tasks PROTECT the units they name, and a commune's cascade
                # would reach the units before the tasks.
                Plan.objects.filter(commune_id__in=chunk).delete()
                Commune.objects.filter(pk__in=chunk).delete()
        # A province somebody has since put a real commune in stays.
        Province.objects.filter(code__regex=province_code_regex(prefix), communes__isnull=True).delete()
    return len(commune_ids)


def _leaf_children(model: type[Model]) -> list[tuple[type[Model], str]] | None:
    """(child model, its column) of every relation that cascades from ``model``, when every
    child is a leaf (nothing points at it) so plain SQL deletes exactly what the ORM would;
    None when any relation is not a plain cascade to a leaf."""
    children = []
    for relation in model._meta.related_objects:
        child = relation.related_model
        if (relation.many_to_many or getattr(relation, "on_delete", None) is not CASCADE
                or child._meta.related_objects or not isinstance(child, type)):
            return None
        children.append((child, str(relation.field.column)))  # a ForeignKey: always a column
    return children
