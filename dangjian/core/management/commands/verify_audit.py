from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit trail; exit non-zero naming the first broken entry."

    def handle(self, *args, **options):
        for problem in verify_chain():
            raise CommandError(f"audit chain broken at entry {problem.event_id}: {problem.message}")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact ({AuditEvent.objects.count()} entries)"))
