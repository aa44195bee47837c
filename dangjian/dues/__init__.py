"""Party dues (S13): bases, exact calculation, bills, payment, ledgers, arrears (issue 4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DuesCategory(models.TextChoices):
    """How a member's monthly dues are worked out (DOMAIN.md §5)."""

    IN_SERVICE = "in_service", _("In-service member (monthly salary)")
    RETIRED = "retired", _("Retired member (monthly pension)")
    FARMER = "farmer", _("Farmer member")
    STUDENT = "student", _("Student member")
    UNEMPLOYED = "unemployed", _("Laid-off or unemployed member")
    RELIEF = "relief", _("Member receiving the minimum living allowance")
    ANNUAL_SALARY = "annual_salary", _("Member on an annual salary (amount received this month)")
    SELF_EMPLOYED = "self_employed", _("Self-employed member (last quarter's average monthly net income)")


#: Categories whose dues are a percentage of a monthly base.
RATE_CATEGORIES = frozenset({
    DuesCategory.IN_SERVICE, DuesCategory.RETIRED, DuesCategory.ANNUAL_SALARY, DuesCategory.SELF_EMPLOYED,
})
#: Categories paying a fixed monthly amount (no base needed).
FLAT_CATEGORIES = frozenset({
    DuesCategory.FARMER, DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.RELIEF,
})
