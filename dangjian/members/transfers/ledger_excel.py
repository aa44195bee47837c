"""The transfer ledger (台账) as an Excel workbook (write-only: the rows are streamed)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from dangjian.core import spreadsheets
from dangjian.members import MemberStatus
from dangjian.members.transfers import LedgerDirection
from dangjian.members.transfers.models import TransferLedgerEntry
from dangjian.orgs.models import Organization


@spreadsheets.export("transfers.ledger")
def ledger_workbook(org: Organization, entries: Iterable[TransferLedgerEntry]) -> bytes:
    book = spreadsheets.Book(write_only=True)
    sheet = book.sheet(_("Transfer ledger"))
    sheet.widths((12, 8, 10, 14, 18, 30, 36))  # a write-only sheet's widths come before its rows
    sheet.title([_("Transfer ledger · %(org)s") % {"org": org.name}])
    sheet.header([_("Date"), _("Direction"), _("Name"), _("Full or probationary"), _("Letter number"),
                  _("Organization"), _("From / to")])
    for e in entries:
        sheet.append([
            e.on_date.isoformat(), str(LedgerDirection(e.direction).label), e.member_name,
            str(MemberStatus(e.membership).label) if e.membership in MemberStatus.values else e.membership,
            e.letter_number, e.organization.name, e.counterpart,
        ])
    return book.to_bytes()
