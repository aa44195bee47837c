"""API: member development (``/api/v1/development/*``)."""

from ninja import Router

router = Router(tags=["development"])
