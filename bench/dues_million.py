"""A 1,000,000-member database for the dues generation benchmark in minutes, not the ≈40 minutes of
``seed_demo`` at that size (bench code, not product code).

Starting from the seeded county (≈2,000 organizations, 50,000 members) with its approved bases,
everything bill generation reads is copied ×``factor`` (default 20) with set-based SQL, one
``INSERT … SELECT … CROSS JOIN (VALUES …)`` per table, on SQLite and PostgreSQL alike:

- organizations: each copy becomes a new root next to the county (tree path's first step
  replaced: ``0001…`` → ``0002…``, ``0003…``; ids offset), so the copies' branches keep the
  county's realistic sizes (3–60 members) and every bill's ``org_path`` is a real path;
- people: ids offset, no ID-number digest (it is unique) and no user account; the rest (the
  encrypted fields) as in the original;
- members: ids offset, person, organization and path moved to the copies, no party group;
- approved and other dues bases and reliefs of those members (new ids).

Bills and payments of the original are deleted first (the demo branch's few), so the result holds
members and bases only. PostgreSQL sequences are reset afterwards and the tables analysed.

Called by ``bench/module_dues.py`` in a child process whose Django points at the database to
multiply (``multiply(factor)``).
"""

from __future__ import annotations

import time

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _step(n: int, steplen: int = 4) -> str:
    """Treebeard's path step for the number ``n`` (alphabet 0–9A–Z, steplen 4)."""
    out = ""
    while n:
        n, r = divmod(n, len(_ALPHABET))
        out = _ALPHABET[r] + out
    return out.rjust(steplen, "0")


def _span(max_id: int) -> int:
    """An id offset per copy larger than every original id: 50,123 → 100,000."""
    return 10 ** len(str(max(max_id, 1)))


def _copy_table(cursor, model, ks_sql: str, exprs: dict[str, str], *, keep_id: bool, where: str = "") -> int:
    """``INSERT INTO t (cols) SELECT <expr or t.col> FROM t CROSS JOIN ks``; ``ks`` has columns
    ``k`` (1 … factor−1) and ``seg`` (the copy's root path step)."""
    from django.db import connection

    qn = connection.ops.quote_name
    cols = [f.column for f in model._meta.concrete_fields if keep_id or not f.primary_key]
    select = ", ".join(exprs.get(c, f"t.{qn(c)}") for c in cols)
    table = qn(model._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(qn(c) for c in cols)}) "  # noqa: S608 - bench, fixed identifiers
           f"SELECT {select} FROM {table} t CROSS JOIN ({ks_sql}) ks {where}")
    cursor.execute(sql)
    return cursor.rowcount


def multiply(factor: int = 20) -> dict:
    """Copy organizations, people, members, dues bases and reliefs ×``factor`` in the current
    database (see the module docstring). Returns row counts and seconds per step."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from dangjian.dues.models import Bill, DuesBase, DuesRelief, Payment
    from dangjian.members.models import Member, Person
    from dangjian.orgs.models import Organization

    out: dict = {"factor": factor, "steps": {}}
    started = time.perf_counter()
    with transaction.atomic():
        Payment.objects.all().delete()  # the demo's few (payment links cascade)
        Bill.objects.all().delete()
        roots = [r.path for r in Organization.get_root_nodes()]
        if len(roots) != 1:
            raise RuntimeError(f"expected the seeded county as the only root, found {len(roots)}: "
                               "multiply a freshly seeded county database")
        root_no = int(roots[0], 36)
        ks = " UNION ALL ".join(f"SELECT {k} AS k, '{_step(root_no + k)}' AS seg" for k in range(1, factor))
        org_span = _span(Organization.objects.aggregate(m=Max("pk"))["m"] or 0)
        person_span = _span(Person.objects.aggregate(m=Max("pk"))["m"] or 0)
        member_span = _span(Member.objects.aggregate(m=Max("pk"))["m"] or 0)
        new_path = "ks.seg || substr(t.{col}, 5)"
        with connection.cursor() as cur:
            steps = [
                (Organization, {"id": f"t.id + ks.k * {org_span}", "path": new_path.format(col="path")}, True, ""),
                (Person, {"id": f"t.id + ks.k * {person_span}", "id_number_digest": "''", "user_id": "NULL"}, True,
                 f"WHERE t.id IN (SELECT person_id FROM {Member._meta.db_table})"),  # noqa: S608
                (Member, {"id": f"t.id + ks.k * {member_span}", "person_id": f"t.person_id + ks.k * {person_span}",
                          "organization_id": f"t.organization_id + ks.k * {org_span}",
                          "org_path": new_path.format(col="org_path"), "party_group_id": "NULL"}, True, ""),
                (DuesBase, {"member_id": f"t.member_id + ks.k * {member_span}",
                            "org_path": new_path.format(col="org_path")}, False, ""),
                (DuesRelief, {"member_id": f"t.member_id + ks.k * {member_span}",
                              "org_path": new_path.format(col="org_path")}, False, ""),
            ]
            for model, exprs, keep_id, where in steps:
                t = time.perf_counter()
                n = _copy_table(cur, model, ks, exprs, keep_id=keep_id, where=where)
                out["steps"][model.__name__] = {"rows": n, "s": round(time.perf_counter() - t, 1)}
                print(f"  {model.__name__}: {n:,} rows copied in {time.perf_counter() - t:.1f} s", flush=True)
            if connection.vendor == "postgresql":
                for sql in connection.ops.sequence_reset_sql(no_style(), [Organization, Person, Member,
                                                                          DuesBase, DuesRelief]):
                    cur.execute(sql)
    t = time.perf_counter()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # what autovacuum would do soon after such a load
            for model in (Organization, Person, Member, DuesBase, DuesRelief, Bill):
                cur.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        else:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    out["analyze_s"] = round(time.perf_counter() - t, 1)
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["members"] = Member.objects.count()
    out["organizations"] = Organization.objects.count()
    return out
