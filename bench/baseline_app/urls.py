import json

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from baseline_app.page import PAGE


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


@csrf_exempt
def post(request):
    """The plain POST baseline (bench/ballots_cast.py): parse the JSON body, answer a small JSON."""
    if request.method != "POST":
        return JsonResponse({"detail": "POST only"}, status=405)
    try:
        data = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "bad JSON"}, status=400)
    return JsonResponse({"ok": True, "keys": len(data) if isinstance(data, dict) else 0})


urlpatterns = [path("", page), path("post/", post)]
