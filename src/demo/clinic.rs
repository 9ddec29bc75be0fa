//! The demo clinic: four suppliers, ~40 products (rollers and cartridges at
//! every common needle length, lidocaine, serums, PRP kits, SPF,
//! disposables), lots received over the last months with a spread of
//! expiries (some expired, some expiring soon, some stock below its min
//! level), a store room and treatment room `room-1`. One transaction.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};

use super::DemoUsers;
use super::clinic_catalog::{SUPPLIERS, drafts};
use super::rng::Rng;
use crate::db::{self, DbConn, ledger::StockAt, models::NewLedgerRow, models::Product};
use crate::domain::clock::SiteClock;
use crate::domain::vocab::{Category, LedgerKind};
use crate::error::{ErrorCode, ServiceError, ServiceResult};
use crate::services::bootstrap::{DEFAULT_LOCATION, DEFAULT_SITE};
use crate::services::catalog;

/// The treatment room the demo stocks besides the store.
pub const ROOM: &str = "room-1";

/// What the demo created, for the summary and for whoever builds on it
/// (the sessions history uses the products, users and locations).
#[derive(Debug, Clone)]
pub struct Clinic {
    pub site_id: i64,
    pub store_id: i64,
    pub room_id: i64,
    pub users: DemoUsers,
    /// Products by SKU.
    pub products: HashMap<String, Product>,
    pub suppliers: usize,
    pub lots: usize,
    pub expired_lots: usize,
    pub expiring_lots: usize,
}

impl Clinic {
    pub fn summary(&self) -> String {
        format!(
            "Demo clinic loaded: {} suppliers, {} products, {} lots ({} expired, {} expiring \
             within 60 days), stock in {DEFAULT_LOCATION} and {ROOM}.",
            self.suppliers,
            self.products.len(),
            self.lots,
            self.expired_lots,
            self.expiring_lots
        )
    }
}

/// Context for receiving in the past.
struct Ctx {
    site_id: i64,
    store_id: i64,
    room_id: i64,
    user_id: i64,
    /// Today at the clinic.
    today: NaiveDate,
    clock: SiteClock,
}

/// `hour`:30 on `day` at the clinic, as UTC.
fn at(clock: &SiteClock, day: NaiveDate, hour: u32) -> NaiveDateTime {
    let local = day.and_hms_opt(hour, 30, 0).unwrap_or_default();
    clock.to_utc(local).unwrap_or(local)
}

/// One delivery: `quantity` of `lot` received `days_ago`, of which
/// `to_room` is moved to the treatment room the next day.
struct Delivery<'a> {
    lot: &'a str,
    expiry: NaiveDate,
    quantity: i64,
    days_ago: i64,
    to_room: i64,
}

/// Books a delivery: a receipt and a `receive` row (plus the transfer).
fn deliver(conn: &mut DbConn, ctx: &Ctx, p: &Product, d: &Delivery) -> ServiceResult<i64> {
    let Delivery {
        lot,
        expiry,
        quantity,
        days_ago,
        to_room,
    } = *d;
    let received_at = at(&ctx.clock, ctx.today - Duration::days(days_ago), 9);
    let lot_id = match db::lots::find(conn, p.id, lot)? {
        Some(l) => l.id,
        None => db::lots::insert(conn, p.id, lot, expiry)?,
    };
    let receipt_id = db::receiving::insert_receipt(
        conn,
        &db::receiving::NewReceipt {
            site_id: ctx.site_id,
            location_id: ctx.store_id,
            user_id: ctx.user_id,
            purchase_order_id: None,
            unit_cost_cents: p.unit_cost_cents,
            note: None,
            received_at,
        },
    )?;
    let row = |location_id, delta, kind: LedgerKind, occurred_at| {
        let at = StockAt {
            site_id: ctx.site_id,
            location_id,
            product_id: p.id,
            lot_id,
        };
        NewLedgerRow::new(kind, at, delta, ctx.user_id).occurred_at(occurred_at)
    };
    db::ledger::append(
        conn,
        &row(ctx.store_id, quantity, LedgerKind::Receive, received_at).receipt(receipt_id),
    )?;
    if to_room > 0 {
        let moved_at = received_at + Duration::hours(26);
        db::ledger::append(
            conn,
            &row(ctx.store_id, -to_room, LedgerKind::Transfer, moved_at),
        )?;
        db::ledger::append(
            conn,
            &row(ctx.room_id, to_room, LedgerKind::Transfer, moved_at),
        )?;
    }
    Ok(lot_id)
}

/// The demo clinic's time zone, far from UTC on purpose.
pub const CLINIC_ZONE: &str = "Pacific/Auckland";

/// Who the demo clinic is: printed on after-care sheets and orders.
fn identity() -> db::sites::SiteDetails {
    db::sites::SiteDetails {
        name: "Lumen Skin Clinic".into(),
        time_zone: CLINIC_ZONE.into(),
        address: Some("Level 2, 118 Ponsonby Road\nGrey Lynn, Auckland 1021".into()),
        phone: Some("+64 9 555 0142".into()),
        email: Some("hello@lumenskin.example".into()),
        digest_time: "07:30".into(),
    }
}

/// Loads the clinic (catalogue and stock) in one transaction.
pub fn load(conn: &mut DbConn, users: &DemoUsers) -> ServiceResult<Clinic> {
    db::write_tx(conn, |conn| {
        let site = db::sites::by_code(conn, DEFAULT_SITE)?
            .ok_or_else(|| ServiceError::Internal("site main is missing".into()))?;
        // The demo clinic is in Auckland (UTC+12/+13): its day is not UTC's.
        db::sites::update(conn, site.id, &identity())?;
        let clock = SiteClock::from_stored(CLINIC_ZONE);
        let today = clock.today(db::now());
        let store = db::sites::location_by_code(conn, site.id, DEFAULT_LOCATION)?
            .ok_or_else(|| ServiceError::Internal("location store is missing".into()))?;
        let room_id = match db::sites::location_by_code(conn, site.id, ROOM)? {
            Some(l) => l.id,
            None => db::sites::insert_location(conn, site.id, ROOM, "Treatment room 1", 1)?,
        };
        db::settings::set(conn, "clinic_name", "Lumen Skin Clinic")?;
        let mut supplier_ids = Vec::new();
        for s in &SUPPLIERS {
            let id = match db::catalog::supplier_by_name(conn, s.name)? {
                Some(existing) => existing.id,
                None => {
                    db::catalog::insert_supplier(conn, s.name, Some(s.email), s.lead.parse().ok())?
                }
            };
            supplier_ids.push(id);
        }
        let ctx = Ctx {
            site_id: site.id,
            store_id: store.id,
            room_id,
            user_id: users.manager,
            today,
            clock,
        };
        let mut rng = Rng::new(20_261_126);
        let mut clinic = Clinic {
            site_id: site.id,
            store_id: store.id,
            room_id,
            users: users.clone(),
            products: HashMap::new(),
            suppliers: SUPPLIERS.len(),
            lots: 0,
            expired_lots: 0,
            expiring_lots: 0,
        };
        for (i, (draft, sup)) in drafts(&supplier_ids).into_iter().enumerate() {
            let fields = catalog::validate(conn, &draft)?;
            if db::catalog::product_by_sku(conn, &fields.sku)?.is_some() {
                return Err(ServiceError::conflict(
                    ErrorCode::DemoRefused,
                    format!(
                        "product {} already exists; load the demo into a new database",
                        fields.sku
                    ),
                ));
            }
            let id = db::catalog::insert_product(conn, &fields)?;
            let p = db::catalog::product_by_id(conn, id)?
                .ok_or_else(|| ServiceError::Internal("product vanished".into()))?;
            stock_product(
                conn,
                &ctx,
                &mut rng,
                &mut clinic,
                &p,
                i,
                SUPPLIERS[sup].lot_prefix,
            )?;
            clinic.products.insert(p.sku.clone(), p);
        }
        Ok(clinic)
    })
}

/// Lots of one product: a spread of expiries; some products get an
/// expired lot still on the shelf, an expiring-soon lot, or too little stock.
fn stock_product(
    conn: &mut DbConn,
    ctx: &Ctx,
    rng: &mut Rng,
    clinic: &mut Clinic,
    p: &Product,
    i: usize,
    prefix: &str,
) -> ServiceResult<()> {
    for d in planned_deliveries(ctx.today, rng, p, i, prefix) {
        let delivery = Delivery {
            lot: &d.lot,
            expiry: d.expiry,
            quantity: d.quantity,
            days_ago: d.days_ago,
            to_room: d.to_room,
        };
        deliver(conn, ctx, p, &delivery)?;
        clinic.lots += 1;
        match d.shelf {
            Shelf::Fresh => {}
            Shelf::Expiring => clinic.expiring_lots += 1,
            Shelf::Expired => clinic.expired_lots += 1,
        }
    }
    Ok(())
}

/// How a planned lot stands today.
enum Shelf {
    Fresh,
    /// Within the default 60-day window.
    Expiring,
    /// Expired, still on the shelf, waiting to be written off.
    Expired,
}

/// A delivery planned for the demo clinic (see [`Delivery`]).
struct Planned {
    lot: String,
    expiry: NaiveDate,
    quantity: i64,
    days_ago: i64,
    to_room: i64,
    shelf: Shelf,
}

/// The deliveries of product `p` (the `i`th of the catalogue), drawn from
/// `rng` (pure): popular stock that has run low gets one small lot; the
/// others an older delivery mostly used, a newer one for most products,
/// and for some a lot expiring soon or one already expired.
fn planned_deliveries(
    today: NaiveDate,
    rng: &mut Rng,
    p: &Product,
    i: usize,
    prefix: &str,
) -> Vec<Planned> {
    let pack = p.pack_size;
    let category = p.category;
    let (life_lo, life_hi) = match category {
        Category::Roller | Category::Cartridge | Category::Disposable => (500, 1100),
        Category::Serum | Category::Anesthetic => (150, 420),
        _ => (250, 700),
    };
    let lot_name = |rng: &mut Rng, days_ago: i64| {
        let d = today - Duration::days(days_ago);
        format!("{prefix}{}-{:03}", d.format("%y%m"), rng.range(1, 999))
    };
    let to_room = |q: i64| match category {
        Category::Roller | Category::Cartridge | Category::Anesthetic | Category::Spf => {
            (q / 3 / 1000) * 1000
        }
        _ => 0,
    };
    let planned = |lot, expiry, quantity, days_ago, to_room, shelf| Planned {
        lot,
        expiry,
        quantity,
        days_ago,
        to_room,
        shelf,
    };
    // Popular stock that has run low (below its min level): one small lot.
    if matches!(p.sku.as_str(), "RL-150" | "CT-100" | "SR-GF" | "DS-ALCO") {
        let q = p.min_level.unwrap_or(pack) / 2 / 1000 * 1000;
        let name = lot_name(rng, 60);
        let expiry = today + Duration::days(rng.range(200, 500));
        return vec![planned(name, expiry, q.max(1000), 60, 0, Shelf::Fresh)];
    }
    let mut out = Vec::new();
    // The older delivery, most of it used up already.
    let older = rng.range(100, 170);
    let q1 = pack * rng.range(2, 4);
    let name = lot_name(rng, older);
    let expiry = today + Duration::days(rng.range(life_lo, life_hi) - older);
    let expiry = expiry.max(today + Duration::days(90));
    out.push(planned(name, expiry, q1, older, to_room(q1), Shelf::Fresh));
    // A newer delivery for most products.
    if i % 5 != 2 {
        let newer = rng.range(10, 45);
        let q2 = pack * rng.range(1, 3);
        let name = lot_name(rng, newer);
        let expiry = today + Duration::days(rng.range(life_lo, life_hi));
        out.push(planned(name, expiry, q2, newer, 0, Shelf::Fresh));
    }
    if i % 5 == 1 {
        let name = lot_name(rng, 300);
        let expiry = today + Duration::days(rng.range(8, 55));
        let q = (pack / 2).max(1000) / 1000 * 1000;
        out.push(planned(name, expiry, q, 300, 0, Shelf::Expiring));
    }
    if i % 7 == 3 {
        let name = lot_name(rng, 420);
        let expiry = today - Duration::days(rng.range(3, 40));
        let q = rng.range(1, 4) * 1000;
        out.push(planned(name, expiry, q, 420, 0, Shelf::Expired));
    }
    out
}
