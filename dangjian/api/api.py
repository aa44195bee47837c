"""The JSON API at /api/v1 (django-ninja). Each app contributes a router; errors are JSON
``{code, message, field?}`` (see ``errors``); docs at /api/v1/docs from vendored Swagger UI."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from dangjian.api.docs import VendoredSwagger
from dangjian.ballots.api import router as ballots_router
from dangjian.cases.api import router as cases_router
from dangjian.core.api import router as core_router
from dangjian.core.api_workbench import router as workbench_router
from dangjian.core.apikit import errors
from dangjian.core.apikit.openapi import Api
from dangjian.dues.api import router as dues_router
from dangjian.learning.api import router as learning_router
from dangjian.learning.exams.api import router as exams_router
from dangjian.learning.lectures.api import router as lectures_router
from dangjian.members.api import router as members_router
from dangjian.members.development.api import router as development_router
from dangjian.members.lifecycle.api import router as lifecycle_router
from dangjian.members.transfers.api import router as transfers_router
from dangjian.opinions.api import router as opinions_router
from dangjian.opinions.forum.api import router as forum_router
from dangjian.orglife.api import router as orglife_router
from dangjian.orgs.api import router as orgs_router
from dangjian.portal.api import router as portal_router
from dangjian.portal.channels.api import router as channels_router
from dangjian.reports.api import router as reports_router
from dangjian.services.api import router as services_router
from dangjian.stats.api import router as stats_router

api = Api(
    title="Dangjian Cloud API",
    version="1",
    description="党建云 API. Log in with POST /auth/login, then send `Authorization: Bearer <token>`.",
    urls_namespace="api",
    docs=VendoredSwagger(),
)
errors.install(api)

api.add_router("", core_router)
api.add_router("", workbench_router)
api.add_router("/orgs", orgs_router)
api.add_router("/members", members_router)
api.add_router("/dues", dues_router)
api.add_router("/opinions", opinions_router)
api.add_router("/development", development_router)
api.add_router("/transfers", transfers_router)
api.add_router("/lifecycle", lifecycle_router)
api.add_router("/orglife", orglife_router)
api.add_router("/cases", cases_router)
api.add_router("/channels", channels_router)
api.add_router("/forum", forum_router)
api.add_router("/portal", portal_router)
api.add_router("/stats", stats_router)
api.add_router("/ballots", ballots_router)
api.add_router("/reports", reports_router)
api.add_router("/services", services_router)
api.add_router("/learning/exams", exams_router)
api.add_router("/learning/lectures", lectures_router)
api.add_router("/learning", learning_router)


fallback = Router()


@fallback.api_operation(["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False)
def unknown(request: HttpRequest, rest: str) -> None:
    """Anything else under /api/v1/ answers a JSON 404, not an HTML page (registered last)."""
    raise errors.ApiError(404, "not_found", _("Not found."))


api.add_router("", fallback)
