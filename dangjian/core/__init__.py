"""Core: users, roles and scopes, audit trail, personal-data crypto, notifications, base UI."""
