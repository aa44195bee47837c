"""Re-encrypt every encrypted field with the newest key of ``FIELD_ENCRYPTION_KEYS`` and
recompute the digests with ``FIELD_HMAC_KEY``, in batches. Safe to stop and run again: finished
rows are recognised and passed over. See docs/deploy.md, "Rotating keys"."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.core.keyrotation import do_record_key_rotation, encrypted_models, rotate_batch


class Command(BaseCommand):
    help = "Re-encrypt personal data with the newest field key and recompute its search digests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument("--max-batches", type=int, default=0,
                            help="stop after this many batches (0: run to the end); run again to continue")

    def handle(self, *args: Any, batch_size: int, max_batches: int, **options: Any) -> None:
        batches = 0
        counts: dict[str, int] = {}
        for model, fields in encrypted_models():
            label = model._meta.label
            after: object | None = None
            while True:
                if max_batches and batches >= max_batches:
                    do_record_key_rotation(counts, finished=False)
                    self.stdout.write(f"Stopped after {batches} batches; run rotate_keys again to continue.")
                    return
                result = rotate_batch(model, fields, after_pk=after, batch_size=max(1, batch_size))
                batches += 1
                counts[label] = counts.get(label, 0) + result.rows_changed
                if result.last_pk is None:
                    break
                after = result.last_pk
            self.stdout.write(f"{label}: {counts.get(label, 0)} rows re-encrypted or re-digested")
        do_record_key_rotation(counts, finished=True)
        self.stdout.write(self.style.SUCCESS("Every encrypted field uses the newest key."))
