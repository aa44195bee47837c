"""Load the fictional demo county: ``python manage.py seed_demo --scale small|county|province``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.demo.actions import demo_logins, do_seed_demo
from dangjian.demo.generator import SCALES, resolve_scale
from dangjian.orgs.models import Organization


class Command(BaseCommand):
    help = (
        "Build a fictional county (organizations, members, demo accounts) deterministically from a seed. "
        "small ≈ 40 organizations / 600 members; county ≈ 2,000 / 50,000; province = a city of counties, "
        "one county per 50,000 members (default 10 counties / 500,000; --members 1000000 gives 20)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--members", type=int, default=None, help="override the scale's member count")
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any organization exists")
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None,
                            help="reference date for ages and dates (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if Organization.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("The database already has organizations; demo data not loaded.")
                self._print_logins()
                return
            raise CommandError(
                "The database already has organizations. seed_demo loads a fresh demo county into an empty "
                "database; use --if-empty to skip quietly."
            )
        if opts["members"] is not None and opts["members"] < 1:
            raise CommandError("--members must be at least 1.")
        scale = resolve_scale(opts["scale"], opts["members"])
        verbose = opts["verbosity"] >= 1
        if verbose:
            self.stdout.write(f"Loading the demo data: scale {opts['scale']}, seed {opts['seed']}, "
                              f"{scale.counties} county(ies), {scale.members} members …")
        result = do_seed_demo(
            opts["scale"], seed=opts["seed"], members=opts["members"], today=opts["today"],
            progress=(lambda m: self.stdout.write(m)) if opts["verbosity"] >= 2 else None,
        )
        if verbose:
            t = result.timings
            self.stdout.write(self.style.SUCCESS(
                f"Loaded {result.organizations} organizations and {result.members} members under “{result.root.name}” "
                f"in {result.seconds:.1f} s (organizations {t['organizations']:.1f} s, members {t['members']:.1f} s)."
            ))
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write("Demo logins:")
        for username, password, label in logins:
            self.stdout.write(f"  {username:<15} {password:<15} {label}")
