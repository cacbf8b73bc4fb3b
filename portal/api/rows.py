"""Lists read straight from ``values()`` rows: a serializer's representation without model
instances (kernel, API layer).

DRF serialises a page by building a model instance per row and per related object, then
walking each field's source attribute by attribute and calling its ``to_representation``: for
a page of 100 commune rollups (22 fields, two related objects a row) that was 15 of the 20 ms
of Python a request cost (bench/README.md). A ``RowReader`` compiles a serializer once — for each
field the ``values()`` lookup behind it and the field's own ``to_representation`` — and
applies it to plain rows. The JSON is the serializer's, for a small part of the work; the
serializer stays the one declaration of the representation (and of the OpenAPI schema), and
tests/api/test_rows.py compares the two on every list endpoint.

What a reader understands:
- model fields and the fields ModelSerializer maps them to; dotted sources through foreign keys
  (``CharField(source="unit.commune.code")``), ``SlugRelatedField``, ``PrimaryKeyRelatedField``;
- a nested ``many=True`` serializer of a reverse foreign key (``values = ValueSerializer(many=True)``):
  read for the whole page in one more query, in the child serializer's ``Meta.row_ordering``;
- computed fields, declared on the serializer as ``Meta.row_computed = {"name": (("lookup", …),
  function)}``: the function receives the lookups' values in that order (a property such as
  ``Commune.official_name`` or a SerializerMethodField, whose code calls the same function).
Anything else is refused with ImproperlyConfigured when the reader is first used, never
guessed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import cached_property, partial
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connections, models
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.settings import api_settings

from portal.scoping import require_scope, scopes_disabled

Represent = Callable[[Any], Any]

STRING_FIELDS = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
INTEGER_FIELDS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
                  "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
                  "PositiveSmallIntegerField"}


@dataclass(frozen=True)
class _Column:
    name: str
    lookups: tuple[str, ...]  # one lookup, or the inputs of a computed field
    represent: Represent | None  # applied to a value that is not None; None: the value as read
    compute: Callable[..., Any] | None = None


@dataclass(frozen=True)
class _Nested:
    name: str
    model: type[models.Model]
    parent_lookup: str  # the child's column that holds the parent's key ("report_id")
    ordering: tuple[str, ...]
    reader: RowReader


class RowReader:
    """The representation of a serializer's rows, read with ``values()``.

    ``reader.values(queryset)`` selects the columns the serializer needs (plus ``extra``, such
    as a pagination key); ``reader.represent(rows)`` turns those rows into the serializer's
    output, reading nested lists for all the rows at once."""

    def __init__(self, serializer_class: type[serializers.BaseSerializer]) -> None:  # type: ignore[type-arg]
        self.serializer_class = serializer_class

    def __repr__(self) -> str:
        return f"RowReader({self.serializer_class.__name__})"

    @cached_property
    def _compiled(self) -> tuple[list[_Column], list[_Nested], tuple[str, ...]]:
        meta = self.serializer_class.Meta  # type: ignore[attr-defined]
        model: type[models.Model] = meta.model
        computed: dict[str, tuple[Sequence[str], Callable[..., Any]]] = getattr(meta, "row_computed", {})
        with scopes_disabled():  # building the fields reads no row; related fields make querysets
            declared = self.serializer_class().fields  # type: ignore[attr-defined]
        columns: list[_Column] = []
        nested: list[_Nested] = []
        for name, field in declared.items():
            if field.write_only:
                continue
            if name in computed:
                inputs, function = computed[name]
                represent = None if isinstance(field, drf_fields.SerializerMethodField) else field.to_representation
                columns.append(_Column(name, tuple(inputs), represent, function))
            elif isinstance(field, serializers.ListSerializer):
                nested.append(self._nested(model, name, field))
            else:
                columns.append(_Column(name, (self._lookup(model, name, field),), self._represent(model, field)))
        lookups = dict.fromkeys(lookup for column in columns for lookup in column.lookups)
        if nested:
            lookups.setdefault("pk")
        return columns, nested, tuple(lookups)

    @property
    def lookups(self) -> tuple[str, ...]:
        return self._compiled[2]

    def values(self, queryset: models.QuerySet[Any], *, extra: Iterable[str] = (),
               fields: Collection[str] | None = None) -> models.QuerySet[Any]:
        """``queryset.values()`` with the columns of the serializer's fields (or of ``fields``)."""
        lookups = dict.fromkeys((*(self.lookups if fields is None else (
            lookup for column in self._columns(fields)[0] for lookup in column.lookups)), *extra))
        if connections[queryset.db].vendor != "postgresql":
            return queryset.values(*lookups)
        # PostgreSQL prints a numeric(p, s) column as the fixed-point text DRF would make of it
        # (the column's s places, no exponent): reading that text skips a Decimal per value
        # on the way in and a format on the way out (1,500 of each on a page of unit reports).
        as_text = {_text_alias(lookup): Cast(lookup, models.TextField())
                   for lookup in lookups if lookup in self._text_decimals}
        return queryset.values(*(lookup for lookup in lookups if lookup not in self._text_decimals), **as_text)

    def represent(self, rows: Sequence[dict[str, Any]], *,
                  fields: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The serializer's representation of rows read by ``values()`` (of ``fields`` only:
        an Excel sheet of reports needs none of their nested values)."""
        columns, nested = self._columns(fields)
        # The current time zone, read once per call for every date-time column (DRF reads it
        # per value, through asgiref's context-local storage).
        zone = timezone.get_current_timezone()
        texts = bool(rows) and any(_text_alias(lookup) in rows[0] for lookup in self._text_decimals)
        names: list[str] = []
        keys: list[str] = []
        converted: list[tuple[str, Represent]] = []  # columns whose value read is not the output
        computed: list[tuple[str, tuple[str, ...], Callable[..., Any], Represent | None]] = []
        for column in columns:
            if column.compute is not None:
                # Read any of its inputs now, for the key's place in the serializer's order.
                names.append(column.name)
                keys.append(column.lookups[0])
                computed.append((column.name, column.lookups, column.compute, column.represent))
                continue
            text = texts and column.lookups[0] in self._text_decimals
            names.append(column.name)
            keys.append(_text_alias(column.lookups[0]) if text else column.lookups[0])
            represent = column.represent
            if represent is not None and not text:
                converted.append((column.name, partial(_datetime_text, zone=zone)
                                  if represent is ISO_DATETIME else represent))
        read = _tuple_getter(keys)
        out: list[dict[str, Any]] = []
        for row in rows:
            item = dict(zip(names, read(row), strict=True))
            for name, represent in converted:
                value = item[name]
                if value is not None:
                    item[name] = represent(value)
            for name, lookups, compute, represent in computed:
                value = compute(*(row[lookup] for lookup in lookups))
                item[name] = represent(value) if value is not None and represent is not None else value
            out.append(item)
        for part in nested:
            children = part.reader.children(part, [row["pk"] for row in rows])
            for row, item in zip(rows, out, strict=True):
                item[part.name] = children.get(row["pk"], [])
        return out

    @cached_property
    def _text_decimals(self) -> frozenset[str]:
        """The lookups of decimal columns shown as their fixed-point text (see values())."""
        return frozenset(column.lookups[0] for column in self._compiled[0]
                         if column.compute is None and column.represent is _decimal_text)

    def _columns(self, fields: Collection[str] | None) -> tuple[list[_Column], list[_Nested]]:
        columns, nested, _lookups = self._compiled
        if fields is None:
            return columns, nested
        return [c for c in columns if c.name in fields], [n for n in nested if n.name in fields]

    def children(self, part: _Nested, parent_keys: list[Any]) -> dict[Any, list[dict[str, Any]]]:
        """This reader's rows of ``part.model`` under each of the parents, in ``part.ordering``.

        The parents were read in the tenant scope and their children are read by the parents'
        keys, the way Django follows a foreign key: through the model's base manager, without
        the scope's filter again. That filter joins every child row back to its commune (a
        report's values through the report and the unit): 40 % of the work of a page of unit
        reports, and it could only repeat what the parents' keys already say."""
        require_scope()
        if not parent_keys:
            return {}
        queryset = part.model._base_manager.filter(**{f"{part.parent_lookup}__in": parent_keys})
        rows = list(self.values(queryset.order_by(*part.ordering), extra=(part.parent_lookup,)))
        grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row, item in zip(rows, self.represent(rows), strict=True):
            grouped[row[part.parent_lookup]].append(item)
        return grouped

    # --- compiling ------------------------------------------------------------------------

    def _refuse(self, name: str, why: str) -> ImproperlyConfigured:
        return ImproperlyConfigured(f"{self.serializer_class.__name__}.{name}: {why} (portal/api/rows.py)")

    def _lookup(self, model: type[models.Model], name: str, field: drf_fields.Field) -> str:  # type: ignore[type-arg]
        """The values() lookup behind a field, checked against the model."""
        attrs = list(field.source_attrs)
        if isinstance(field, relations.SlugRelatedField):
            attrs.append(field.slug_field)
        elif isinstance(field, relations.RelatedField) and not isinstance(field, relations.PrimaryKeyRelatedField):
            raise self._refuse(name, f"{type(field).__name__} cannot be read from rows")
        if not attrs or attrs == ["*"]:
            raise self._refuse(name, "a field computed from the whole object needs Meta.row_computed")
        current = model
        for position, attr in enumerate(attrs):
            try:
                model_field = current._meta.get_field(attr)
            except FieldDoesNotExist:
                raise self._refuse(name, f"{current.__name__}.{attr} is not a column: declare it in "
                                   "Meta.row_computed") from None
            last = position == len(attrs) - 1
            if model_field.many_to_many or model_field.one_to_many:
                raise self._refuse(name, f"{attr} is a list: use a nested serializer")
            if model_field.is_relation and not last:
                current = model_field.related_model  # type: ignore[assignment]
            elif model_field.is_relation and not isinstance(field, relations.PrimaryKeyRelatedField):
                raise self._refuse(name, f"{attr} is a related object, not a value")
            elif not last:
                raise self._refuse(name, f"{attr} has no attribute {attrs[position + 1]}")
        return "__".join(attrs)

    def _represent(self, model: type[models.Model], field: drf_fields.Field) -> Represent | None:  # type: ignore[type-arg]
        """The field's own to_representation, or None where it returns what values() read."""
        if isinstance(field, relations.RelatedField | drf_fields.ReadOnlyField):
            return None  # the key or slug value itself
        model_field = _model_field(model, field.source_attrs)
        internal = model_field.get_internal_type()
        if isinstance(field, drf_fields.ChoiceField | drf_fields.CharField) and internal in STRING_FIELDS:
            return None  # str(value) and a choice's own key are the value read
        if isinstance(field, drf_fields.IntegerField) and internal in INTEGER_FIELDS:
            return None
        if isinstance(field, drf_fields.BooleanField) and internal == "BooleanField":
            return None
        if (isinstance(field, drf_fields.DecimalField) and isinstance(model_field, models.DecimalField)
                and field.decimal_places == model_field.decimal_places and getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
                and not field.localize and not field.normalize_output):
            # Both database backends return a column's decimals at the column's scale (PostgreSQL's
            # numeric(p, s) text, Django's SQLite converter quantizes): DRF's quantize changes
            # nothing, and its output is the plain fixed-point text.
            return _decimal_text
        if (isinstance(field, drf_fields.DateTimeField) and isinstance(model_field, models.DateTimeField)
                and settings.USE_TZ and not hasattr(field, "timezone")
                and str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() == ISO_8601):
            return ISO_DATETIME  # aware values, shown in the current time zone (DRF's enforce_timezone)
        return field.to_representation  # type: ignore[no-any-return]

    def _nested(self, model: type[models.Model], name: str, field: serializers.ListSerializer) -> _Nested:  # type: ignore[type-arg]
        child: Any = field.child
        source = field.source or name
        try:
            relation = model._meta.get_field(source)
        except FieldDoesNotExist:
            raise self._refuse(name, f"{source} is not a relation of {model.__name__}") from None
        if not (relation.one_to_many and isinstance(relation, models.ForeignObjectRel)):
            raise self._refuse(name, "a nested list must be a reverse foreign key")
        child_meta = type(child).Meta
        if child_meta.model is not relation.related_model:
            raise self._refuse(name, f"{type(child).__name__} is not a serializer of {relation.related_model}")
        ordering = tuple(getattr(child_meta, "row_ordering", ("pk",)))
        return _Nested(name=name, model=relation.related_model, parent_lookup=relation.field.attname,
                       ordering=ordering, reader=RowReader(type(child)))


def _model_field(model: type[models.Model], attrs: Sequence[str]) -> models.Field:  # type: ignore[type-arg]
    current: Any = model
    for attr in attrs[:-1]:
        current = current._meta.get_field(attr).related_model
    return current._meta.get_field(attrs[-1])  # type: ignore[no-any-return]


def _tuple_getter(keys: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (itemgetter of one key returns the bare value)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda row: (row[key],)
    return itemgetter(*keys)


def _text_alias(lookup: str) -> str:
    return f"{lookup.replace('__', '_')}_as_text"


def _decimal_text(value: Any) -> str:
    return f"{value:f}"


def ISO_DATETIME(value: Any) -> str:  # noqa: N802 - a marker RowReader.represent binds to the time zone
    return _datetime_text(value, zone=timezone.get_current_timezone())


def _datetime_text(value: datetime, *, zone: tzinfo) -> str:
    """DRF's ISO 8601 text of an aware date-time in ``zone``."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_READERS: dict[type[serializers.BaseSerializer], RowReader] = {}  # type: ignore[type-arg]


def row_reader(serializer_class: type[serializers.BaseSerializer]) -> RowReader:  # type: ignore[type-arg]
    """The reader of a serializer, compiled once per process."""
    reader = _READERS.get(serializer_class)
    if reader is None:
        reader = _READERS[serializer_class] = RowReader(serializer_class)
    return reader
