//! Helpers for the session tests: posting sessions through the API with an
//! idempotency key, quarantined lots, and row counts.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::support::TestApp;
use clinic_stock::db::{self, models::Product};

/// A fresh idempotency key.
pub fn new_key() -> String {
    clinic_stock::auth::random_token()
}

/// A session body with one line per (product, quantity).
pub fn body(client: &str, needle_mm: f64, lines: &[(&Product, f64)]) -> Value {
    json!({
        "site": "main",
        "client_ref": client,
        "needle_length_mm": needle_mm,
        "lines": lines.iter().map(|(p, q)| json!({"product_id": p.id, "quantity": q})).collect::<Vec<_>>(),
    })
}

impl TestApp {
    /// `POST /api/v1/sessions` with an Idempotency-Key.
    pub async fn post_session(&self, token: &str, key: &str, body: &Value) -> (u16, Value) {
        self.api_send(
            reqwest::Method::POST,
            token,
            "/api/v1/sessions",
            body,
            Some(key),
        )
        .await
    }

    /// Moves a session's save time `minutes` into the past (the person who
    /// logged it may void it themselves for 30 minutes only).
    pub async fn saved_minutes_ago(&self, session_id: i64, minutes: i64) {
        use db::schema::treatment_sessions as ts;
        self.with_conn(move |c| {
            let at = db::now() - chrono::Duration::minutes(minutes);
            diesel::update(ts::table.find(session_id))
                .set(ts::created_at.eq(at))
                .execute(c)
                .unwrap();
        })
        .await;
    }

    pub async fn quarantine(&self, lot_id: i64) {
        self.with_conn(move |c| db::lots::set_quarantined(c, lot_id, true).unwrap())
            .await;
    }

    /// Number of treatment sessions and session lines.
    pub async fn session_rows(&self) -> (i64, i64) {
        self.with_conn(|c| {
            use db::schema::{session_lines, treatment_sessions};
            (
                treatment_sessions::table.count().get_result(c).unwrap(),
                session_lines::table.count().get_result(c).unwrap(),
            )
        })
        .await
    }

    /// (kind, delta, occurred_at) of every ledger row of a session, oldest first.
    pub async fn session_ledger(
        &self,
        session_id: i64,
    ) -> Vec<(String, i64, i64, chrono::NaiveDateTime)> {
        self.with_conn(move |c| {
            use db::schema::ledger;
            ledger::table
                .filter(ledger::session_id.eq(session_id))
                .select((
                    ledger::kind,
                    ledger::lot_id,
                    ledger::delta,
                    ledger::occurred_at,
                ))
                .order(ledger::id)
                .load(c)
                .unwrap()
        })
        .await
    }
}
