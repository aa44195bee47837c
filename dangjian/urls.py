from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap as wagtail_sitemap
from wagtail.documents import urls as wagtaildocs_urls

from dangjian.api.api import api
from dangjian.core.views_media import media

# The site's own error pages (Chinese by default, phone-sized, with a way back).
handler400 = "dangjian.core.views_errors.bad_request"
handler403 = "dangjian.core.views_errors.permission_denied"
handler404 = "dangjian.core.views_errors.page_not_found"
handler500 = "dangjian.core.views_errors.server_error"
handler429 = "dangjian.core.views_errors.too_many_requests"  # asked for by allauth's rate limits

urlpatterns = [
    path("", include("dangjian.core.urls")),
    path("notifications/", include("dangjian.core.urls_notifications")),
    path("staff/calendar/", include("dangjian.core.urls_workdays")),
    path("orgs/", include("dangjian.orgs.urls")),
    path("members/", include("dangjian.members.urls")),
    path("members/excel/", include("dangjian.members.urls_excel")),
    path("development/", include("dangjian.members.development.urls")),
    path("transfers/", include("dangjian.members.transfers.urls")),
    path("lifecycle/", include("dangjian.members.lifecycle.urls")),
    path("dues/", include("dangjian.dues.urls")),
    path("orglife/", include("dangjian.orglife.urls")),
    path("opinions/", include("dangjian.opinions.urls")),
    path("forum/", include("dangjian.opinions.forum.urls")),
    path("cases/", include("dangjian.cases.urls")),
    path("stats/", include("dangjian.stats.urls")),
    path("ballots/", include("dangjian.ballots.urls")),
    path("reports/", include("dangjian.reports.urls")),
    path("services/", include("dangjian.services.urls")),
    path("learning/exams/", include("dangjian.learning.exams.urls")),
    path("learning/lectures/", include("dangjian.learning.lectures.urls")),
    path("learning/", include("dangjian.learning.urls")),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
    # Portal (issue 6): search, feeds, comment moderation; the Wagtail admin; the public pages.
    path("", include("dangjian.portal.urls")),
    path("staff/portal/channels/", include("dangjian.portal.channels.urls")),
    path("cms/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("sitemap.xml", wagtail_sitemap, name="sitemap"),
    # the public part of MEDIA_ROOT in the embedded mode (MEDIA_SERVE; nginx in production)
    path("media/<path:path>", media, name="media"),
    path("portal/", include(wagtail_urls)),
]
