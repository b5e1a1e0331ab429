from django.urls import path

from . import views

app_name = "shop"

urlpatterns = [
    path("", views.index, name="index"),
    path("items/", views.item_list, name="item-list"),
    path("items/with-category/", views.items_with_category, name="items-with-category"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("slow/", views.slow, name="slow"),
    path("flaky/", views.flaky, name="flaky"),
    path("cached/<str:key>/", views.cached, name="cached"),
]
