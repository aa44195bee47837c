"""One audit chain per top-level organization instead of one global chain.

Choice for existing rows: they keep the global chain. Every row already written gets
``chain = ""`` and the single existing ``AuditHead`` row (pk 1) becomes the head of chain "".
Nothing is rehashed: the canonical content hashed by ``core.audit`` includes ``chain`` only
when it is not empty, so every old hash still verifies, in the old order, as the global chain.
New events with an organization start a chain of their own (from the genesis hash) keyed by
the first step of their ``org_path``; new events without one continue the global chain.

Rebuilding per-chain heads from old rows instead would mean rewriting ``prev_hash``/``hash``
of every existing row, i.e. re-signing history — exactly what the trail must never allow — so
old rows stay as they were signed.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_sequence_counter'),
    ]

    operations = [
        migrations.AddField(
            model_name='auditevent',
            name='chain',
            field=models.CharField(blank=True, default='', max_length=32),
        ),
        migrations.AddField(
            model_name='audithead',
            name='chain',
            field=models.CharField(default='', max_length=32, unique=True),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['chain', 'id'], name='audit_chain_idx'),
        ),
    ]
