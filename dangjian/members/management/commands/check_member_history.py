from django.core.management.base import BaseCommand, CommandError

from dangjian.members.spells import do_repair_member_history, history_problems


class Command(BaseCommand):
    help = ("Check the membership history (members.MemberSpell): every member's open spell must equal the "
            "member's row, and a member's spells must follow each other without overlap or gap. Exits non-zero "
            "naming the members in error; --repair makes their history whole (a 'corrected' spell dated today).")

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="repair the members found in error")

    def handle(self, *args, **options):
        problems = history_problems()
        for p in problems[:200]:
            self.stdout.write(f"member {p.member_id}: {p.kind}: {p.detail}")
        if len(problems) > 200:
            self.stdout.write(f"… and {len(problems) - 200} more")
        members = sorted({p.member_id for p in problems})
        if not members:
            self.stdout.write(self.style.SUCCESS("membership history in step with the member rows"))
            return
        if not options["repair"]:
            raise CommandError(f"{len(members)} member(s) with a history out of step; run with --repair to correct it")
        do_repair_member_history(members, acting_user=None)
        left = history_problems(members)
        if left:
            raise CommandError(f"{len({p.member_id for p in left})} member(s) could not be repaired")
        self.stdout.write(self.style.SUCCESS(f"repaired the history of {len(members)} member(s)"))
