"""What a database plans for a statement, for tests that assert which index a read goes through."""

from django.db import connection


def analyze() -> None:
    """ANALYZE: the statistics a working database has, which the planner's choice depends on."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def plan_of(sql: str) -> str:
    """The plan of `sql` as one string: SQLite's EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN with
    sequential and bitmap scans off (tables as small as a test's would otherwise be read whole)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " ".join(str(row) for row in cursor.fetchall())
