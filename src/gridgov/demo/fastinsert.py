"""Bulk insert for the demo's largest tables: executemany with values adapted once per column
type, about ten times faster than bulk_create for a million rows on SQLite."""
import datetime as dt
import json

from django.db import connection, models


def _sqlite_datetime(value):
    # What Django's adapter stores (naive UTC text), without its per-value checks.
    return None if value is None else value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat(" ")


def _adapter(field):
    if isinstance(field, models.DateTimeField):
        return _sqlite_datetime if connection.vendor == "sqlite" else None
    if isinstance(field, models.DateField):
        return connection.ops.adapt_datefield_value
    if isinstance(field, models.JSONField):
        return lambda v: None if v is None else "{}" if v == {} else json.dumps(v, ensure_ascii=False)
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else connection.ops.adapt_decimalfield_value(v, field.max_digits, field.decimal_places)
    return None


def insert(model, columns, rows, batch=20000):
    """Insert `rows` (tuples in the order of `columns`, Python values) into `model`'s table."""
    fields = [model._meta.get_field(c) for c in columns]
    adapters = [(i, a) for i, a in enumerate(_adapter(f) for f in fields) if a]
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) VALUES ({marks})"
    with connection.cursor() as cur:
        chunk = []
        for row in rows:
            if adapters or not isinstance(row, (tuple, list)):
                row = list(row)
                for i, adapt in adapters:
                    row[i] = adapt(row[i])
            chunk.append(row)
            if len(chunk) >= batch:
                cur.executemany(sql, chunk)
                chunk = []
        if chunk:
            cur.executemany(sql, chunk)


def insert_objects(model, objs, batch=20000):
    """Insert unsaved model instances (primary keys assigned by the database, not read back)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    insert(model, [f.name for f in fields], ((getattr(o, f.attname) for f in fields) for o in objs), batch)
