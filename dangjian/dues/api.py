"""API: party dues (``/api/v1/dues/*``)."""

from ninja import Router

router = Router(tags=["dues"])
