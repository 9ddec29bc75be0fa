//! The clinic and the page list the layout walk (`browser_layout`) visits:
//! the demo clinic (long product names, 90 days of sessions, voided ones
//! among them), plus purchase orders (a draft and a sent one), a booked
//! count and an API token, so every table has rows.

use diesel::prelude::*;
use serde_json::json;

use crate::fixtures::fixture_actor;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::db::schema::{
    ledger, lots, protocols, receipts, suppliers, treatment_sessions, users,
};
use clinic_stock::demo::{self, DemoOptions};
use clinic_stock::services::counts;

/// Who may see a page: practitioner, manager, admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Practitioner,
    Manager,
    Admin,
}

impl Who {
    /// The demo user signing in for that role.
    pub fn login(self) -> &'static str {
        match self {
            Who::Practitioner => "pia",
            Who::Manager => "manager",
            Who::Admin => "admin",
        }
    }

    fn letter(self) -> char {
        match self {
            Who::Practitioner => 'P',
            Who::Manager => 'M',
            Who::Admin => 'A',
        }
    }
}

/// One main page: its name (screenshot file), path, roles that see it
/// (letters P, M, A) and the key cells that must be on screen.
#[derive(Debug, Clone)]
pub struct PageSpec {
    pub name: &'static str,
    pub path: String,
    pub roles: &'static str,
    pub keys: &'static [&'static str],
}

impl PageSpec {
    pub fn for_role(&self, who: Who) -> bool {
        self.roles.contains(who.letter())
    }

    /// The role whose view is saved as the page's screenshot: the manager
    /// where they see it, else the only role that does.
    pub fn screenshot_role(&self) -> Who {
        if self.roles.contains('M') {
            Who::Manager
        } else if self.roles.contains('P') {
            Who::Practitioner
        } else {
            Who::Admin
        }
    }
}

/// Ids of the records the pages show.
pub struct World {
    pub lot: i64,
    pub product: i64,
    pub protocol: i64,
    pub session: i64,
    pub client: String,
    pub supplier: i64,
    pub location: i64,
    pub count: i64,
    pub draft_order: i64,
    pub sent_order: i64,
    pub receipt: i64,
    pub user: i64,
    /// A lot one of whose sessions was voided (recall shows "voided").
    pub recall_lot: String,
}

/// Loads the demo clinic and adds orders, a count and a token.
pub async fn world(app: &TestApp) -> World {
    app.with_conn(|c| demo::run(c, &DemoOptions::default()).unwrap())
        .await;
    let m = app.token_for(Role::Manager).await;
    app.token_for(Role::Admin).await;
    let (s, made) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders/from-reorder",
            &json!({"site": "main"}),
        )
        .await;
    assert_eq!(s, 201, "{made}");
    let ids: Vec<i64> = made["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 2, "two drafts from the demo's reorder: {made}");
    let (s, sent) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{}/send", ids[1]),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{sent}");
    let mut w = app
        .with_conn(|c| {
            let voided: Vec<i64> = treatment_sessions::table
                .filter(treatment_sessions::voided_at.is_not_null())
                .select(treatment_sessions::id)
                .load(c)
                .unwrap();
            let (lot, product): (i64, i64) = ledger::table
                .filter(ledger::session_id.eq_any(&voided))
                .order(ledger::id)
                .select((ledger::lot_id, ledger::product_id))
                .first(c)
                .unwrap();
            let recall_lot: String = lots::table
                .find(lot)
                .select(lots::lot_number)
                .first(c)
                .unwrap();
            let (session, client): (i64, String) = treatment_sessions::table
                .filter(treatment_sessions::voided_at.is_null())
                .order(treatment_sessions::performed_at.desc())
                .select((treatment_sessions::id, treatment_sessions::client_ref))
                .first(c)
                .unwrap();
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            let location = db::sites::location_by_code(c, site.id, "store")
                .unwrap()
                .unwrap()
                .id;
            let counted: i64 = ledger::table
                .filter(ledger::location_id.eq(location))
                .order(ledger::id.desc())
                .select(ledger::lot_id)
                .first(c)
                .unwrap();
            let actor = fixture_actor(c);
            let count = counts::submit(
                c,
                &actor,
                &counts::CountDraft {
                    location_id: location,
                    blind: false,
                    lines: vec![(counted.to_string(), "5".into())],
                    sheet_at: None,
                    note: Some("Shelf count after the delivery".into()),
                },
            )
            .unwrap()
            .count_id;
            World {
                lot,
                product,
                protocol: protocols::table
                    .order(protocols::id)
                    .select(protocols::id)
                    .first(c)
                    .unwrap(),
                session,
                client,
                supplier: suppliers::table
                    .order(suppliers::id)
                    .select(suppliers::id)
                    .first(c)
                    .unwrap(),
                location,
                count,
                draft_order: 0,
                sent_order: 0,
                receipt: receipts::table
                    .order(receipts::id.desc())
                    .select(receipts::id)
                    .first(c)
                    .unwrap(),
                user: users::table
                    .filter(users::username.eq("pia"))
                    .select(users::id)
                    .first(c)
                    .unwrap(),
                recall_lot,
            }
        })
        .await;
    w.draft_order = ids[0];
    w.sent_order = ids[1];
    w
}

/// Every main page (the menu's and the records' pages), who sees it, and
/// its key cells (issue 14.7).
pub fn pages(w: &World) -> Vec<PageSpec> {
    let p = |name, path: String, roles, keys| PageSpec {
        name,
        path,
        roles,
        keys,
    };
    vec![
        p("practitioner-home", "/".into(), "P", &[]),
        p("dashboard", "/".into(), "MA", &[]),
        p("alerts", "/alerts".into(), "MA", &[]),
        p("session-form", "/sessions/new".into(), "PMA", &[]),
        p(
            "sessions",
            "/sessions".into(),
            "PMA",
            &["#sessions td.protocol"],
        ),
        p("session", format!("/sessions/{}", w.session), "PMA", &[]),
        p(
            "aftercare",
            format!("/sessions/{}/aftercare", w.session),
            "PMA",
            &[],
        ),
        p("client", format!("/clients/{}", w.client), "PMA", &[]),
        p("stock", "/stock".into(), "PMA", &[]),
        p("lot", format!("/lots/{}", w.lot), "PMA", &[]),
        p("products", "/products".into(), "PMA", &[]),
        p("product", format!("/products/{}", w.product), "PMA", &[]),
        p("product-new", "/products/new".into(), "MA", &[]),
        p(
            "product-edit",
            format!("/products/{}/edit", w.product),
            "MA",
            &[],
        ),
        p("suppliers", "/suppliers".into(), "MA", &[]),
        p(
            "supplier-edit",
            format!("/suppliers/{}/edit", w.supplier),
            "MA",
            &[],
        ),
        p("protocols", "/protocols".into(), "PMA", &[]),
        p("protocol", format!("/protocols/{}", w.protocol), "MA", &[]),
        p("protocol-new", "/protocols/new".into(), "MA", &[]),
        p("receive", "/receive".into(), "MA", &[]),
        p("counts", "/counts".into(), "MA", &[]),
        p(
            "count-sheet",
            format!("/counts/{}", w.location),
            "MA",
            &["#count-sheet input[name=counted]"],
        ),
        p(
            "count-result",
            format!("/counts/result/{}", w.count),
            "MA",
            &[],
        ),
        p("ledger", "/ledger".into(), "MA", &[]),
        p(
            "recall",
            format!("/recall?lot={}", w.recall_lot),
            "MA",
            &[".recall-sessions tr.voided td.flag"],
        ),
        p(
            "reorder",
            "/reports/reorder".into(),
            "MA",
            &[
                "table.reorder td.pick input",
                "table.reorder td.packs input",
                "table.reorder td.usable",
                "table.reorder td.position",
            ],
        ),
        p("orders", "/orders".into(), "MA", &["#orders td.total"]),
        p("order", format!("/orders/{}", w.draft_order), "MA", &[]),
        p("order-sent", format!("/orders/{}", w.sent_order), "MA", &[]),
        p(
            "order-receive",
            format!("/orders/{}/receive", w.sent_order),
            "MA",
            &[],
        ),
        p("receipts", "/receipts".into(), "MA", &[]),
        p("receipt", format!("/receipts/{}", w.receipt), "MA", &[]),
        p("usage", "/reports/usage".into(), "MA", &[]),
        p("import", "/admin/import".into(), "MA", &[]),
        p("account", "/account".into(), "PMA", &[]),
        p("users", "/admin/users".into(), "A", &[]),
        p("user", format!("/admin/users/{}", w.user), "A", &[]),
        p("tokens", "/admin/tokens".into(), "A", &[]),
        p("sites", "/admin/sites".into(), "A", &[]),
        p("site", "/admin/sites/main".into(), "A", &[]),
        p("settings", "/admin/settings".into(), "A", &[]),
        p("areas", "/admin/areas".into(), "A", &[]),
        p("needle-ranges", "/admin/needle-ranges".into(), "A", &[]),
        p("audit", "/admin/audit".into(), "A", &[]),
    ]
}
