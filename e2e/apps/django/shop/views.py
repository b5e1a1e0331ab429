"""Views of the e2e Django app.

  GET  /                      index, fast
  GET  /items/                fast list (one query)
  POST /items/                create an item (form or JSON body: name), 201
  GET  /items/<pk>/           detail; unknown pk raises Http404 (a matched view answering 404)
  GET  /items/with-category/  N+1: every item loads its category with a query of its own
  GET  /slow/                 sleeps 0.6, 0.9, 1.2, 1.5 s in turn
  GET  /flaky/                every 5th request raises RuntimeError (500, 20 %)
  GET  /cached/<key>/         Django's cache: miss (and a DB query) the first time per key, hits after
  anything else               Django's 404 (no view matched)
"""
import itertools
import json
import threading
import time

from django.core.cache import cache
from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from .models import Category, Item

SLOW_SECONDS = (0.6, 0.9, 1.2, 1.5)

_lock = threading.Lock()
_slow_counter = itertools.count()
_flaky_counter = itertools.count(1)


def _next(counter):
    with _lock:
        return next(counter)


def index(request):
    return JsonResponse({"app": "perfwatch-e2e-django", "routes": [
        "/items/", "/items/<pk>/", "/items/with-category/", "/slow/", "/flaky/", "/cached/<key>/", "/metrics",
    ]})


def item_list(request):
    if request.method == "POST":
        name = request.POST.get("name")
        if name is None and request.body:
            try:
                name = json.loads(request.body).get("name")
            except ValueError:
                name = None
        item = Item.objects.create(name=name or "new", category=Category.objects.first())
        return JsonResponse({"id": item.pk, "name": item.name}, status=201)
    return JsonResponse({"items": list(Item.objects.values("id", "name", "price_cents"))})


def item_detail(request, pk):
    item = get_object_or_404(Item, pk=pk)
    return JsonResponse({"id": item.pk, "name": item.name, "price_cents": item.price_cents})


def items_with_category(request):
    # Deliberate N+1: no select_related, so item.category costs one query per item.
    out = [{"id": item.pk, "name": item.name, "category": item.category.name} for item in Item.objects.all()]
    return JsonResponse({"items": out})


def slow(request):
    seconds = SLOW_SECONDS[_next(_slow_counter) % len(SLOW_SECONDS)]
    time.sleep(seconds)
    return JsonResponse({"slept_seconds": seconds})


def flaky(request):
    n = _next(_flaky_counter)
    if n % 5 == 0:
        raise RuntimeError(f"flaky failure #{n}")
    return JsonResponse({"ok": True, "n": n})


def cached(request, key):
    value = cache.get(key)
    hit = value is not None
    if not hit:
        value = Item.objects.count()
        cache.set(key, value, timeout=300)
    return JsonResponse({"key": key, "value": value, "hit": hit})
