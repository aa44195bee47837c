from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = _("Party dues")

    def ready(self) -> None:
        from django.core import checks

        from dangjian.core.hooks import (
            register_demo_seeder,
            register_home_item,
            register_member_fact,
            register_nav_entry,
            register_todo_source,
            register_workbench_card,
        )
        from dangjian.core.notifications import register_kind
        from dangjian.core.roles import Role, register_permissions
        from dangjian.core.scheduler import register_job
        from dangjian.dues import todos
        from dangjian.dues.checks import check_demo_simulator, check_dues_rules
        from dangjian.dues.demo import seed_dues
        from dangjian.dues.selectors import paid_up_to
        from dangjian.dues.views import home_items

        checks.register(check_dues_rules)
        checks.register(check_demo_simulator, deploy=True)
        for role in (Role.COUNTY_ADMIN, Role.SECRETARY, Role.ORGANIZER):
            register_permissions(role, {"dues.manage", "dues.approve_relief"})
        register_home_item(home_items)
        # The member's own pages ("mine"), the branch's dues pages ("dues"); each entry's perm is
        # what its view checks. The calculator needs no sign-in: every signed-in user may open it.
        register_nav_entry("dues:my", _("My dues"), group="mine", icon="money", member=True, order=40)
        register_nav_entry("dues:notice", _("Dues notice"), group="mine", icon="money", member=True, order=45)
        register_nav_entry("dues:calculator", _("Dues calculator"), group="mine", icon="money", order=60)
        register_nav_entry("dues:ledger", _("Dues ledger"), group="dues", icon="money", perm="dues.manage",
                           order=10, primary=30)
        register_nav_entry("dues:member_year", _("Dues per member"), group="dues", icon="money",
                           perm="dues.manage", order=15)
        register_nav_entry("dues:arrears", _("Dues arrears"), group="dues", icon="money", perm="dues.manage",
                           order=20, badge="dues.arrears")
        register_nav_entry("dues:bases", _("Dues bases"), group="dues", icon="money", perm="dues.manage", order=30)
        register_nav_entry("dues:reliefs", _("Reductions and exemptions"), group="dues", icon="money",
                           perm="dues.manage", order=40)
        register_nav_entry("dues:handovers", _("Dues handed up"), group="dues", icon="money", perm="dues.manage",
                           order=50, badge="dues.handovers")
        register_nav_entry("dues:manage_notice", _("Dues notice to members"), group="dues", icon="money",
                           perm="dues.manage", order=60)
        register_nav_entry("dues:reconciliations", _("Reconciliation"), group="dues", icon="money",
                           perm="dues.manage", order=70)
        register_todo_source("dues.arrears", _("Dues arrears to follow up"), items=todos.arrears_items,
                             count=todos.arrears_count, perm="dues.manage")
        register_todo_source("dues.handovers", _("Dues handed up, to confirm"), items=todos.handover_items,
                             count=todos.handover_count, perm="dues.manage")
        register_workbench_card(todos.workbench_cards)
        register_member_fact("dues_paid_up_to", paid_up_to)  # on the transfer letter
        register_job("dues.generate_monthly_bills", "5 1 * * *", "dangjian.dues.tasks.generate_monthly_bills")
        register_job("dues.sync_pending_payments", "*/10 * * * *", "dangjian.dues.tasks.sync_pending_payments")
        register_job("dues.check_arrears", "0 9 5 * *", "dangjian.dues.tasks.check_arrears")
        register_demo_seeder(seed_dues, order=60)
        register_kind("dues.arrears_reminder", _("Unpaid party dues"))
        register_kind("dues.arrears_warning", _("Members 3 months behind with dues"))
        register_kind("dues.arrears_lapse", _("Members 6 months behind with dues"))
        register_job("dues.reconcile_payments", "30 10 * * *", "dangjian.dues.tasks.reconcile_payments")
        register_kind("dues.reconciliation_mismatch", _("Dues reconciliation mismatches"))
        register_kind("dues.notice_published", _("Party dues public notice"))
        register_kind("dues.handed_up", _("Party dues handed up"))
        # refunds finished by notification or query; superseded and expired orders closed
        register_job("dues.sync_pending_refunds", "*/10 * * * *", "dangjian.dues.tasks.sync_pending_refunds")
        register_job("dues.close_expired_orders", "*/10 * * * *", "dangjian.dues.tasks.close_expired_orders")
        register_kind("dues.refund_succeeded", _("Party dues refunded"))
        register_kind("dues.refund_failed", _("Party dues refund failed"))
        from dangjian.dues import figures  # statistics (issue 15)

        figures.register()
