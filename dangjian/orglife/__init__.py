"""Organizational life (三会一课 and more): planning, attendance, records, ledgers, compliance."""
