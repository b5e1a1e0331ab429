from django.db import models
from django_prometheus.models import ExportModelOperationsMixin


class Category(ExportModelOperationsMixin("category"), models.Model):
    name = models.CharField(max_length=100)


class Item(ExportModelOperationsMixin("item"), models.Model):
    name = models.CharField(max_length=100)
    price_cents = models.IntegerField(default=0)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="items")
