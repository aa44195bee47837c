"""API: transfers (``/api/v1/transfers/*``)."""

from ninja import Router

router = Router(tags=["transfers"])
