from django.http import HttpResponse
from django.urls import path

from baseline_app.page import PAGE


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page)]
