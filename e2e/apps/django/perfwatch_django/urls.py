from django.urls import include, path

urlpatterns = [
    path("", include("shop.urls")),
    # django-prometheus's exposition: GET /metrics (view "prometheus-django-metrics")
    path("", include("django_prometheus.urls")),
]
