//! Receiving stock: a delivery of one lot of one product into a location,
//! typed or scanned (GS1). One receipt, one `receive` ledger row.

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::{
    self, DbConn,
    ledger::StockAt,
    models::{Location, NewLedgerRow, Product, Site},
};
use crate::domain::Quantity;
use crate::domain::access::{Action, Actor};
use crate::domain::clock::SiteClock;
use crate::domain::fefo::is_expired;
use crate::domain::gs1;
use crate::domain::input;
use crate::domain::quantity::parse_money;
use crate::domain::vocab::{LedgerKind, Unit};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};

mod lookups;
pub use lookups::Lookups;

/// A delivery as entered (form or API), every field as text.
#[derive(Debug, Clone, Default)]
pub struct ReceiveDraft {
    pub site: Option<String>,
    pub location: Option<String>,
    pub product_id: Option<String>,
    pub gtin: Option<String>,
    /// A scanned GS1 element string: fills GTIN, lot and expiry.
    pub gs1: Option<String>,
    pub lot: Option<String>,
    /// `YYYY-MM-DD`
    pub expiry: Option<String>,
    pub quantity: Option<String>,
    /// `units` (default) or `packs`: what `quantity` counts.
    pub quantity_in: Option<String>,
    pub unit_cost_cents: Option<String>,
    pub unit_cost: Option<String>,
    /// A past time for entering an earlier delivery (RFC 3339 or `YYYY-MM-DDTHH:MM`).
    pub received_at: Option<String>,
    pub note: Option<String>,
}

/// What was received.
#[derive(Debug, Clone)]
pub struct Received {
    pub receipt_id: i64,
    pub lot_id: i64,
    pub product: Product,
    pub lot: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
    pub location_code: String,
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses `YYYY-MM-DD` (1900–2200, `domain::input`).
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| "a date as YYYY-MM-DD".to_string())
        .and_then(input::check_day)
}

/// Checks a lot number: 1–20 printable characters (GS1 AI 10 allows 20).
pub fn parse_lot_number(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.is_empty() {
        return Err("enter the lot number".into());
    }
    if t.chars().count() > 20 || t.chars().any(|c| c.is_control()) {
        return Err("up to 20 characters".into());
    }
    Ok(t.to_string())
}

/// The GS1 scan, if any, parsed with the configured separator.
pub fn parse_scan(conn: &mut DbConn, scan: &str) -> ServiceResult<gs1::Gs1Data> {
    let settings = super::settings::load(conn)?;
    gs1::parse(scan, settings.gs1_separator)
        .map_err(|e| ServiceError::invalid_code(ErrorCode::InvalidGs1, "gs1", e.message))
}

/// Receives one lot into a location.
pub fn receive(conn: &mut DbConn, actor: &Actor, d: &ReceiveDraft) -> ServiceResult<Received> {
    actor.require(Action::ReceiveStock)?;
    db::write_tx(conn, |conn| receive_in_tx(conn, actor, d, None))
}

/// The receiving rules, inside the caller's transaction (also used when
/// receiving against a purchase order; `order` is (order id, order line id)).
pub fn receive_in_tx(
    conn: &mut DbConn,
    actor: &Actor,
    d: &ReceiveDraft,
    order: Option<(i64, i64)>,
) -> ServiceResult<Received> {
    let mut plan = validate_receipt(conn, actor, d)?;
    check_not_expired(&plan)?;
    plan.find_lot(conn)?;
    write_receipt(conn, actor, &plan, order)
}

/// A delivery that passed validation: what `write_receipt` records.
#[derive(Debug, Clone)]
pub struct ReceiptPlan {
    pub site: Site,
    pub location: Location,
    pub product: Product,
    pub lot_number: String,
    pub expiry: NaiveDate,
    pub quantity: i64,
    pub unit_cost: Option<i64>,
    pub received_at: NaiveDateTime,
    pub note: Option<String>,
    /// The sealed lot row when this lot number is already known (same
    /// expiry); set by [`ReceiptPlan::find_lot`].
    pub existing_lot: Option<i64>,
}

impl ReceiptPlan {
    /// Looks up the lot number: a known lot with another expiry is refused
    /// (409 `lot_expiry_mismatch`: check the label).
    pub fn find_lot(&mut self, conn: &mut DbConn) -> ServiceResult<Option<i64>> {
        self.find_lot_with(conn, &mut Lookups::default())
    }

    /// [`ReceiptPlan::find_lot`] through a run's [`Lookups`].
    pub fn find_lot_with(
        &mut self,
        conn: &mut DbConn,
        lk: &mut Lookups,
    ) -> ServiceResult<Option<i64>> {
        self.existing_lot = known_lot(conn, lk, &self.product, &self.lot_number, self.expiry)?;
        Ok(self.existing_lot)
    }
}

/// The receiving rules for the fields, the site and location and the
/// product; reads, writes nothing. Shared by the
/// receive form, the API, purchase-order receipts and the opening-stock import.
pub fn validate_receipt(
    conn: &mut DbConn,
    actor: &Actor,
    d: &ReceiveDraft,
) -> ServiceResult<ReceiptPlan> {
    validate_receipt_with(conn, actor, d, &mut Lookups::default())
}

/// Where a receipt goes: the location named at the site, else the site's
/// default location (else its first), or a problem at `location`.
fn receiving_location(
    conn: &mut DbConn,
    lk: &mut Lookups,
    p: &mut Problems,
    site: &Site,
    code: Option<&str>,
) -> ServiceResult<Option<Location>> {
    Ok(match code {
        Some(code) => lk.location(conn, site.id, code)?.or_else(|| {
            p.add(
                "location",
                format!("site {} has no location {code}", site.code),
            );
            None
        }),
        None => db::sites::location_by_code(conn, site.id, super::bootstrap::DEFAULT_LOCATION)?
            .or(db::sites::locations(conn, Some(site.id))?
                .into_iter()
                .next())
            .or_else(|| {
                p.add("location", "choose a location");
                None
            }),
    })
}

/// The quantity received in thousandths of `unit` (pure): typed in the
/// product's unit, or in whole packs of `pack_size` when `in_packs`.
fn parse_quantity(
    p: &mut Problems,
    typed: Option<&str>,
    in_packs: bool,
    unit: Unit,
    pack_size: i64,
) -> Option<i64> {
    match typed {
        Some(t) => {
            if in_packs {
                p.take("quantity", Quantity::parse_positive(t, Unit::Each))
                    .and_then(|packs| (packs.0 / 1000).checked_mul(pack_size))
            } else {
                p.take("quantity", Quantity::parse_positive(t, unit))
                    .map(|q| q.0)
            }
        }
        None => {
            p.add("quantity", "enter the quantity received");
            None
        }
    }
}

/// The unit cost in cents (pure): whole cents (the API) win over a money
/// amount (the form); neither is no cost.
fn parse_unit_cost(p: &mut Problems, cents: Option<&str>, money: Option<&str>) -> Option<i64> {
    match (cents, money) {
        (Some(c), _) => match c.parse::<i64>() {
            Ok(v) if v >= 0 => Some(v),
            _ => {
                p.add("unit_cost_cents", "a whole number of cents, 0 or more");
                None
            }
        },
        (None, Some(m)) => p.take("unit_cost", parse_money(m)),
        _ => None,
    }
}

/// [`validate_receipt`] for one of many receipts in one transaction: the
/// sites, locations and products come from the run's [`Lookups`].
pub fn validate_receipt_with(
    conn: &mut DbConn,
    actor: &Actor,
    d: &ReceiveDraft,
    lk: &mut Lookups,
) -> ServiceResult<ReceiptPlan> {
    let mut p = Problems::new();
    let mut gtin = text(&d.gtin).map(str::to_string);
    let mut lot = text(&d.lot).map(str::to_string);
    let mut expiry_text = text(&d.expiry).map(str::to_string);
    let mut scanned_expiry = None;
    if let Some(scan) = text(&d.gs1) {
        let data = parse_scan(conn, scan)?;
        if data.gtin.is_some() {
            gtin = data.gtin.clone();
        }
        if data.lot.is_some() {
            lot = data.lot.clone();
        }
        if let Some(e) = data.expiry {
            scanned_expiry = Some(e);
            expiry_text = None;
        }
    }
    let site = lk.site(conn, actor, text(&d.site))?;
    let location = receiving_location(conn, lk, &mut p, &site, text(&d.location))?;
    let product = find_product(conn, lk, text(&d.product_id), gtin.as_deref())?;
    if !product.active {
        p.add(
            "product_id",
            format!(
                "{} is archived; reactivate it before receiving",
                product.name
            ),
        );
    }
    let unit = product.unit;
    let lot_number = match lot.as_deref() {
        Some(l) => p.take("lot", parse_lot_number(l)),
        None => {
            p.add("lot", "enter the lot number");
            None
        }
    };
    let expiry = match (scanned_expiry, expiry_text.as_deref()) {
        (Some(e), _) => Some(e),
        (None, Some(t)) => p.take("expiry", parse_date(t)),
        (None, None) => {
            p.add("expiry", "enter the expiry date");
            None
        }
    };
    let in_packs = matches!(text(&d.quantity_in), Some("packs"));
    let quantity = parse_quantity(&mut p, text(&d.quantity), in_packs, unit, product.pack_size);
    let unit_cost = parse_unit_cost(&mut p, text(&d.unit_cost_cents), text(&d.unit_cost));
    let received_at = received_at(&mut p, text(&d.received_at), &site.clock());
    p.finish()?;
    let (Some(location), Some(lot_number), Some(expiry), Some(quantity), Some(received_at)) =
        (location, lot_number, expiry, quantity, received_at)
    else {
        return Err(ServiceError::Internal("validated values missing".into()));
    };
    Ok(ReceiptPlan {
        site,
        location,
        product,
        lot_number,
        expiry,
        quantity,
        unit_cost,
        received_at,
        note: text(&d.note).map(str::to_string),
        existing_lot: None,
    })
}

/// The product by id, or else by GTIN.
fn find_product(
    conn: &mut DbConn,
    lk: &mut Lookups,
    id: Option<&str>,
    gtin: Option<&str>,
) -> ServiceResult<Product> {
    let product = match (id, gtin) {
        (Some(id), _) => match id.parse::<i64>() {
            Ok(id) => lk.product(conn, id)?,
            Err(_) => None,
        },
        (None, Some(g)) => match gs1::normalize_gtin(g) {
            Ok(g) => db::catalog::product_by_gtin(conn, &g)?,
            Err(e) => {
                return Err(ServiceError::invalid("gtin", e.message));
            }
        },
        (None, None) => {
            return Err(ServiceError::invalid_code(
                ErrorCode::UnknownProduct,
                "product_id",
                "choose a product (or scan its barcode)",
            ));
        }
    };
    product.ok_or_else(|| match (id, gtin) {
        (Some(id), _) => ServiceError::invalid_code(
            ErrorCode::UnknownProduct,
            "product_id",
            format!("no product with id {id}"),
        ),
        (None, g) => ServiceError::invalid_code(
            ErrorCode::UnknownProduct,
            "gtin",
            format!("no product has GTIN {}", g.unwrap_or_default()),
        ),
    })
}

/// When the delivery came: a time without an offset is the site's local time.
fn received_at(p: &mut Problems, t: Option<&str>, clock: &SiteClock) -> Option<NaiveDateTime> {
    let now = db::now();
    match t {
        Some(t) => match clock.parse_time(t) {
            Ok(ts) if ts > now + chrono::Duration::minutes(5) => {
                p.add("received_at", "cannot be in the future");
                None
            }
            Ok(ts) => Some(ts),
            Err(e) => {
                p.add("received_at", e);
                None
            }
        },
        None => Some(now),
    }
}

/// The sealed lot row of a lot number already recorded for the product; a
/// different expiry for the same lot number is refused (check the label).
fn known_lot(
    conn: &mut DbConn,
    lk: &mut Lookups,
    product: &Product,
    lot_number: &str,
    expiry: NaiveDate,
) -> ServiceResult<Option<i64>> {
    match lk.sealed_lot(conn, product.id, lot_number)? {
        Some((_, known)) if known != expiry => Err(ServiceError::Conflict {
            code: ErrorCode::LotExpiryMismatch,
            message: format!(
                "lot {lot_number} of {} is already recorded with expiry {}, not {expiry}; check the label",
                product.name, known
            ),
            details: [("field".to_string(), "expiry".into())]
                .into_iter()
                .collect(),
        }),
        Some((id, _)) => Ok(Some(id)),
        None => Ok(None),
    }
}

/// An expired delivery is refused: the expiry must not be before the
/// receiving day (or today, whichever is later), days at the site.
pub fn check_not_expired(plan: &ReceiptPlan) -> ServiceResult<()> {
    let clock = plan.site.clock();
    let today = clock.today(db::now());
    if is_expired(plan.expiry, today.max(clock.local_date(plan.received_at))) {
        return Err(ServiceError::invalid_code(
            ErrorCode::ExpiredOnReceipt,
            "expiry",
            format!(
                "lot {} expired on {}; expired stock cannot be received",
                plan.lot_number, plan.expiry
            ),
        ));
    }
    Ok(())
}

/// Records a validated delivery: the lot (when new), the receipt and its
/// `receive` ledger row.
pub fn write_receipt(
    conn: &mut DbConn,
    actor: &Actor,
    plan: &ReceiptPlan,
    order: Option<(i64, i64)>,
) -> ServiceResult<Received> {
    let lot_id = match plan.existing_lot {
        Some(id) => id,
        None => db::lots::insert(conn, plan.product.id, &plan.lot_number, plan.expiry)?,
    };
    let receipt_id = db::receiving::insert_receipt(
        conn,
        &db::receiving::NewReceipt {
            site_id: plan.site.id,
            location_id: plan.location.id,
            user_id: actor.user_id,
            purchase_order_id: order.map(|o| o.0),
            unit_cost_cents: plan.unit_cost,
            note: plan.note.clone(),
            received_at: plan.received_at,
        },
    )?;
    let at = StockAt {
        site_id: plan.site.id,
        location_id: plan.location.id,
        product_id: plan.product.id,
        lot_id,
    };
    let row = NewLedgerRow::new(LedgerKind::Receive, at, plan.quantity, actor.user_id)
        .occurred_at(plan.received_at)
        .note(plan.note.clone())
        .receipt(receipt_id)
        .order(order.map(|o| o.0), order.map(|o| o.1));
    db::ledger::append(conn, &row)?;
    Ok(Received {
        receipt_id,
        lot_id,
        product: plan.product.clone(),
        lot: plan.lot_number.clone(),
        expiry: plan.expiry,
        quantity: plan.quantity,
        location_code: plan.location.code.clone(),
    })
}

#[cfg(test)]
mod parse_tests {
    use super::*;

    fn fields(p: &Problems) -> Vec<&str> {
        p.0.iter().map(|f| f.field.as_str()).collect()
    }

    #[test]
    fn quantities_are_read_in_the_unit_or_in_whole_packs() {
        let mut p = Problems::new();
        assert_eq!(
            parse_quantity(&mut p, Some("2.5"), false, Unit::Gram, 10_000),
            Some(2_500)
        );
        assert_eq!(
            parse_quantity(&mut p, Some("3"), true, Unit::Each, 10_000),
            Some(30_000)
        );
        assert!(p.is_empty());
        assert_eq!(parse_quantity(&mut p, None, false, Unit::Each, 1), None);
        assert_eq!(
            parse_quantity(&mut p, Some("0"), false, Unit::Each, 1),
            None
        );
        assert_eq!(fields(&p), ["quantity", "quantity"]);
    }

    #[test]
    fn a_unit_cost_is_whole_cents_or_money() {
        let mut p = Problems::new();
        assert_eq!(parse_unit_cost(&mut p, Some("1250"), Some("1")), Some(1250));
        assert_eq!(parse_unit_cost(&mut p, None, Some("12.5")), Some(1250));
        assert_eq!(parse_unit_cost(&mut p, None, None), None);
        assert!(p.is_empty());
        assert_eq!(parse_unit_cost(&mut p, Some("-1"), None), None);
        assert_eq!(parse_unit_cost(&mut p, None, Some("1.234")), None);
        assert_eq!(fields(&p), ["unit_cost_cents", "unit_cost"]);
    }
}
