"""Organizational-relationship transfers (组织关系转接): routing, introduction letters, hop approvals, ledgers."""
