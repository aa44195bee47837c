"""An index for searching organizations by part of their name (orgs/search.py).

SQLite: an FTS5 table with the trigram tokenizer (SQLite ≥ 3.34) over orgs_organization.name,
kept in step by triggers (so every write path, treebeard's included, keeps it current).
PostgreSQL: the pg_trgm extension and a GIN trigram index, which serves ``name LIKE '%…%'``.
Nothing in the model state changes (the index is not expressible on both databases).
"""

from django.db import migrations

FTS = "orgs_organization_name_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(name, content='orgs_organization', "
    "content_rowid='id', tokenize='trigram')",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ai AFTER INSERT ON orgs_organization BEGIN
        INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON orgs_organization BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF name ON orgs_organization BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name) VALUES ('delete', old.id, old.name);
        INSERT INTO {FTS}(rowid, name) VALUES (new.id, new.name); END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {FTS}_ai", f"DROP TRIGGER IF EXISTS {FTS}_ad", f"DROP TRIGGER IF EXISTS {FTS}_au",
    f"DROP TABLE IF EXISTS {FTS}",
]
PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS orgs_org_name_trgm ON orgs_organization USING gin (name gin_trgm_ops)",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS orgs_org_name_trgm"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}),
        ),
    ]
