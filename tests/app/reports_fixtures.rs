//! Consumption arranged for the report tests: sessions recorded and voided
//! through the real session services (consume / void ledger rows dated at
//! `performed_at`) and waste write-offs (`adjust` rows). Balances always move through
//! `db::ledger::append`, so `assert_ledger_consistent` holds.
//! (Method names carry a `usage_` prefix to stay clear of other areas' fixtures.)

use chrono::{NaiveDate, NaiveDateTime};

use crate::fixtures::fixture_actor;
use crate::support::TestApp;
use clinic_stock::db::ledger::StockAt;
use clinic_stock::db::models::NewLedgerRow;
use clinic_stock::db::{self, models::Product};
use clinic_stock::domain::Quantity;
use clinic_stock::domain::access::Actor;
use clinic_stock::domain::vocab::LedgerKind;
use clinic_stock::services::sessions::{self, LineDraft, SessionDraft};

/// `n` days ago at `hour`:00 UTC.
pub fn at_days_ago(n: i64, hour: u32) -> NaiveDateTime {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n))
        .and_hms_opt(hour, 0, 0)
        .unwrap()
}

pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// What a fixture session looks like.
#[derive(Clone)]
pub struct UsageSession<'a> {
    pub performed_at: NaiveDateTime,
    pub lines: Vec<(&'a Product, &'a str)>,
    pub needle: i32,
    pub protocol_id: Option<i64>,
    pub indication: Option<&'a str>,
    pub practitioner_id: Option<i64>,
}

impl<'a> UsageSession<'a> {
    pub fn new(performed_at: NaiveDateTime, lines: &[(&'a Product, &'a str)]) -> Self {
        UsageSession {
            performed_at,
            lines: lines.to_vec(),
            needle: 150,
            protocol_id: None,
            indication: None,
            practitioner_id: None,
        }
    }
    pub fn needle(mut self, n: i32) -> Self {
        self.needle = n;
        self
    }
    pub fn protocol(mut self, id: i64) -> Self {
        self.protocol_id = Some(id);
        self
    }
    pub fn indication(mut self, i: &'a str) -> Self {
        self.indication = Some(i);
        self
    }
    pub fn by(mut self, user_id: i64) -> Self {
        self.practitioner_id = Some(user_id);
        self
    }
}

fn main_store(c: &mut db::DbConn) -> (i64, i64) {
    let site = db::sites::by_code(c, "main").unwrap().unwrap();
    let loc = db::sites::location_by_code(c, site.id, "store")
        .unwrap()
        .unwrap();
    (site.id, loc.id)
}

impl TestApp {
    /// Records a session through `services::sessions::record` (FEFO from
    /// `main`, ledger rows dated at `performed_at`) and returns its id. The
    /// session's needle length defaults to that of its first roller or
    /// cartridge line (else 1.5 mm).
    pub async fn usage_session(&self, s: UsageSession<'_>) -> i64 {
        let needle = s
            .lines
            .iter()
            .find_map(|(p, _)| p.needle_length)
            .filter(|_| s.needle == 150)
            .unwrap_or(s.needle);
        let draft = SessionDraft {
            site: Some("main".into()),
            client_ref: Some("C-1001".into()),
            needle_length_mm: Some(clinic_stock::domain::needle::fmt_needle(needle)),
            indication: s.indication.map(str::to_string),
            protocol_id: s.protocol_id.map(|p| p.to_string()),
            performed_at: Some(s.performed_at.format("%Y-%m-%dT%H:%M:%S").to_string()),
            lines: Some(
                s.lines
                    .iter()
                    .map(|(p, q)| LineDraft {
                        product_id: Some(p.id.to_string()),
                        quantity: Some(q.to_string()),
                        lot_id: None,
                        open_new: false,
                    })
                    .collect(),
            ),
            ..SessionDraft::default()
        };
        let practitioner = s.practitioner_id;
        self.with_conn(move |c| {
            let actor = match practitioner {
                Some(id) => {
                    let u = db::users::by_id(c, id).unwrap().unwrap();
                    Actor {
                        user_id: u.id,
                        username: u.username,
                        role: u.role,
                        site_id: u.site_id,
                        address: None,
                    }
                }
                None => fixture_actor(c),
            };
            let key = clinic_stock::auth::random_token();
            sessions::record(c, &actor, &key, &draft)
                .unwrap_or_else(|e| panic!("fixture session refused: {e}"))
                .view
                .session
                .id
        })
        .await
    }

    /// Voids a session through `services::sessions::void`.
    pub async fn usage_void(&self, session_id: i64) {
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            sessions::void(c, &actor, session_id, "wrong client").unwrap();
        })
        .await
    }

    /// Writes stock of a lot off (`adjust`, reason expired / damaged / waste / …) at a time.
    pub async fn usage_write_off(&self, lot_id: i64, qty: &str, reason: &str, at: NaiveDateTime) {
        let (q, reason) = (Quantity::parse_signed(qty).unwrap().0, reason.to_string());
        self.with_conn(move |c| {
            let actor = fixture_actor(c);
            db::write_tx(c, |c| -> Result<(), diesel::result::Error> {
                let (site_id, location_id) = main_store(c);
                let lot = db::lots::by_id(c, lot_id)?.unwrap();
                let row = NewLedgerRow::new(
                    LedgerKind::Adjust,
                    StockAt::of_lot(&lot, location_id, site_id),
                    -q,
                    actor.user_id,
                )
                .reason(reason.as_str())
                .occurred_at(at);
                db::ledger::append(c, &row).unwrap();
                Ok(())
            })
            .unwrap()
        })
        .await
    }

    /// Quarantines a lot.
    pub async fn usage_quarantine(&self, lot_id: i64) {
        self.with_conn(move |c| db::lots::set_quarantined(c, lot_id, true).unwrap())
            .await;
    }
}
