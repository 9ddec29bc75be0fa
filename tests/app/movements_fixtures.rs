//! Helpers for the stock movement, count, ledger and lot tests: location ids,
//! flash messages, ledger rows, and following a 303.

use diesel::prelude::*;

use crate::support::*;
use clinic_stock::db::{self, models::LedgerRow};

impl TestApp {
    /// The id of a location of site `main`.
    pub async fn location_id(&self, code: &str) -> i64 {
        let code = code.to_string();
        self.with_conn(move |c| {
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            db::sites::location_by_code(c, site.id, &code)
                .unwrap()
                .unwrap()
                .id
        })
        .await
    }

    /// Every ledger row, oldest first.
    pub async fn ledger(&self) -> Vec<LedgerRow> {
        self.with_conn(|c| {
            db::schema::ledger::table
                .select(LedgerRow::as_select())
                .order(db::schema::ledger::id)
                .load(c)
                .unwrap()
        })
        .await
    }

    /// The newest ledger row.
    pub async fn last_ledger_row(&self) -> LedgerRow {
        self.ledger().await.pop().expect("a ledger row")
    }

    /// Number of stock count records.
    pub async fn stock_count_rows(&self) -> i64 {
        self.with_conn(|c| {
            db::schema::stock_counts::table
                .count()
                .get_result::<i64>(c)
                .unwrap()
        })
        .await
    }

    /// A lot row as stored.
    pub async fn lot(&self, id: i64) -> db::models::Lot {
        self.with_conn(move |c| db::lots::by_id(c, id).unwrap().unwrap())
            .await
    }

    /// GET the page a 303 points at.
    pub async fn follow(&self, client: &reqwest::Client, resp: reqwest::Response) -> (u16, Html) {
        assert_eq!(resp.status(), 303, "expected a redirect");
        let to = resp
            .headers()
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        self.page(client, &to).await
    }

    /// Posts a form to `action` with the client's CSRF token (taken from `/counts`
    /// for managers, `/` otherwise).
    pub async fn post(
        &self,
        client: &reqwest::Client,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        self.post_form(client, "/", action, fields).await
    }
}

/// The flash message on a page.
pub fn flash(doc: &Html) -> String {
    text(doc, "p.flash")
}

/// Parses CSV text into records (header excluded).
pub fn csv_rows(body: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}
