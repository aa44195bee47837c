"""The site's URLs plus one view that fails, for the 500 page test."""

from django.urls import path

from dangjian.urls import handler400, handler403, handler404, handler500  # noqa: F401
from dangjian.urls import urlpatterns as site_urls


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("test-boom/", boom), *site_urls]
