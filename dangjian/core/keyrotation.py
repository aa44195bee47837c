"""Re-encrypting personal data with the newest field key and recomputing its digests
(``manage.py rotate_keys``).

Progress needs no bookkeeping: a value encrypted with the newest key and a digest computed with
the current HMAC key are already done, so a run that stopped half-way (or a second run) passes
over the rows it finished and continues with the others. Each batch is one transaction, reading
its rows locked (``select_for_update``) and writing each changed row by primary key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.db.models import ExpressionWrapper, F, TextField

from dangjian.core import audit, crypto


@dataclass
class BatchResult:
    last_pk: object | None  # None: the model has no rows after the given one
    rows_changed: int


def encrypted_models() -> Iterator[tuple[type[models.Model], list[crypto.EncryptedCharField]]]:
    """Every installed model with encrypted fields, and those fields."""
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, crypto.EncryptedCharField)]
        if fields:
            yield model, fields


def rotate_batch(model: type[models.Model], fields: list[crypto.EncryptedCharField], *,
                 after_pk: object | None, batch_size: int) -> BatchResult:
    """Bring the next ``batch_size`` rows of ``model`` (by primary key, after ``after_pk``) to
    the newest encryption key and the current digest key."""
    raw = {f"_raw_{f.attname}": ExpressionWrapper(F(f.attname), output_field=TextField()) for f in fields}
    digests = [f.digest_field for f in fields if f.digest_field]
    with transaction.atomic():
        qs = model._base_manager.order_by("pk").select_for_update()
        if after_pk is not None:
            qs = qs.filter(pk__gt=after_pk)
        rows = list(qs.annotate(**raw).values("pk", *raw, *digests)[:batch_size])
        changed = 0
        for row in rows:
            updates: dict[str, str] = {}
            for f in fields:
                token = row[f"_raw_{f.attname}"]
                plain = crypto.decrypt(token) if token else ""
                if token and not crypto.is_current(token):
                    updates[f.attname] = plain  # the field encrypts it with the newest key
                if f.digest_field:
                    wanted = crypto.digest(plain, purpose=f.digest_purpose) if plain else ""
                    if row[f.digest_field] != wanted:
                        updates[f.digest_field] = wanted
            if updates:
                model._base_manager.filter(pk=row["pk"]).update(**updates)
                changed += 1
    return BatchResult(rows[-1]["pk"] if rows else None, changed)


def do_record_key_rotation(counts: dict[str, int], *, finished: bool) -> None:
    """Audit one run of ``rotate_keys`` (rows changed per model; whether it went to the end)."""
    with transaction.atomic():
        audit.record(None, "crypto.keys_rotated", None, after={"rows": counts, "finished": finished})
