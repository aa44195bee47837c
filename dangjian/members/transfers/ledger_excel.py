"""The transfer ledger (台账) as an Excel workbook (openpyxl, write-only)."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook

from dangjian.members import MemberStatus
from dangjian.members.transfers import LedgerDirection
from dangjian.members.transfers.models import TransferLedgerEntry
from dangjian.orgs.models import Organization


def ledger_workbook(org: Organization, entries: Iterable[TransferLedgerEntry]) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Transfer ledger")[:31])
    ws.append([_("Transfer ledger · %(org)s") % {"org": org.name}])
    ws.append([_("Date"), _("Direction"), _("Name"), _("Full or probationary"), _("Letter number"),
               _("Organization"), _("From / to")])
    for e in entries:
        ws.append([
            e.on_date.isoformat(), str(LedgerDirection(e.direction).label), e.member_name,
            str(MemberStatus(e.membership).label) if e.membership in MemberStatus.values else e.membership,
            e.letter_number, e.organization.name, e.counterpart,
        ])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
