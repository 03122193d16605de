from django.db import models


class Order(models.Model):
    """A placed order. Its ``order_id`` goes into the purchase trigger, which the ad tech turns into a
    deduplication key, so a refreshed thank-you page is not counted twice."""

    order_id = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(max_length=200)
    email = models.EmailField()
    lines = models.JSONField(default=list)  # [{sku, name, quantity, unit_cents, category}]
    total_cents = models.PositiveIntegerField()
    primary_category = models.CharField(max_length=40)
    primary_sku = models.CharField(max_length=40)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.order_id

    @property
    def total(self) -> str:
        return f"${self.total_cents / 100:,.2f}"


class NewsletterSignup(models.Model):
    email = models.EmailField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.email
