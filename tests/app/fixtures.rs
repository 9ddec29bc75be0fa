//! Story-like fixtures that arrange stock through the real services:
//! `app.product("R-150").roller(150).create().await`,
//! `app.stock(&p, "LOT-1", days(30), "10").await`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use chrono::{Duration, NaiveDate};

use crate::support::TestApp;
use clinic_stock::db::{self, models::Product};
use clinic_stock::domain::access::Actor;
use clinic_stock::domain::vocab::Role;
use clinic_stock::services::catalog::{self, ProductDraft, SupplierDraft};
use clinic_stock::services::receiving::{self, ReceiveDraft};

/// A date `n` days from today (negative: in the past).
pub fn days(n: i64) -> NaiveDate {
    chrono::Utc::now().date_naive() + Duration::days(n)
}

/// The admin actor fixtures act as (created on first use, no password hashing).
pub fn fixture_actor(conn: &mut db::DbConn) -> Actor {
    let user = match db::users::by_username(conn, "fixture").unwrap() {
        Some(u) => u,
        None => {
            let id = db::users::insert(conn, "fixture", "!", "admin", None).unwrap();
            db::users::by_id(conn, id).unwrap().unwrap()
        }
    };
    Actor {
        user_id: user.id,
        username: user.username,
        role: Role::Admin,
        site_id: None,
        address: None,
    }
}

/// A product for [`TestApp::stock`]: `&Product` or its id.
pub trait ProductArg {
    fn product_id(&self) -> i64;
}

impl ProductArg for &Product {
    fn product_id(&self) -> i64 {
        self.id
    }
}

impl ProductArg for i64 {
    fn product_id(&self) -> i64 {
        *self
    }
}

/// Stock on its way to a shelf (see [`TestApp::stock`]); await it.
#[must_use = "await it to put the stock on the shelf"]
pub struct Stock<'a> {
    app: &'a TestApp,
    draft: ReceiveDraft,
}

impl Stock<'_> {
    /// Into another place than `main/store`: a location of site `main`
    /// (`"room1"`) or `site/location` (`"north/vault"`).
    pub fn at(mut self, place: &str) -> Self {
        let (site, location) = place.split_once('/').unwrap_or(("main", place));
        self.draft.site = Some(site.into());
        self.draft.location = Some(location.into());
        self
    }
}

impl<'a> IntoFuture for Stock<'a> {
    type Output = i64;
    type IntoFuture = Pin<Box<dyn Future<Output = i64> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        let d = self.draft;
        Box::pin(self.app.with_conn(move |c| {
            let actor = fixture_actor(c);
            // `receiving::receive` without its refusal of expired stock.
            db::write_tx(c, |c| {
                let mut plan = receiving::validate_receipt(c, &actor, &d)?;
                plan.find_lot(c)?;
                receiving::write_receipt(c, &actor, &plan, None)
            })
            .unwrap_or_else(|e| panic!("stock {d:?}: {e:?}"))
            .lot_id
        }))
    }
}

pub struct ProductBuilder<'a> {
    app: &'a TestApp,
    draft: ProductDraft,
}

impl<'a> ProductBuilder<'a> {
    pub fn name(mut self, n: &str) -> Self {
        self.draft.name = Some(n.into());
        self
    }
    /// A roller of this needle length in hundredths of a mm (150 = 1.5 mm), each, box of 10.
    pub fn roller(mut self, hundredths: i32) -> Self {
        self.draft.category = Some("roller".into());
        self.draft.unit = Some("each".into());
        self.draft.pack_size = Some("10".into());
        self.draft.needle_length_mm = Some(format!("{}", f64::from(hundredths) / 100.0));
        self
    }
    pub fn cartridge(mut self, hundredths: i32) -> Self {
        self = self.roller(hundredths);
        self.draft.category = Some("cartridge".into());
        self
    }
    /// Topical anaesthetic in grams, 30 g tubes.
    pub fn anesthetic(mut self) -> Self {
        self.draft.category = Some("anesthetic".into());
        self.draft.unit = Some("g".into());
        self.draft.pack_size = Some("30".into());
        self
    }
    pub fn serum(mut self) -> Self {
        self.draft.category = Some("serum".into());
        self.draft.unit = Some("ml".into());
        self.draft.pack_size = Some("5".into());
        self
    }
    pub fn spf(mut self) -> Self {
        self.draft.category = Some("spf".into());
        self.draft.unit = Some("ml".into());
        self.draft.pack_size = Some("50".into());
        self
    }
    pub fn disposable(mut self) -> Self {
        self.draft.category = Some("disposable".into());
        self.draft.unit = Some("each".into());
        self.draft.pack_size = Some("100".into());
        self
    }
    pub fn pack(mut self, size: &str) -> Self {
        self.draft.pack_size = Some(size.into());
        self
    }
    pub fn min(mut self, q: &str) -> Self {
        self.draft.min_level = Some(q.into());
        self
    }
    pub fn max(mut self, q: &str) -> Self {
        self.draft.max_level = Some(q.into());
        self
    }
    pub fn max_per_session(mut self, q: &str) -> Self {
        self.draft.max_per_session = Some(q.into());
        self
    }
    /// An anaesthetic's maximum contact time in minutes.
    pub fn max_contact(mut self, minutes: i64) -> Self {
        self.draft.max_contact_minutes = Some(minutes.to_string());
        self
    }
    pub fn use_within(mut self, days: i64) -> Self {
        self.draft.use_within_days_of_opening = Some(days.to_string());
        self
    }
    pub fn lead(mut self, days: i64) -> Self {
        self.draft.lead_time_days = Some(days.to_string());
        self
    }
    pub fn cost(mut self, cents: i64) -> Self {
        self.draft.unit_cost_cents = Some(cents.to_string());
        self
    }
    pub fn supplier(mut self, id: i64) -> Self {
        self.draft.supplier_id = Some(id.to_string());
        self
    }
    pub fn gtin(mut self, g: &str) -> Self {
        self.draft.gtin = Some(g.into());
        self
    }
    pub async fn create(self) -> Product {
        let draft = self.draft;
        self.app
            .with_conn(move |c| {
                let actor = fixture_actor(c);
                catalog::create_product(c, &actor, &draft).unwrap()
            })
            .await
    }
}

impl TestApp {
    /// Starts a product with this SKU (defaults: a disposable, each, box of 100).
    pub fn product(&self, sku: &str) -> ProductBuilder<'_> {
        ProductBuilder {
            app: self,
            draft: ProductDraft {
                sku: Some(sku.into()),
                name: Some(format!("Product {sku}")),
                category: Some("disposable".into()),
                unit: Some("each".into()),
                pack_size: Some("100".into()),
                ..ProductDraft::default()
            },
        }
    }

    pub async fn supplier(&self, name: &str, lead_days: Option<i64>) -> i64 {
        let d = SupplierDraft {
            name: name.into(),
            email: Some(format!(
                "orders@{}.example",
                name.to_lowercase().replace(' ', "")
            )),
            lead_time_days: lead_days.map(|d| d.to_string()),
        };
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            catalog::create_supplier(c, &actor, &d).unwrap().id
        })
        .await
    }

    /// Puts `qty` (in the product's unit, e.g. `"2.5"`) of lot `lot`
    /// expiring on `expiry` (`days(30)` or `"2027-06-30"`) into `main/store`
    /// (`.at("room1")` for another location of `main`) and returns the lot
    /// id: `app.stock(&p, "LOT-1", days(30), "10").await`. It goes through
    /// the receiving service (a receipt and its `receive` ledger row), except
    /// that already expired stock is let in, so tests can arrange it.
    pub fn stock(
        &self,
        p: impl ProductArg,
        lot: &str,
        expiry: impl ToString,
        qty: &str,
    ) -> Stock<'_> {
        Stock {
            app: self,
            draft: ReceiveDraft {
                site: Some("main".into()),
                location: Some("store".into()),
                product_id: Some(p.product_id().to_string()),
                lot: Some(lot.into()),
                expiry: Some(expiry.to_string()),
                quantity: Some(qty.into()),
                ..ReceiveDraft::default()
            },
        }
    }

    /// browser.rs's form of [`TestApp::stock`] (see `support::RoleArg`).
    pub async fn receive(&self, p: &Product, lot: &str, expiry: NaiveDate, qty: &str) -> i64 {
        self.stock(p, lot, expiry, qty).await
    }

    /// Adds a location to site `main`.
    pub async fn location(&self, code: &str) -> i64 {
        let code = code.to_string();
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            clinic_stock::services::sites::create_location(c, &actor, "main", &code, &code)
                .unwrap()
                .0
                .id
        })
        .await
    }

    /// On hand of a lot at a location of `main`, in thousandths.
    pub async fn balance(&self, lot_id: i64, location: &str) -> i64 {
        let location = location.to_string();
        self.with_conn(move |c| {
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            let loc = db::sites::location_by_code(c, site.id, &location)
                .unwrap()
                .unwrap();
            db::balances::quantity_at(c, lot_id, loc.id).unwrap()
        })
        .await
    }

    /// Number of ledger rows.
    pub async fn ledger_rows(&self) -> i64 {
        self.with_conn(|c| {
            use diesel::prelude::*;
            db::schema::ledger::table
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await
    }
}
