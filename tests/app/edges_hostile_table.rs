//! What the hostile-input sweep (`edges_hostile`) throws and where: the
//! hostile values, a clinic to aim at, every JSON API endpoint with a valid
//! body and its query parameters, the pages whose forms are collected, and
//! a fingerprint of every table that a refused request must leave alone.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db::{self, Backend};

/// A value for a JSON field: `refuse` when no field may accept it.
pub struct Hostile {
    pub label: &'static str,
    pub value: Value,
    pub refuse: bool,
}

/// The values thrown at every JSON field.
pub fn json_values() -> Vec<Hostile> {
    let h = |label, value, refuse| Hostile {
        label,
        value,
        refuse,
    };
    vec![
        h("NUL", json!("a\u{0}b"), true),
        h("ESC", json!("x\u{1b}[31my"), true),
        h("DEL", json!("x\u{7f}"), true),
        h("NEL (C1)", json!("x\u{85}"), true),
        h("array of strings", json!(["x", "y"]), true),
        h("object", json!({"a": 1}), true),
        h("i64::MAX", json!(i64::MAX), false),
        h("u64 past i64", json!(u64::MAX), false),
        h("1e300", json!(1e300), false),
        h(
            "huge decimal text",
            json!("99999999999999999999999.999"),
            false,
        ),
        h("negative", json!(-1), false),
        h("year 1", json!("0001-01-01"), false),
        h("year 9999", json!("9999-12-31T23:59:59Z"), false),
        h("empty", json!(""), false),
        h("10 kB text", json!("x".repeat(10_000)), false),
        h("SQL", json!("'; DROP TABLE products; --"), false),
    ]
}

/// Whole bodies that no endpoint may act on: (label, body, expected status).
pub fn bad_bodies() -> Vec<(&'static str, Vec<u8>, u16)> {
    vec![
        ("truncated JSON", b"{\"email_text\": ".to_vec(), 400),
        ("not JSON", b"name=x".to_vec(), 400),
        ("invalid UTF-8", b"{\"name\": \"\xff\"}".to_vec(), 400),
        ("1e400", b"{\"name\": 1e400}".to_vec(), 400),
        (
            "1.5 MB",
            format!("{{\"name\": \"{}\"}}", "x".repeat(1_500_000)).into_bytes(),
            413,
        ),
    ]
}

/// Values thrown at every query parameter (already URL-encoded):
/// (label, encoded value, refused with 422 everywhere).
pub fn query_values() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        ("NUL", "a%00b", true),
        ("ESC", "%1B%5B31m", true),
        ("DEL", "%7F", true),
        ("NEL (C1)", "%C2%85", true),
        ("TAB", "a%09b", true),
        ("invalid UTF-8", "%FF%FE", false),
        ("huge number", "99999999999999999999999", false),
        ("negative", "-1", false),
        ("1e400", "1e400", false),
        ("year 1", "0001-01-01", false),
        ("year 9999", "9999-12-31", false),
        ("SQL", "%27%20OR%201%3D1%20--", false),
        (
            "5 kB",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            false,
        ),
    ]
}

/// Values typed into every form field: (label, value, refused with 422 everywhere).
pub fn form_values() -> Vec<(&'static str, String, bool)> {
    vec![
        ("NUL", "a\u{0}b".into(), true),
        ("ESC", "x\u{1b}[31my".into(), true),
        ("DEL", "x\u{7f}".into(), true),
        ("NEL (C1)", "x\u{85}".into(), true),
        ("huge number", "99999999999999999999999".into(), false),
        ("negative", "-1".into(), false),
        ("year 1", "0001-01-01".into(), false),
        ("year 9999", "9999-12-31".into(), false),
        ("10 kB", "x".repeat(10_000), false),
        ("SQL", "'; DROP TABLE products; --".into(), false),
    ]
}

/// Malformed ids put into every `{id}` of a path.
pub const BAD_IDS: &[&str] = &[
    "abc",
    "1.5",
    "-1",
    "0",
    "99999999999999999999",
    "%00",
    "%20",
];

/// Ids of the clinic the sweep aims at.
pub struct Clinic {
    pub token: String,
    pub product: i64,
    pub roller: i64,
    pub supplier: i64,
    pub lot: i64,
    pub session: i64,
    pub protocol: i64,
    pub draft_order: i64,
    pub sent_order: i64,
    pub sent_line: i64,
    pub count_location: i64,
}

/// A small clinic, made through the API as an admin.
pub async fn clinic(app: &TestApp) -> Clinic {
    let token = app.token_for(Role::Admin).await;
    // Another user, for the sweep's user paths.
    app.add_user("nurse", Role::Practitioner).await;
    let supplier = app.supplier("Alpha", Some(3)).await;
    let p = app
        .product("GLV")
        .disposable()
        .supplier(supplier)
        .cost(12)
        .min("50")
        .create()
        .await;
    let r = app
        .product("R-150")
        .roller(150)
        .supplier(supplier)
        .create()
        .await;
    let lot = app.stock(&p, "G-1", days(300), "500").await;
    app.stock(&r, "R-1", days(300), "50").await;
    let count_location = app.location_id("store").await;
    let post = |path: &'static str, body: Value| {
        let (t, app) = (token.clone(), app);
        async move {
            let (s, v) = app.api_post(&t, path, &body).await;
            assert!(s == 200 || s == 201, "{path}: {s} {v}");
            v
        }
    };
    let (s, session) = app
        .post_session(
            &token,
            &new_key(),
            &json!({"site": "main", "client_ref": "C-1", "needle_length_mm": 1.5,
                    "lines": [{"product_id": p.id, "quantity": 1}, {"product_id": r.id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let protocol = post(
        "/api/v1/protocols",
        json!({"name": "Face", "indication": "acne_scars", "needle_min_mm": 1.0, "needle_max_mm": 2.0,
               "lines": [{"product_id": p.id, "quantity": 2}]}),
    )
    .await;
    let draft = post(
        "/api/v1/purchase-orders",
        json!({"supplier_id": supplier, "lines": [{"product_id": p.id, "packs": 1}]}),
    )
    .await;
    let sent = post(
        "/api/v1/purchase-orders",
        json!({"supplier_id": supplier, "lines": [{"product_id": r.id, "packs": 2}]}),
    )
    .await;
    let sent_id = sent["id"].as_i64().unwrap();
    let (s, v) = app
        .api_post(
            &token,
            &format!("/api/v1/purchase-orders/{sent_id}/send"),
            &json!({}),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    Clinic {
        token,
        product: p.id,
        roller: r.id,
        supplier,
        lot,
        session: session["id"].as_i64().unwrap(),
        protocol: protocol["id"].as_i64().unwrap(),
        draft_order: draft["id"].as_i64().unwrap(),
        sent_order: sent_id,
        sent_line: sent["lines"][0]["id"].as_i64().unwrap(),
        count_location,
    }
}

/// A JSON endpoint that takes a body.
pub struct BodyEndpoint {
    pub method: reqwest::Method,
    pub path: String,
    pub body: Value,
    /// Needs a fresh `Idempotency-Key` per request.
    pub keyed: bool,
}

/// Every JSON API endpoint that takes a body, with a valid body.
pub fn body_endpoints(c: &Clinic) -> Vec<BodyEndpoint> {
    use reqwest::Method;
    let e = |method: Method, path: String, body: Value| BodyEndpoint {
        method,
        path,
        body,
        keyed: false,
    };
    let (p, r, lot) = (c.product, c.roller, c.lot);
    let order_line = json!([{"product_id": p, "packs": 2, "pack_cost_cents": 1200}]);
    let protocol = json!({"name": "Scalp", "indication": "hair_loss", "needle_min_mm": 0.5,
        "needle_max_mm": 1.5, "addons": ["prp"], "notes": "n", "active": true,
        "lines": [{"product_id": p, "quantity": 1}]});
    vec![
        e(
            Method::POST,
            "/api/v1/sites".into(),
            json!({"code": "east", "name": "East"}),
        ),
        e(
            Method::POST,
            "/api/v1/locations".into(),
            json!({"site": "main", "code": "shelf9", "name": "Shelf 9"}),
        ),
        e(
            Method::POST,
            "/api/v1/products".into(),
            json!({"sku": "NEW-1", "name": "New", "category": "disposable",
            "unit": "each", "pack_size": 10, "gtin": null, "supplier_id": c.supplier, "unit_cost_cents": 5,
            "lead_time_days": 2, "min_level": 1, "max_level": 9, "max_per_session": 2,
            "use_within_days_of_opening": 30, "active": true}),
        ),
        e(
            Method::PATCH,
            format!("/api/v1/products/{p}"),
            json!({"name": "Gloves", "min_level": 60, "active": true}),
        ),
        e(
            Method::POST,
            "/api/v1/suppliers".into(),
            json!({"name": "Beta", "email": "b@beta.example", "lead_time_days": 4}),
        ),
        e(
            Method::POST,
            "/api/v1/receipts".into(),
            json!({"site": "main", "location": "store", "product_id": p,
            "lot": "G-2", "expiry": "2030-01-31", "quantity": 2, "quantity_in": "packs", "unit_cost_cents": 10,
            "received_at": "2026-01-05T10:00:00Z", "note": "n"}),
        ),
        e(
            Method::POST,
            "/api/v1/adjustments".into(),
            json!({"lot_id": lot, "site": "main", "location": "store",
            "delta": -1, "reason": "damaged", "note": "n"}),
        ),
        BodyEndpoint {
            method: Method::POST,
            path: "/api/v1/sessions".into(),
            body: json!({"site": "main", "client_ref": "C-2", "needle_length_mm": 1.5, "indication": "acne_scars",
                "performed_at": "2026-01-05T10:00:00Z", "addons": ["prp"], "side_effects": ["redness"],
                "side_effect_other": "o", "notes": "n",
                "lines": [{"product_id": p, "quantity": 1, "lot_id": lot}, {"product_id": r, "quantity": 1}]}),
            keyed: true,
        },
        e(
            Method::POST,
            format!("/api/v1/sessions/{}/void", c.session),
            json!({"reason": "wrong client"}),
        ),
        e(Method::POST, "/api/v1/protocols".into(), protocol.clone()),
        e(
            Method::PUT,
            format!("/api/v1/protocols/{}", c.protocol),
            protocol,
        ),
        e(
            Method::POST,
            "/api/v1/purchase-orders".into(),
            json!({"site": "main", "supplier_id": c.supplier,
            "note": "n", "lines": order_line.clone()}),
        ),
        e(
            Method::POST,
            "/api/v1/purchase-orders/from-reorder".into(),
            json!({"site": "main",
            "as_of": "2026-01-05", "window": 90, "product_ids": [p], "lines": [{"product_id": p, "packs": 1}]}),
        ),
        e(
            Method::PATCH,
            format!("/api/v1/purchase-orders/{}", c.draft_order),
            json!({"note": "n", "lines": order_line}),
        ),
        e(
            Method::POST,
            format!("/api/v1/purchase-orders/{}/send", c.draft_order),
            json!({"sent_on": "2026-01-05", "email_text": "Dear Alpha,\nplease deliver."}),
        ),
        e(
            Method::POST,
            format!("/api/v1/purchase-orders/{}/cancel", c.draft_order),
            json!({"reason": "not needed"}),
        ),
        e(
            Method::POST,
            format!("/api/v1/purchase-orders/{}/receive", c.sent_order),
            json!({"location": "store",
            "received_at": "2026-01-05T10:00:00Z", "note": "n", "lines": [{"line_id": c.sent_line,
            "lot": "R-9", "expiry": "2030-01-31", "quantity": 1, "quantity_in": "packs"}]}),
        ),
    ]
}

/// Every JSON API GET with its query parameters.
pub fn get_endpoints(c: &Clinic) -> Vec<(String, Vec<&'static str>)> {
    let page = ["limit", "offset"];
    let with_page = |mut v: Vec<&'static str>| {
        v.extend(page);
        v
    };
    vec![
        ("/api/v1/sites".into(), with_page(vec![])),
        ("/api/v1/locations".into(), with_page(vec!["site"])),
        (
            "/api/v1/products".into(),
            with_page(vec![
                "q",
                "category",
                "needle_length_mm",
                "supplier_id",
                "archived",
            ]),
        ),
        (format!("/api/v1/products/{}", c.product), vec![]),
        ("/api/v1/suppliers".into(), vec![]),
        (
            "/api/v1/stock".into(),
            with_page(vec![
                "site",
                "product_id",
                "category",
                "needle_length_mm",
                "q",
            ]),
        ),
        (format!("/api/v1/lots/{}", c.lot), vec![]),
        (
            "/api/v1/ledger".into(),
            with_page(vec![
                "site",
                "product_id",
                "lot_id",
                "lot",
                "location_id",
                "kind",
                "user",
                "from",
                "to",
            ]),
        ),
        (
            "/api/v1/sessions".into(),
            with_page(vec![
                "site",
                "from",
                "to",
                "client_ref",
                "lot_id",
                "practitioner",
                "indication",
                "voided",
            ]),
        ),
        (format!("/api/v1/sessions/{}", c.session), vec![]),
        ("/api/v1/protocols".into(), vec!["all"]),
        (format!("/api/v1/protocols/{}", c.protocol), vec![]),
        (
            "/api/v1/reports/reorder".into(),
            vec!["site", "as_of", "window"],
        ),
        (
            "/api/v1/reports/reorder.csv".into(),
            vec!["site", "as_of", "window"],
        ),
        (
            "/api/v1/reports/usage".into(),
            vec!["site", "from", "to", "product", "category"],
        ),
        (
            "/api/v1/reports/usage.csv".into(),
            vec!["site", "from", "to", "product", "category", "report"],
        ),
        (
            "/api/v1/purchase-orders".into(),
            with_page(vec!["site", "status", "supplier_id"]),
        ),
        (format!("/api/v1/purchase-orders/{}", c.draft_order), vec![]),
        ("/health".into(), vec![]),
    ]
}

/// Every route with an id in its path (API and pages): (method, path with `{}`).
pub fn id_routes() -> Vec<(reqwest::Method, &'static str)> {
    use reqwest::Method;
    vec![
        (Method::GET, "/api/v1/products/{}"),
        (Method::PATCH, "/api/v1/products/{}"),
        (Method::GET, "/api/v1/lots/{}"),
        (Method::GET, "/api/v1/sessions/{}"),
        (Method::POST, "/api/v1/sessions/{}/void"),
        (Method::GET, "/api/v1/protocols/{}"),
        (Method::PUT, "/api/v1/protocols/{}"),
        (Method::GET, "/api/v1/purchase-orders/{}"),
        (Method::PATCH, "/api/v1/purchase-orders/{}"),
        (Method::POST, "/api/v1/purchase-orders/{}/send"),
        (Method::POST, "/api/v1/purchase-orders/{}/email"),
        (Method::POST, "/api/v1/purchase-orders/{}/cancel"),
        (Method::POST, "/api/v1/purchase-orders/{}/receive"),
        (Method::GET, "/products/{}"),
        (Method::GET, "/products/{}/edit"),
        (Method::GET, "/suppliers/{}/edit"),
        (Method::GET, "/lots/{}"),
        (Method::GET, "/lots/{}/recall.csv"),
        (Method::GET, "/sessions/{}"),
        (Method::GET, "/sessions/{}/aftercare"),
        (Method::GET, "/protocols/{}"),
        (Method::GET, "/orders/{}"),
        (Method::GET, "/orders/{}/receive"),
        (Method::GET, "/counts/{}"),
        (Method::GET, "/counts/result/{}"),
        (Method::GET, "/clients/{}"),
    ]
}

/// The pages whose forms (POST and GET) the sweep collects and posts.
pub fn form_pages(c: &Clinic) -> Vec<String> {
    vec![
        "/".into(),
        "/stock".into(),
        "/products".into(),
        "/products/new".into(),
        format!("/products/{}", c.product),
        format!("/products/{}/edit", c.product),
        "/suppliers".into(),
        format!("/suppliers/{}/edit", c.supplier),
        "/receive".into(),
        format!("/lots/{}", c.lot),
        "/counts".into(),
        format!("/counts/{}", c.count_location),
        "/ledger".into(),
        "/recall".into(),
        "/sessions".into(),
        "/sessions/new".into(),
        format!("/sessions/{}", c.session),
        "/protocols".into(),
        "/protocols/new".into(),
        format!("/protocols/{}", c.protocol),
        "/orders".into(),
        format!("/orders/{}", c.draft_order),
        format!("/orders/{}/receive", c.sent_order),
        "/reports/reorder".into(),
        "/reports/usage".into(),
        "/admin/users".into(),
        "/admin/sites".into(),
        "/admin/settings".into(),
        "/admin/needle-ranges".into(),
        "/login".into(),
    ]
}

/// Form fields as posted.
pub type Fields = Vec<(String, String)>;

/// Form posts that htmx makes from the session and receive pages (not
/// `<form action>`): (page, action, fields).
pub fn htmx_posts(c: &Clinic) -> Vec<(&'static str, &'static str, Fields)> {
    let session = vec![
        ("site".to_string(), "main".to_string()),
        ("client_ref".into(), "C-3".into()),
        ("needle_length_mm".into(), "1.5".into()),
        ("product_id".into(), c.product.to_string()),
        ("quantity".into(), "1".into()),
    ];
    let receive = vec![
        (
            "gs1".to_string(),
            "(01)09506000134352(17)301231(10)ABC".to_string(),
        ),
        ("product_id".into(), c.product.to_string()),
        ("lot".into(), "G-3".into()),
        ("expiry".into(), "2030-12-31".into()),
        ("quantity".into(), "1".into()),
    ];
    vec![
        ("/sessions/new", "/sessions/new/lines", session.clone()),
        ("/sessions/new", "/sessions/hints", session),
        ("/receive", "/receive/preview", receive.clone()),
        ("/receive", "/receive/check", receive),
    ]
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Fp {
    #[diesel(sql_type = diesel::sql_types::Text)]
    fp: String,
}

/// Tables a refused request may still write: login sessions (flash, last
/// seen), tokens (last used), the audit log and login throttling counters;
/// and the usage report's daily digests, a cache the report's reads fill
/// (`clinic-stock check`, run by the tests, compares it with the tables).
fn bookkeeping(table: &str) -> bool {
    table.starts_with("__diesel")
        || table.starts_with("login_")
        || table.contains("audit")
        || table.contains("throttl")
        || table.contains("attempt")
        || table == "api_tokens"
        || table == "usage_days"
}

/// One query that reads every row of every table but the bookkeeping ones:
/// one result row `table=count:rows` per table.
fn fingerprint_sql(c: &mut db::DbConn) -> String {
    let backend = db::backend_of(c);
    let tables: Vec<String> = match backend {
        Backend::Sqlite => diesel::sql_query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        ),
        Backend::Postgres => diesel::sql_query(
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' ORDER BY table_name",
        ),
    }
    .load::<Name>(c)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .filter(|t| !bookkeeping(t))
    .collect();
    let parts: Vec<String> = tables
        .iter()
        .map(|t| match backend {
            Backend::Sqlite => {
                let cols: Vec<String> = diesel::sql_query(format!(
                    "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
                ))
                .load::<Name>(c)
                .unwrap()
                .into_iter()
                .map(|n| format!("quote(\"{}\")", n.name))
                .collect();
                format!(
                    "SELECT '{t}=' || count(*) || ':' || coalesce(group_concat(r, ';'), '') AS fp FROM \
                     (SELECT {} AS r FROM \"{t}\" ORDER BY 1)",
                    cols.join(" || ',' || ")
                )
            }
            Backend::Postgres => format!(
                "SELECT '{t}=' || count(*)::text || ':' || \
                 coalesce(md5(string_agg(x::text, ';' ORDER BY x::text)), '') AS fp FROM \"{t}\" x"
            ),
        })
        .collect();
    parts.join(" UNION ALL ")
}

/// Every row of every table but the bookkeeping ones, as one string.
pub async fn fingerprint(app: &TestApp) -> String {
    static SQL: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);
    app.with_conn(|c| {
        let sql = {
            let mut cached = SQL.lock().unwrap();
            cached.get_or_insert_with(|| fingerprint_sql(c)).clone()
        };
        diesel::sql_query(sql)
            .load::<Fp>(c)
            .unwrap()
            .into_iter()
            .map(|f| f.fp + "\n")
            .collect()
    })
    .await
}
