"""Member lifecycle (issue 3): floating members' certificates, status changes with approvals, exits."""
