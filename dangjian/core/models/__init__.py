from .accounts import ApiToken, RoleAssignment, User
from .audit import AuditEvent, AuditHead

__all__ = ["ApiToken", "AuditEvent", "AuditHead", "RoleAssignment", "User"]
