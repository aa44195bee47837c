"""API: the opinion express lane (``/api/v1/opinions/*``)."""

from ninja import Router

router = Router(tags=["opinions"])
