"""API: organizational life (``/api/v1/orglife/*``)."""

from ninja import Router

router = Router(tags=["orglife"])
