"""Run the dashboard's SQL on SQLite and PostgreSQL, written once with ``?`` placeholders."""

from __future__ import annotations

import re

import peewee

# The placeholder group of a single-row INSERT, replaced for psycopg2's execute_values.
_VALUES_PATTERN = re.compile(r"VALUES \([?, ]+\)")
# Values per IN (...) list; SQLite before 3.32 accepts at most 999 parameters per statement.
_MAX_IN_LIST_VALUES = 500


def _sql(db: peewee.Database, statement: str) -> str:
    """Use the driver's placeholder: SQLite takes ``?`` and psycopg2 takes ``%s``."""
    return statement if db.param == "?" else statement.replace("?", db.param)


def _execute(db: peewee.Database, statement: str, params: tuple) -> int:
    cursor = db.execute_sql(_sql(db, statement), params)
    return cursor.rowcount


def _execute_many(db: peewee.Database, statement: str, rows: list[tuple]) -> None:
    """Run an INSERT for many rows; on PostgreSQL as one multi-row statement, not one round trip per row."""
    if not rows:
        return
    cursor = db.cursor()
    if isinstance(db, peewee.PostgresqlDatabase):
        from psycopg2.extras import execute_values

        execute_values(cursor, _VALUES_PATTERN.sub("VALUES %s", statement, count=1), rows, page_size=len(rows))
        return
    cursor.executemany(statement, rows)


def _fetch_one(db: peewee.Database, statement: str, params: tuple) -> tuple | None:
    return db.execute_sql(_sql(db, statement), params).fetchone()


def _fetch_all(db: peewee.Database, statement: str, params: tuple) -> list[tuple]:
    return list(db.execute_sql(_sql(db, statement), params).fetchall())


def _fetch_in(db: peewee.Database, statement: str, values: list, params: tuple = ()) -> list[tuple]:
    """Run a SELECT whose ``{values}`` becomes an IN list, in pieces of at most ``_MAX_IN_LIST_VALUES``.

    ``params`` fill the ``?`` placeholders after the IN list. Returns the rows of
    every piece, the pieces in the order of ``values``.
    """
    rows: list[tuple] = []
    for start in range(0, len(values), _MAX_IN_LIST_VALUES):
        piece = values[start : start + _MAX_IN_LIST_VALUES]
        placeholders = ", ".join("?" for _ in piece)
        rows += _fetch_all(db, statement.format(values=placeholders), (*piece, *params))
    return rows


def _delete_keys(db: peewee.Database, table: str, columns: tuple[str, ...], keys: list[tuple]) -> None:
    """Delete the rows of ``table`` whose ``columns`` equal one of ``keys``, on PostgreSQL with one statement."""
    if not keys:
        return
    if isinstance(db, peewee.PostgresqlDatabase):
        from psycopg2.extras import execute_values

        match = " AND ".join(f"{table}.{column} = keys_to_delete.{column}" for column in columns)
        statement = f"DELETE FROM {table} USING (VALUES %s) AS keys_to_delete ({', '.join(columns)}) WHERE {match}"
        execute_values(db.cursor(), statement, keys, page_size=len(keys))
        return
    db.cursor().executemany(f"DELETE FROM {table} WHERE " + " AND ".join(f"{column} = ?" for column in columns), keys)
