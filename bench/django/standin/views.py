"""perfref's /dashboard and /consume, written the way a Django app would."""
import time

from django.db import transaction
from django.db.models import Case, Count, F, Min, Sum, TextField, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from .models import Ledger, Product, StockBalance, TreatmentSession


@require_GET
def dashboard(request):
    rows = list(
        Product.objects.annotate(
            on_hand=Coalesce(Sum("balances__quantity"), 0),
            lots=Count("balances"),
            next_expiry=Coalesce(
                Min(Case(When(balances__quantity__gt=0, then="balances__expires_on"))),
                Value(""),
                output_field=TextField(),
            ),
        )
        .order_by("name")
        .values("sku", "name", "on_hand", "reorder_level", "lots", "next_expiry")
    )
    for r in rows:
        r["low"] = r["on_hand"] <= r["reorder_level"]
    below = sum(1 for r in rows if r["low"])
    return render(request, "dashboard.html", {"rows": rows, "below": below})


class Insufficient(Exception):
    pass


@require_POST
def consume(request):
    patient = request.POST.get("patient", "")
    try:
        items = [int(s.strip()) for s in request.POST.get("items", "").split(",")]
    except ValueError:
        return HttpResponseBadRequest("items")
    if not 1 <= len(items) <= 6:
        return HttpResponseBadRequest("1..=6 items")
    now = int(time.time())
    try:
        with transaction.atomic():
            session = TreatmentSession.objects.create(patient_ref=patient, created_at=now)
            for b in items:
                Ledger.objects.create(session=session, balance_id=b, delta=-1, created_at=now)
                n = StockBalance.objects.filter(id=b, quantity__gte=1).update(
                    quantity=F("quantity") - 1
                )
                if n != 1:
                    raise Insufficient()
    except Insufficient:
        return HttpResponse("insufficient stock", status=409)
    response = HttpResponse(status=303)
    response["Location"] = f"/sessions/{session.id}"
    return response
