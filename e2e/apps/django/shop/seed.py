from .models import Category, Item


def seed():
    """A few rows: 3 categories, 10 items. Idempotent."""
    if Item.objects.exists():
        return
    cats = [Category.objects.create(name=n) for n in ("books", "music", "games")]
    for i in range(10):
        Item.objects.create(name=f"item {i + 1}", price_cents=100 * (i + 1), category=cats[i % len(cats)])
