from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo county sits on top of every module: it may import any of them (and none imports
    it). It owns ``manage.py seed_demo`` and the demo data that spans modules (opinions routed to
    cases)."""

    name = "dangjian.demo"
    label = "demo"
    verbose_name = _("Demo data")

    def ready(self) -> None:
        from django.apps import apps

        from dangjian.core.hooks import register_demo_seeder

        if apps.is_installed("dangjian.cases") and apps.is_installed("dangjian.opinions"):
            from dangjian.demo.cases import seed_cases

            register_demo_seeder(seed_cases, order=200)
        if apps.is_installed("dangjian.portal"):
            from dangjian.demo.editor import seed_editor

            register_demo_seeder(seed_editor, order=250)  # after the portal's sections (200)
