import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
_django = get_wsgi_application()

from dangjian.portal.middleware import PortalFront  # noqa: E402 - after Django's setup

# anonymous portal pages from the whole-page cache are answered before Django's handler
application = PortalFront(_django)
