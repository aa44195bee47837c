from django.core.management.base import BaseCommand
from django.db import close_old_connections

from dangjian.core.scheduler import JOBS, build_scheduler


class Command(BaseCommand):
    help = "Run the periodic-job scheduler (enqueues tasks; safe to run on several machines)."

    def handle(self, *args, **options):
        close_old_connections()
        scheduler = build_scheduler(blocking=True)
        self.stdout.write("scheduler: " + ", ".join(f"{j.name} [{j.cron}]" for j in JOBS.values()))
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            scheduler.shutdown(wait=False)
