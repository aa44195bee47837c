from typing import Any

from django.core.management.base import BaseCommand

from dangjian.core.models import User


class Command(BaseCommand):
    help = "Create the portal home page, editor and review groups and the default review workflow (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--title", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        from dangjian.portal.actions import do_setup_portal

        admin = User.objects.filter(is_superuser=True).order_by("pk").first()
        if admin is None:
            self.stderr.write("Create a superuser first (manage.py createsuperuser).")
            return
        home = do_setup_portal(acting_user=admin, title=options["title"])
        self.stdout.write(f"Portal home: {home.title} (page {home.pk})")
