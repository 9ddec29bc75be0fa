"""perfref's tables (created and seeded by perfref itself), unmanaged."""
from django.db import models


class Product(models.Model):
    sku = models.TextField(unique=True)
    name = models.TextField()
    reorder_level = models.IntegerField()

    class Meta:
        managed = False
        db_table = "product"


class StockBalance(models.Model):
    product = models.ForeignKey(Product, models.DO_NOTHING, related_name="balances")
    lot = models.TextField()
    expires_on = models.TextField()
    quantity = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "stock_balance"


class TreatmentSession(models.Model):
    patient_ref = models.TextField()
    created_at = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "treatment_session"


class Ledger(models.Model):
    session = models.ForeignKey(TreatmentSession, models.DO_NOTHING, null=True)
    balance = models.ForeignKey(StockBalance, models.DO_NOTHING)
    delta = models.BigIntegerField()
    created_at = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "ledger"
