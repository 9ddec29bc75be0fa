//! The permission matrix (issue 10 "One permission table", issue 12.2):
//! EVERY registered route × anonymous / practitioner of site A / manager of
//! site A / chain manager / admin × own site / other site, with the answer
//! each must get written out below as a table (not derived from the code).
//!
//! `every_registered_route_has_a_decision` reads the route registrations in
//! src/routes (every `.route("PATH", web::METHOD()…)`) and fails when a
//! route has no row here, or a row names a route that no longer exists: a
//! new route cannot ship without a decision. To add one, add a row to
//! `ROWS` (see README "Permissions").
//!
//! Answers: `L` login needed (page: 303 to /login; API: 401), `D` denied
//! (403), `N` hidden (404: another site's record), `A` allowed (the request
//! reached the use case: 2xx, a 303 that is not to /login, or 400/409/422
//! for the deliberately thin bodies), `P` public (anything but 5xx). Any 5xx
//! fails whatever the table says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::fixtures::{days, fixture_actor};
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db;
use clinic_stock::services::{accounts, counts};

/// What a path placeholder (or the site query) is filled with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fill {
    /// No placeholder, no site.
    Plain,
    /// `?site=CODE` appended.
    SiteQ,
    Session,
    Lot,
    Order,
    Receipt,
    Count,
    Location,
    Client,
    SiteCode,
    SiteId,
    Product,
    Supplier,
    Protocol,
    User,
    /// An API token of the victim user (by id).
    VictimToken,
    Token,
    Asset,
    /// An import template's file name.
    Template,
    /// A treatment area (the seeded "Face").
    Area,
    /// An indication's usual needle range (the seeded "Fine lines").
    NeedleRange,
}
use Fill::*;

/// One route's decision: (method, route as registered, fill, body, own-site
/// answers, other-site answers), answers for [anonymous, practitioner@A,
/// manager@A, chain manager, admin]. `""` for other: the route is not about
/// one site's data (catalogue, admin), so there is no other site to try.
type Row = (
    &'static str,
    &'static str,
    Fill,
    &'static str,
    &'static str,
    &'static str,
);

/// Bodies: `-` = none (GET), `F` = a form with only the CSRF token, `J` =
/// `{}`; otherwise a form (`site={site}`) or JSON (`{…}`) template where
/// `{site}`, `{lot}`, `{loc}`, `{product}`, `{session}` are the scope's.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    // ---- public
    ("GET", "/health", Plain, "-", "P P P P P", ""),
    ("GET", "/api/docs", Plain, "-", "P P P P P", ""),
    ("GET", "/api/v1/openapi.json", Plain, "-", "P P P P P", ""),
    ("GET", "/static/{file:.*}", Asset, "-", "P P P P P", ""),
    ("GET", "/login", Plain, "-", "P P P P P", ""),
    ("POST", "/login", Plain, "F", "P P P P P", ""),
    ("GET", "/setup/{token}", Token, "-", "P P P P P", ""),
    ("POST", "/setup/{token}", Token, "F", "P P P P P", ""),
    // ---- pages: home, stock, lots
    ("GET", "/", SiteQ, "-", "L A A A A", "L D D A A"),
    ("GET", "/stock", SiteQ, "-", "L A A A A", "L D D A A"),
    ("POST", "/stock/write-off-expired", Plain, "site={site}", "L D A A A", "L D D A A"),
    ("GET", "/lots/{id}", Lot, "-", "L A A A A", "L N N A A"),
    ("GET", "/lots/{id}/recall.csv", Lot, "-", "L D A A A", "L D N A A"),
    ("POST", "/lots/{id}/adjust", Lot, "location_id={loc}", "L D A A A", "L D N A A"),
    ("POST", "/lots/{id}/transfer", Lot, "from_location_id={loc}", "L D A A A", "L D N A A"),
    ("POST", "/lots/{id}/open", Lot, "location_id={loc}", "L A A A A", "L N N A A"),
    ("POST", "/lots/{id}/quarantine", Lot, "F", "L D A A A", "L D N A A"),
    ("POST", "/lots/{id}/release", Lot, "F", "L D A A A", "L D N A A"),
    ("GET", "/recall", Plain, "-", "L D A A A", ""),
    ("GET", "/ledger", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/ledger.csv", SiteQ, "-", "L D A A A", "L D D A A"),
    // ---- counts
    ("GET", "/counts", Plain, "-", "L D A A A", ""),
    ("GET", "/counts/{location_id}", Location, "-", "L D A A A", "L D N A A"),
    ("POST", "/counts/{location_id}", Location, "F", "L D A A A", "L D N A A"),
    ("GET", "/counts/result/{count_id}", Count, "-", "L D A A A", "L D N A A"),
    // ---- receiving
    ("GET", "/receive", Plain, "-", "L D A A A", ""),
    ("GET", "/receipts", Plain, "-", "L D A A A", ""),
    ("GET", "/receipts/{id}", Receipt, "-", "L D A A A", "L D N A A"),
    ("POST", "/receipts/{id}/correct", Receipt, "F", "L D A A A", "L D N A A"),
    ("POST", "/receive", Plain, "place={site}/store", "L D A A A", "L D D A A"),
    ("POST", "/receive/preview", Plain, "place={site}/store", "L D A A A", "L D D A A"),
    ("POST", "/receive/check", Plain, "place={site}/store", "L D A A A", "L D D A A"),
    // ---- catalogue (chain-wide)
    ("GET", "/products", Plain, "-", "L A A A A", ""),
    ("POST", "/products", Plain, "F", "L D A A A", ""),
    ("GET", "/products/new", Plain, "-", "L D A A A", ""),
    ("GET", "/products/{id}", Product, "-", "L A A A A", ""),
    ("POST", "/products/{id}", Product, "F", "L D A A A", ""),
    ("GET", "/products/{id}/edit", Product, "-", "L D A A A", ""),
    ("POST", "/products/{id}/archive", Product, "F", "L D A A A", ""),
    ("POST", "/products/{id}/reactivate", Product, "F", "L D A A A", ""),
    ("GET", "/suppliers", Plain, "-", "L D A A A", ""),
    ("POST", "/suppliers", Plain, "F", "L D A A A", ""),
    ("GET", "/suppliers/{id}/edit", Supplier, "-", "L D A A A", ""),
    ("POST", "/suppliers/{id}", Supplier, "F", "L D A A A", ""),
    ("GET", "/protocols", Plain, "-", "L A A A A", ""),
    ("GET", "/protocols/new", Plain, "-", "L D A A A", ""),
    ("POST", "/protocols/new", Plain, "F", "L D A A A", ""),
    ("GET", "/protocols/{id}", Protocol, "-", "L D A A A", ""),
    ("POST", "/protocols/{id}", Protocol, "F", "L D A A A", ""),
    // ---- sessions
    ("GET", "/sessions/new", Plain, "-", "L A A A A", ""),
    ("POST", "/sessions/new", Plain, "site={site}", "L A A A A", "L D D A A"),
    ("POST", "/sessions/new/lines", Plain, "F", "L A A A A", ""),
    ("GET", "/sessions/new/scan", SiteQ, "-", "L A A A A", "L D D A A"),
    ("POST", "/sessions/hints", Plain, "F", "L A A A A", ""),
    ("GET", "/sessions", SiteQ, "-", "L A A A A", "L D D A A"),
    ("GET", "/sessions/{id}", Session, "-", "L A A A A", "L N N A A"),
    ("GET", "/sessions/{id}/aftercare", Session, "-", "L A A A A", "L N N A A"),
    ("POST", "/sessions/{id}/void", Session, "F", "L D A A A", "L N N A A"),
    ("POST", "/sessions/{id}/follow-ups", Session, "F", "L A A A A", "L N N A A"),
    ("GET", "/clients/{client_ref}", Client, "-", "L A A A A", "L A A A A"),
    // ---- reports and orders
    ("GET", "/reports/reorder", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/reports/reorder.csv", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/reports/reorder/print", SiteQ, "-", "L D A A A", "L D D A A"),
    ("POST", "/reports/reorder/orders", Plain, "site={site}", "L D A A A", "L D D A A"),
    ("GET", "/alerts", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/reports/usage", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/reports/usage.csv", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/orders", SiteQ, "-", "L D A A A", "L D D A A"),
    ("POST", "/orders", Plain, "F", "L D A A A", ""),
    ("GET", "/orders/{id}", Order, "-", "L D A A A", "L D N A A"),
    ("POST", "/orders/{id}/lines", Order, "F", "L D A A A", "L D N A A"),
    ("POST", "/orders/{id}/send", Order, "F", "L D A A A", "L D N A A"),
    ("POST", "/orders/{id}/email", Order, "F", "L D A A A", "L D N A A"),
    ("POST", "/orders/{id}/cancel", Order, "F", "L D A A A", "L D N A A"),
    ("GET", "/orders/{id}/receive", Order, "-", "L D A A A", "L D N A A"),
    ("POST", "/orders/{id}/receive", Order, "F", "L D A A A", "L D N A A"),
    // ---- their own account (every role, own record only: no id)
    ("GET", "/account", Plain, "-", "L A A A A", ""),
    ("POST", "/account", Plain, "F", "L A A A A", ""),
    ("POST", "/account/password", Plain, "F", "L A A A A", ""),
    // ---- admin
    ("GET", "/admin/users", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/users", Plain, "F", "L D D D A", ""),
    ("GET", "/admin/users/{id}", User, "-", "L D D D A", ""),
    ("POST", "/admin/users/{id}/role", User, "F", "L D D D A", ""),
    ("POST", "/admin/users/{id}/details", User, "F", "L D D D A", ""),
    ("POST", "/admin/users/{id}/disable", User, "F", "L D D D A", ""),
    ("POST", "/admin/users/{id}/enable", User, "F", "L D D D A", ""),
    ("POST", "/admin/users/{id}/password", User, "F", "L D D D A", ""),
    ("POST", "/admin/users/{id}/unlock", User, "F", "L D D D A", ""),
    ("GET", "/admin/tokens", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/tokens", Plain, "F", "L D D D A", ""),
    ("POST", "/admin/tokens/{id}/revoke", VictimToken, "F", "L D D D A", ""),
    ("GET", "/admin/audit", Plain, "-", "L D D D A", ""),
    ("GET", "/admin/audit.csv", Plain, "-", "L D D D A", ""),
    ("GET", "/admin/sites", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/sites", Plain, "F", "L D D D A", ""),
    ("GET", "/admin/sites/{code}", SiteCode, "-", "L D D D A", ""),
    ("POST", "/admin/sites/{code}", SiteCode, "F", "L D D D A", ""),
    ("POST", "/admin/sites/{id}/rename", SiteId, "F", "L D D D A", ""),
    ("POST", "/admin/sites/{code}/locations", SiteCode, "F", "L D D D A", ""),
    ("POST", "/admin/locations/{id}/rename", Location, "F", "L D D D A", ""),
    ("GET", "/admin/settings", Plain, "-", "L D D D A", ""),
    ("GET", "/admin/areas", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/areas", Plain, "F", "L D D D A", ""),
    ("POST", "/admin/areas/{id}/rename", Area, "F", "L D D D A", ""),
    ("POST", "/admin/areas/{id}/retire", Area, "F", "L D D D A", ""),
    ("POST", "/admin/areas/{id}/restore", Area, "F", "L D D D A", ""),
    ("GET", "/admin/needle-ranges", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/needle-ranges", Plain, "F", "L D D D A", ""),
    ("POST", "/admin/needle-ranges/{id}", NeedleRange, "F", "L D D D A", ""),
    ("POST", "/admin/needle-ranges/{id}/remove", NeedleRange, "F", "L D D D A", ""),
    ("GET", "/admin/import", Plain, "-", "L D A A A", ""),
    ("POST", "/admin/import/preview", Plain, "F", "L D A A A", ""),
    ("POST", "/admin/import/confirm", Plain, "F", "L D N N N", ""),
    ("POST", "/admin/import/cancel", Plain, "F", "L D A A A", ""),
    ("GET", "/admin/import/result/{id}", Token, "-", "L D N N N", ""),
    ("GET", "/admin/import/template/{file}", Template, "-", "L D A A A", ""),
    ("GET", "/admin/export.zip", Plain, "-", "L D D D A", ""),
    ("POST", "/admin/settings", Plain, "F", "L D D D A", ""),
    // ---- API
    ("GET", "/api/v1/sites", Plain, "-", "L A A A A", ""),
    ("POST", "/api/v1/sites", Plain, "J", "L D D D A", ""),
    ("GET", "/api/v1/sites/{code}", SiteCode, "-", "L A A A A", "L N N A A"),
    ("PATCH", "/api/v1/sites/{code}", SiteCode, "J", "L D D D A", ""),
    ("GET", "/api/v1/locations", SiteQ, "-", "L A A A A", "L D D A A"),
    ("POST", "/api/v1/locations", Plain, "J", "L D D D A", ""),
    ("GET", "/api/v1/products", Plain, "-", "L A A A A", ""),
    ("POST", "/api/v1/products", Plain, "J", "L D A A A", ""),
    ("GET", "/api/v1/products/{id}", Product, "-", "L A A A A", ""),
    ("PATCH", "/api/v1/products/{id}", Product, "J", "L D A A A", ""),
    ("GET", "/api/v1/suppliers", Plain, "-", "L D A A A", ""),
    ("POST", "/api/v1/suppliers", Plain, "J", "L D A A A", ""),
    ("POST", "/api/v1/receipts", Plain, r#"{"site":"{site}","location":"store"}"#, "L D A A A", "L D D A A"),
    ("GET", "/api/v1/stock", SiteQ, "-", "L A A A A", "L D D A A"),
    ("GET", "/api/v1/receipts", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/counts", Plain, "-", "L D A A A", ""),
    ("POST", "/api/v1/counts", Plain, r#"{"location_id":{loc}}"#, "L D A A A", "L D N A A"),
    ("GET", "/api/v1/receipts/{id}", Receipt, "-", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/adjustments", Plain, r#"{"site":"{site}","lot_id":{lot},"location":"store"}"#, "L D A A A", "L D D A A"),
    ("GET", "/api/v1/lots/{id}", Lot, "-", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/lots/{id}/quarantine", Lot, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/lots/{id}/release", Lot, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/transfers", Plain, r#"{"site":"{site}","lot_id":{lot},"from_location":"store"}"#, "L D A A A", "L D N A A"),
    ("POST", "/api/v1/containers", Plain, r#"{"site":"{site}","lot_id":{lot},"location":"store"}"#, "L A A A A", "L N N A A"),
    ("GET", "/api/v1/ledger", SiteQ, "-", "L D A A A", "L D D A A"),
    ("POST", "/api/v1/sessions", Plain, r#"{"site":"{site}"}"#, "L A A A A", "L D D A A"),
    ("GET", "/api/v1/sessions", SiteQ, "-", "L A A A A", "L D D A A"),
    ("GET", "/api/v1/sessions/{id}", Session, "-", "L A A A A", "L N N A A"),
    ("POST", "/api/v1/sessions/{id}/void", Session, "J", "L D A A A", "L N N A A"),
    ("POST", "/api/v1/sessions/{id}/follow-ups", Session, "J", "L A A A A", "L N N A A"),
    ("GET", "/api/v1/protocols", Plain, "-", "L A A A A", ""),
    ("POST", "/api/v1/protocols", Plain, "J", "L D A A A", ""),
    ("GET", "/api/v1/protocols/{id}", Protocol, "-", "L A A A A", ""),
    ("PUT", "/api/v1/protocols/{id}", Protocol, "J", "L D A A A", ""),
    ("GET", "/api/v1/purchase-orders", SiteQ, "-", "L D A A A", "L D D A A"),
    ("POST", "/api/v1/purchase-orders", Plain, r#"{"site":"{site}"}"#, "L D A A A", "L D D A A"),
    ("POST", "/api/v1/purchase-orders/from-reorder", Plain, r#"{"site":"{site}"}"#, "L D A A A", "L D D A A"),
    ("GET", "/api/v1/purchase-orders/{id}", Order, "-", "L D A A A", "L D N A A"),
    ("PATCH", "/api/v1/purchase-orders/{id}", Order, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/purchase-orders/{id}/send", Order, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/purchase-orders/{id}/email", Order, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/purchase-orders/{id}/cancel", Order, "J", "L D A A A", "L D N A A"),
    ("POST", "/api/v1/purchase-orders/{id}/receive", Order, "J", "L D A A A", "L D N A A"),
    ("GET", "/api/v1/alerts", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/reports/reorder", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/reports/reorder.csv", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/reports/usage", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/reports/usage.csv", SiteQ, "-", "L D A A A", "L D D A A"),
    ("GET", "/api/v1/audit", Plain, "-", "L D D D A", ""),
    // ---- last: it ends each actor's login session (303 to /login for all)
    ("POST", "/logout", Plain, "F", "P P P P P", ""),
];

const ACTORS: [&str; 5] = [
    "anonymous",
    "practitioner@A",
    "manager@A",
    "chain manager",
    "admin",
];

// ------------------------------------------------------------------
// The routes the code registers, read from src/routes.

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every `(METHOD, path)` registered with `.route("PATH", web::METHOD()…)`
/// under src/routes (API modules under the `/api/v1` scope). Registration
/// forms this reader does not understand fail the test instead of hiding
/// routes.
pub fn registered_routes() -> BTreeSet<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    walk(&root, &mut files);
    let mut routes = BTreeSet::new();
    let mut unknown = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(&f).unwrap();
        let code: String = text
            .lines()
            .map(|l| match l.trim_start().starts_with("//") {
                true => "",
                false => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        for bad in [
            "web::resource(",
            "#[get(",
            "#[post(",
            "#[put(",
            "#[patch(",
            "#[delete(",
            "#[route(",
        ] {
            if code.contains(bad) {
                unknown.push(format!(
                    "src/{rel}: {bad}… (register routes with .route(\"PATH\", web::METHOD().to(h)))"
                ));
            }
        }
        let mut i = 0;
        while let Some(p) = code[i..].find("web::scope(").map(|p| p + i) {
            i = p + 1;
            let arg = code[p + "web::scope(".len()..].trim_start();
            if !(rel == "routes/api/mod.rs" && arg.starts_with("\"/api/v1\"")) {
                unknown.push(format!("src/{rel}: a web::scope this test does not know"));
            }
        }
        if !rel.starts_with("routes/") && code.contains(".route(") {
            unknown.push(format!("src/{rel}: routes registered outside src/routes"));
        }
        let prefix = if rel.starts_with("routes/api/") && rel != "routes/api/mod.rs" {
            "/api/v1"
        } else {
            ""
        };
        let mut i = 0;
        while let Some(p) = code[i..].find("route(").map(|p| p + i) {
            i = p + "route(".len();
            if code[..p].chars().last().is_some_and(is_ident) {
                continue;
            }
            let rest = code[i..].trim_start();
            let Some(rest) = rest.strip_prefix('"') else {
                continue;
            };
            let Some(end) = rest.find('"') else { continue };
            let path = &rest[..end];
            let after = rest[end + 1..]
                .trim_start()
                .trim_start_matches(',')
                .trim_start();
            let Some(m) = after.strip_prefix("web::") else {
                unknown.push(format!("src/{rel}: route {path} without web::METHOD()"));
                continue;
            };
            let method: String = m.chars().take_while(|c| is_ident(*c)).collect();
            routes.insert((method.to_uppercase(), format!("{prefix}{path}")));
        }
    }
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
    routes
}

#[test]
fn every_registered_route_has_a_decision() {
    let registered = registered_routes();
    let mut in_table = BTreeSet::new();
    for (m, r, ..) in ROWS {
        assert!(
            in_table.insert((m.to_string(), r.to_string())),
            "{m} {r} twice in the table"
        );
    }
    let missing: Vec<_> = registered.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&registered).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a decision in tests/app/access_matrix.rs ROWS: {missing:?}\n\
         rows for routes that are not registered: {stale:?}"
    );
    for (m, r, _, _, own, other) in ROWS {
        assert_eq!(own.split(' ').count(), 5, "{m} {r}");
        assert!(other.is_empty() || other.split(' ').count() == 5, "{m} {r}");
    }
}

// ------------------------------------------------------------------
// Two sites and their records.

/// The records of one site, or the chain-wide ones (same in both scopes).
#[derive(Debug, Clone, Default)]
struct Records {
    site: String,
    site_id: i64,
    location: i64,
    lot: i64,
    session: i64,
    order: i64,
    receipt: i64,
    count: i64,
    client: String,
}

struct World {
    own: Records,
    other: Records,
    product: i64,
    supplier: i64,
    protocol: i64,
    victim: i64,
    victim_token: i64,
    /// [anonymous, practitioner@A, manager@A, chain manager, admin]
    pages: Vec<reqwest::Client>,
    csrf: Vec<String>,
    tokens: Vec<String>,
}

async fn ok_json(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.api_post(token, path, &body).await;
    assert!(s == 200 || s == 201, "{path}: {s} {v}");
    v
}

async fn site_records(
    app: &TestApp,
    admin: &str,
    site: &str,
    product: i64,
    supplier: i64,
) -> Records {
    let received = ok_json(
        app,
        admin,
        "/api/v1/receipts",
        json!({"site": site, "location": "store", "product_id": product,
               "lot": format!("LOT-{site}"), "expiry": days(300).to_string(), "quantity": 500}),
    )
    .await;
    let lot = received["lot_id"].as_i64().unwrap();
    let receipt = received["receipt_id"].as_i64().unwrap();
    let client = if site == "main" { "C-1001" } else { "C-2002" }.to_string();
    let (s, v) = app
        .post_session(
            admin,
            &new_key(),
            &json!({"site": site, "client_ref": client, "needle_length_mm": 1.5,
                    "lines": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    let session = v["id"].as_i64().unwrap();
    let order = ok_json(
        app,
        admin,
        "/api/v1/purchase-orders",
        json!({"site": site, "supplier_id": supplier, "lines": [{"product_id": product, "packs": 1}]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let code = site.to_string();
    let (site_id, location, count) = app
        .with_conn(move |c| {
            let s = db::sites::by_code(c, &code).unwrap().unwrap();
            let loc = db::sites::location_by_code(c, s.id, "store")
                .unwrap()
                .unwrap();
            let actor = fixture_actor(c);
            let out = counts::submit(
                c,
                &actor,
                &counts::CountDraft {
                    location_id: loc.id,
                    blind: false,
                    lines: vec![(lot.to_string(), "499".into())],
                    sheet_at: None,
                    note: None,
                },
            )
            .unwrap();
            (s.id, loc.id, out.count_id)
        })
        .await;
    Records {
        site: site.into(),
        site_id,
        location,
        lot,
        session,
        order,
        receipt,
        count,
        client,
    }
}

async fn world(app: &TestApp) -> World {
    let admin_token = app.token_for(Role::Admin).await;
    ok_json(
        app,
        &admin_token,
        "/api/v1/sites",
        json!({"code": "north", "name": "North", "time_zone": "Europe/London"}),
    )
    .await;
    let (s, _) = app
        .api_post(
            &admin_token,
            "/api/v1/locations",
            &json!({"site": "north", "code": "store", "name": "Store"}),
        )
        .await;
    assert!(s == 201 || s == 200 || s == 409, "north store: {s}");
    let supplier = app.supplier("Alpha", Some(3)).await;
    let product = app
        .product("GLV")
        .disposable()
        .supplier(supplier)
        .create()
        .await
        .id;
    let protocol = ok_json(
        app,
        &admin_token,
        "/api/v1/protocols",
        json!({"name": "Face", "indication": "acne_scars", "needle_min_mm": 1.0,
               "needle_max_mm": 2.0, "lines": [{"product_id": product, "quantity": 1}]}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let own = site_records(app, &admin_token, "main", product, supplier).await;
    let other = site_records(app, &admin_token, "north", product, supplier).await;
    let user = |name: &str, role: &str, site: Option<&str>| accounts::NewUser {
        username: name.into(),
        password: PASSWORD.into(),
        role: role.into(),
        site: site.map(str::to_string),
        ..Default::default()
    };
    let people = [
        user("pia", "practitioner", Some("main")),
        user("mona", "manager", Some("main")),
        user("chris", "manager", None),
        user("ada", "admin", None),
        user("victim", "practitioner", Some("north")),
    ];
    let ids = app
        .with_conn(move |c| {
            people
                .iter()
                .map(|u| accounts::create_user(c, u).unwrap())
                .collect::<Vec<_>>()
        })
        .await;
    let mut pages = vec![app.client()];
    let mut csrf = vec![String::new()];
    let mut tokens = vec![String::new()];
    for name in ["pia", "mona", "chris", "ada"] {
        let client = app.login_as(name, PASSWORD).await;
        let html = client
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        csrf.push(input_value(&html, "csrf").unwrap_or_default());
        pages.push(client);
        let n = name.to_string();
        tokens.push(
            app.with_conn(move |c| accounts::create_token(c, &n, "matrix").unwrap())
                .await,
        );
    }
    let victim = ids[4];
    let victim_token = app
        .with_conn(move |c| {
            accounts::create_token(c, "victim", "matrix").unwrap();
            db::tokens::list(c, Some(victim)).unwrap()[0].0.id
        })
        .await;
    World {
        own,
        other,
        product,
        supplier,
        protocol,
        victim,
        victim_token,
        pages,
        csrf,
        tokens,
    }
}

// ------------------------------------------------------------------
// Running the table.

fn fill(w: &World, r: &Records, route: &str, how: Fill) -> String {
    let at = |v: String| -> String {
        match route.find('{') {
            Some(s) => {
                let e = route[s..]
                    .find('}')
                    .map(|e| s + e + 1)
                    .unwrap_or(route.len());
                format!("{}{}{}", &route[..s], v, &route[e..])
            }
            None => route.to_string(),
        }
    };
    match how {
        Plain => route.to_string(),
        SiteQ => format!("{route}?site={}", r.site),
        Session => at(r.session.to_string()),
        Lot => at(r.lot.to_string()),
        Order => at(r.order.to_string()),
        Receipt => at(r.receipt.to_string()),
        Count => at(r.count.to_string()),
        Location => at(r.location.to_string()),
        Client => at(r.client.clone()),
        SiteCode => at(r.site.clone()),
        SiteId => at(r.site_id.to_string()),
        Product => at(w.product.to_string()),
        Supplier => at(w.supplier.to_string()),
        Protocol => at(w.protocol.to_string()),
        User => at(w.victim.to_string()),
        VictimToken => at(w.victim_token.to_string()),
        Token => at("0123456789abcdef".into()),
        Asset => at("app.css".into()),
        Template => at("products.csv".into()),
        Area => at("1".into()),
        NeedleRange => at("1".into()),
    }
}

fn fill_body(template: &str, w: &World, r: &Records) -> String {
    template
        .replace("{site}", &r.site)
        .replace("{lot}", &r.lot.to_string())
        .replace("{loc}", &r.location.to_string())
        .replace("{session}", &r.session.to_string())
        .replace("{product}", &w.product.to_string())
}

/// Classifies an answer as the table writes it.
fn class(api: bool, status: u16, location: &str) -> char {
    match status {
        401 if api => 'L',
        303 if !api && location.starts_with("/login") => 'L',
        403 => 'D',
        404 => 'N',
        s if s >= 500 => '!',
        200..=299 | 303 | 400 | 409 | 413 | 422 => 'A',
        _ => '?',
    }
}

async fn ask(
    app: &TestApp,
    w: &World,
    who: usize,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String, String) {
    let api = path.starts_with("/api/");
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = if api {
        let mut r = reqwest::Client::new().request(method.clone(), app.url(path));
        if who > 0 {
            r = r.bearer_auth(&w.tokens[who]);
        }
        if path == "/api/v1/sessions" {
            r = r.header("Idempotency-Key", new_key());
        }
        r
    } else {
        w.pages[who].request(method.clone(), app.url(path))
    };
    if method != reqwest::Method::GET {
        req = match body {
            "J" => req.json(&json!({})),
            b if b.starts_with('{') => req
                .header("content-type", "application/json")
                .body(b.to_string()),
            b => {
                let mut form = format!("csrf={}", w.csrf[who]);
                if b != "F" && !b.is_empty() {
                    form.push('&');
                    form.push_str(b);
                }
                req.header("content-type", "application/x-www-form-urlencoded")
                    .body(form)
            }
        };
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = resp.text().await.unwrap_or_default();
    (status, location, text)
}

/// Runs every row of the table in the given scopes; returns the answers
/// that differ from it.
async fn run_matrix(scopes: &[&str]) {
    let app = TestApp::new().await;
    let w = world(&app).await;
    let mut wrong = Vec::new();
    let mut cases = 0;
    let mut tally: BTreeMap<char, usize> = BTreeMap::new();
    for (method, route, how, body, own, other) in ROWS {
        for (scope, answers, r) in [("own", *own, &w.own), ("other", *other, &w.other)] {
            if answers.is_empty() || !scopes.contains(&scope) {
                continue;
            }
            let path = fill(&w, r, route, *how);
            let body = fill_body(body, &w, r);
            for (who, want) in answers.split(' ').enumerate() {
                let want = want.chars().next().unwrap();
                let (status, location, text) = ask(&app, &w, who, method, &path, &body).await;
                cases += 1;
                *tally.entry(want).or_default() += 1;
                let api = path.starts_with("/api/");
                let got = class(api, status, &location);
                // A route the app does not know answers from the default
                // service: the table would be testing nothing.
                let unrouted = (status == 404 || status == 405)
                    && (text.contains("There is no page at this address")
                        || text.contains("no such API endpoint"));
                let ok = !unrouted
                    && got != '!'
                    && match want {
                        'P' => true,
                        w => got == w,
                    };
                if !ok {
                    let snippet: String = text.chars().take(160).collect();
                    wrong.push(format!(
                        "{method} {path} [{scope}] as {}: want {want}, got {status} {location} {snippet}",
                        ACTORS[who]
                    ));
                }
            }
        }
    }
    eprintln!(
        "access matrix {scopes:?}: {} routes, {cases} cases ({tally:?}) on {}",
        ROWS.len(),
        backend()
    );
    assert!(
        wrong.is_empty(),
        "{} of {cases} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn every_route_answers_each_role_at_its_own_site_as_the_table_says() {
    run_matrix(&["own"]).await;
}

#[tokio::test]
async fn every_route_answers_each_role_at_another_site_as_the_table_says() {
    run_matrix(&["other"]).await;
}
