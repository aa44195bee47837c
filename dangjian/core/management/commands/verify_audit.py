from django.core.management.base import BaseCommand, CommandError

from dangjian.core.audit import verify_chain
from dangjian.core.models import AuditEvent, AuditHead


class Command(BaseCommand):
    help = ("Verify the hash chains of the audit trail (one per top-level organization, and the global "
            "one); exit non-zero naming each broken chain and its first broken entry.")

    def handle(self, *args, **options):
        problems = [str(problem) for problem in verify_chain()]
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write(self.style.SUCCESS(
            f"audit chains intact ({AuditHead.objects.count()} chains, {AuditEvent.objects.count()} entries)"))
