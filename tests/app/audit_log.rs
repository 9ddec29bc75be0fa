//! The audit log (DOMAIN.md "Audit", issue 10): every change that is not a
//! ledger row writes exactly one row with who, what and the old and new
//! values, in the change's own transaction (a refused change writes none);
//! the database refuses UPDATE and DELETE on it; `GET /api/v1/audit`
//! filters it (admins only, bad filters 422). Sign-ins: `audit_signin`.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::{days, fixture_actor};
use crate::support::*;
use clinic_stock::db::audit::AuditRow;
use clinic_stock::services::{accounts, lots, settings, sites, tokens};

/// Every audit row, oldest first.
pub async fn rows(app: &TestApp) -> Vec<AuditRow> {
    app.with_conn(|c| {
        use clinic_stock::db::schema::audit_log::dsl::*;
        audit_log
            .select(AuditRow::as_select())
            .order(id.asc())
            .load(c)
            .unwrap()
    })
    .await
}

/// The rows after the first `n`.
pub async fn rows_after(app: &TestApp, n: usize) -> Vec<AuditRow> {
    rows(app).await.into_iter().skip(n).collect()
}

pub fn changes(r: &AuditRow) -> Value {
    serde_json::from_str(&r.changes).unwrap()
}

/// The one row of `action` on `entity` among `rows`.
fn only<'a>(rows: &'a [AuditRow], action: &str, entity: &str) -> &'a AuditRow {
    let found: Vec<&AuditRow> = rows
        .iter()
        .filter(|r| r.action == action && r.entity == entity)
        .collect();
    assert_eq!(found.len(), 1, "one {action} {entity} row in {rows:#?}");
    found[0]
}

#[tokio::test]
async fn the_database_refuses_to_update_or_delete_audit_rows() {
    let app = TestApp::new().await;
    app.product("GLV").create().await;
    let (update, delete, count) = app
        .with_conn(|c| {
            let update = diesel::sql_query("UPDATE audit_log SET summary = 'nothing'").execute(c);
            let delete = diesel::sql_query("DELETE FROM audit_log").execute(c);
            use clinic_stock::db::schema::audit_log::dsl::*;
            let n: i64 = audit_log.count().get_result(c).unwrap();
            (update, delete, n)
        })
        .await;
    let e = update.expect_err("UPDATE must be refused").to_string();
    assert!(e.contains("append-only"), "{e}");
    let e = delete.expect_err("DELETE must be refused").to_string();
    assert!(e.contains("append-only"), "{e}");
    assert_eq!(count, 1);
    let r = &rows(&app).await[0];
    assert_eq!(r.summary, "created product GLV (Product GLV)");
}

#[tokio::test]
async fn catalogue_changes_are_audited_with_old_and_new_values() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let (s, sup) = app
        .api_post(
            &m,
            "/api/v1/suppliers",
            &json!({"name": "DermaSupply", "lead_time_days": 7}),
        )
        .await;
    assert_eq!(s, 201, "{sup}");
    let product = json!({"sku": "RL-150", "name": "Roller 1.5 mm", "category": "roller",
        "unit": "each", "pack_size": 10, "needle_length_mm": 1.5, "unit_cost_cents": 450,
        "supplier_id": sup["id"], "active": true});
    let (s, p) = app.api_post(&m, "/api/v1/products", &product).await;
    assert_eq!(s, 201, "{p}");
    let pid = p["id"].as_i64().unwrap();
    let all = rows(&app).await;
    // The token's first use is audited too.
    assert_eq!(only(&all, "use", "token").actor_name, "manager-api");
    let s_row = only(&all, "create", "supplier");
    assert_eq!(s_row.actor_name, "manager-api");
    assert_eq!(
        changes(s_row),
        json!({"name": [null, "DermaSupply"], "lead_time_days": [null, 7]})
    );
    let created = only(&all, "create", "product");
    assert_eq!(created.entity_id.as_deref(), Some(pid.to_string().as_str()));
    let c = changes(created);
    assert_eq!(c["sku"], json!([null, "RL-150"]));
    assert_eq!(c["unit_cost"], json!([null, "4.50"]));
    assert_eq!(c["needle_length_mm"], json!([null, "1.5"]));

    // A price change: one row with the old and the new price, nothing else.
    let n = all.len();
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{pid}"),
            &json!({"unit_cost_cents": 480, "name": "Roller 1.5"}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 1, "{new:#?}");
    assert_eq!(
        (new[0].action.as_str(), new[0].entity.as_str()),
        ("update", "product")
    );
    // Changes over the network carry the client's address.
    assert_eq!(new[0].client_address.as_deref(), Some("127.0.0.1"));
    assert_eq!(
        changes(&new[0]),
        json!({"unit_cost": ["4.50", "4.80"], "name": ["Roller 1.5 mm", "Roller 1.5"]})
    );
    // Saving the same values again changes nothing and writes nothing.
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{pid}"),
            &json!({"unit_cost_cents": 480}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(rows(&app).await.len(), n + 1);

    // Refused changes write no row: a duplicate SKU, a bad field, a
    // practitioner, a supplier name taken.
    let (s, _) = app.api_post(&m, "/api/v1/products", &product).await;
    assert_eq!(s, 409);
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{pid}"),
            &json!({"pack_size": 10.0001}),
            None,
        )
        .await;
    assert_eq!(s, 422);
    let pr = app.token_for(Role::Practitioner).await;
    let before = rows(&app).await.len();
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &pr,
            &format!("/api/v1/products/{pid}"),
            &json!({"unit_cost_cents": 1}),
            None,
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .api_post(&m, "/api/v1/suppliers", &json!({"name": "DermaSupply"}))
        .await;
    assert_eq!(s, 409);
    let after = rows_after(&app, before).await;
    // Only the practitioner's token use is new.
    assert!(after.iter().all(|r| r.action == "use"), "{after:#?}");
}

/// A roller with a lot of 10, and a supplier: (app, product, supplier, lot).
async fn audited_clinic() -> (TestApp, clinic_stock::db::models::Product, i64, i64) {
    let app = TestApp::new().await;
    let p = app.product("RL-150").roller(150).create().await;
    let supplier = app.supplier("NeedleCo", Some(5)).await;
    let lot = app.stock(&p, "L1", days(200), "10").await;
    (app, p, supplier, lot)
}

#[tokio::test]
async fn quarantine_and_release_are_audited() {
    let (app, _, _, lot) = audited_clinic().await;
    let n = rows(&app).await.len();
    app.with_conn(move |c| {
        let a = fixture_actor(c);
        lots::set_quarantine(c, &a, lot, true).unwrap();
        // Quarantining again changes nothing: no row.
        lots::set_quarantine(c, &a, lot, true).unwrap();
        lots::set_quarantine(c, &a, lot, false).unwrap();
    })
    .await;
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 2, "{new:#?}");
    assert_eq!(new[0].action, "quarantine");
    assert_eq!(new[0].entity_id.as_deref(), Some(lot.to_string().as_str()));
    assert_eq!(changes(&new[0]), json!({"quarantined": [false, true]}));
    assert_eq!(new[1].action, "release");
    assert_eq!(changes(&new[1]), json!({"quarantined": [true, false]}));
}

#[tokio::test]
async fn protocols_are_audited() {
    let (app, p, _, _) = audited_clinic().await;
    let m = app.token_for(Role::Manager).await;
    let (s, proto) = app
        .api_post(&m, "/api/v1/protocols", &json!({"name": "Face", "indication": "acne_scars",
            "needle_min_mm": 1.0, "needle_max_mm": 2.0, "lines": [{"product_id": p.id, "quantity": 1}]}))
        .await;
    assert_eq!(s, 201, "{proto}");
    let (s, _) = app
        .api_send(
            reqwest::Method::PUT,
            &m,
            &format!("/api/v1/protocols/{}", proto["id"]),
            &json!({"name": "Face", "indication": "acne_scars", "needle_min_mm": 1.0,
                "needle_max_mm": 1.5, "lines": [{"product_id": p.id, "quantity": 2}]}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let all = rows(&app).await;
    assert_eq!(
        changes(only(&all, "create", "protocol"))["name"],
        json!([null, "Face"])
    );
    assert_eq!(
        changes(only(&all, "update", "protocol")),
        json!({"needle_max_mm": ["2", "1.5"], "lines": ["RL-150 1", "RL-150 2"]})
    );
}

#[tokio::test]
async fn orders_are_audited() {
    let (app, p, supplier, _) = audited_clinic().await;
    let m = app.token_for(Role::Manager).await;
    // An order: created, its lines changed, sent, received, and another cancelled.
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": supplier,
            "lines": [{"product_id": p.id, "packs": 2}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    let id = po["id"].as_i64().unwrap();
    let path = format!("/api/v1/purchase-orders/{id}");
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &path,
            &json!({"lines": [{"product_id": p.id, "packs": 3}]}),
            None,
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app.api_post(&m, &format!("{path}/send"), &json!({})).await;
    assert_eq!(s, 200);
    // Sending twice is refused and writes nothing.
    let before = rows(&app).await.len();
    let (s, _) = app.api_post(&m, &format!("{path}/send"), &json!({})).await;
    assert_eq!(s, 409);
    assert_eq!(rows(&app).await.len(), before);
    let (s, sent) = app.api_get(&m, &path).await;
    assert_eq!(s, 200);
    let line = sent["lines"][0]["id"].as_i64().unwrap();
    let (s, got) = app
        .api_post(
            &m,
            &format!("{path}/receive"),
            &json!({"lines": [{"line_id": line,
            "lot": "R9", "expiry": days(300).to_string(), "quantity": 10}]}),
        )
        .await;
    assert_eq!(s, 201, "{got}");
    let (s, other) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": supplier,
            "lines": [{"product_id": p.id, "packs": 1}]}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, _) = app
        .api_post(
            &m,
            &format!("/api/v1/purchase-orders/{}/cancel", other["id"]),
            &json!({"reason": "dup"}),
        )
        .await;
    assert_eq!(s, 200);

    let all = rows(&app).await;
    let order_rows: Vec<&AuditRow> = all
        .iter()
        .filter(|r| r.entity == "order" && r.entity_id.as_deref() == Some(&id.to_string()))
        .collect();
    let actions: Vec<&str> = order_rows.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "lines", "send", "receive"]);
    let site_main = app
        .with_conn(|c| {
            clinic_stock::db::sites::by_code(c, "main")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    assert!(order_rows.iter().all(|r| r.site_id == Some(site_main)));
    let c = changes(order_rows[0]);
    assert_eq!(c["status"], json!([null, "draft"]));
    assert_eq!(c["supplier"], json!([null, "NeedleCo"]));
    assert!(
        c["lines"][1]
            .as_str()
            .unwrap()
            .starts_with("RL-150 2 packs"),
        "{c}"
    );
    let c = changes(order_rows[1]);
    assert!(
        c["lines"][0]
            .as_str()
            .unwrap()
            .starts_with("RL-150 2 packs"),
        "{c}"
    );
    assert!(
        c["lines"][1]
            .as_str()
            .unwrap()
            .starts_with("RL-150 3 packs"),
        "{c}"
    );
    assert_eq!(changes(order_rows[2])["status"], json!(["draft", "sent"]));
    assert_eq!(changes(order_rows[3])["status"], json!(["sent", "partial"]));
    let cancel = only(&all, "cancel", "order");
    assert_eq!(changes(cancel)["status"], json!(["draft", "cancelled"]));
    assert_eq!(changes(cancel)["note"], json!([null, "Cancelled: dup"]));
}

#[tokio::test]
async fn users_tokens_settings_and_sites_are_audited() {
    let app = TestApp::new().await;
    let maria = app.add_user("maria", Role::Manager).await;
    let all = rows(&app).await;
    let created = only(&all, "create", "user");
    assert_eq!(created.actor_name, "(command line)");
    assert_eq!(created.actor_id, None);
    assert_eq!(changes(created)["role"], json!([null, "manager"]));
    let n = all.len();
    let token_id = app
        .with_conn(move |c| {
            let a = fixture_actor(c);
            let (tid, _) = tokens::create(
                c,
                &a,
                &tokens::NewToken {
                    username: "maria".into(),
                    name: "scanner".into(),
                    ..Default::default()
                },
            )
            .unwrap();
            tokens::revoke(c, &a, tid).unwrap();
            // Revoking twice changes nothing.
            tokens::revoke(c, &a, tid).unwrap();
            accounts::reset_password(c, &a, maria, "a new long password").unwrap();
            accounts::set_user_active(c, &a, maria, false).unwrap();
            accounts::set_user_active(c, &a, maria, true).unwrap();
            // Refused: too short a password; disabling oneself.
            assert!(accounts::reset_password(c, &a, maria, "short").is_err());
            assert!(accounts::set_user_active(c, &a, a.user_id, false).is_err());
            let draft = settings::SettingsDraft {
                clinic_name: "Skin Studio".into(),
                currency: "GBP".into(),
                expiring_window_days: "60".into(),
                safety_days: "14".into(),
                cover_days: "45".into(),
                ..Default::default()
            };
            settings::save(c, &a, &draft).unwrap();
            settings::save(c, &a, &draft).unwrap();
            let site = sites::SiteDraft {
                name: Some("North clinic".into()),
                time_zone: Some("Europe/London".into()),
                ..Default::default()
            };
            sites::create_site_with_store(c, &a, "north", &site).unwrap();
            let rename = sites::SiteDraft {
                name: Some("North".into()),
                ..Default::default()
            };
            sites::update(c, &a, "north", &rename).unwrap();
            tid
        })
        .await;
    let new = rows_after(&app, n).await;
    let got: Vec<(&str, &str)> = new
        .iter()
        .map(|r| (r.action.as_str(), r.entity.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("create", "token"),
            ("revoke", "token"),
            ("password_reset", "user"),
            ("disable", "user"),
            ("enable", "user"),
            ("update", "settings"),
            ("create", "site"),
            ("create", "location"),
            ("update", "site"),
        ]
    );
    assert!(new.iter().all(|r| r.actor_name == "fixture"));
    assert_eq!(new[0].entity_id, Some(token_id.to_string()));
    assert_eq!(changes(&new[0])["user"], json!([null, "maria"]));
    assert_eq!(changes(&new[1]), json!({"revoked": [false, true]}));
    // The password itself (or its hash) is never in the log.
    assert_eq!(changes(&new[2]), json!({"password": ["(old)", "(new)"]}));
    assert_eq!(changes(&new[3]), json!({"active": [true, false]}));
    assert_eq!(changes(&new[4]), json!({"active": [false, true]}));
    assert_eq!(
        changes(&new[5]),
        json!({"clinic_name": ["Our clinic", "Skin Studio"], "currency": ["EUR", "GBP"],
               "cover_days": [30, 45]})
    );
    assert_eq!(
        changes(&new[6])["time_zone"],
        json!([null, "Europe/London"])
    );
    assert_eq!(changes(&new[8]), json!({"name": ["North clinic", "North"]}));
    assert!(
        !rows(&app)
            .await
            .iter()
            .any(|r| r.changes.contains("argon2"))
    );
}

#[tokio::test]
async fn the_audit_api_filters_and_refuses_bad_filters() {
    let app = TestApp::new().await;
    let a = app.token_for(Role::Admin).await;
    let p1 = app.product("AAA").create().await;
    let p2 = app.product("BBB").create().await;
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &a,
            &format!("/api/v1/products/{}", p1.id),
            &json!({"name": "Renamed"}),
            None,
        )
        .await;
    assert_eq!(s, 200);

    let (s, all) = app.api_get(&a, "/api/v1/audit").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(all["total"], json!(rows(&app).await.len()));
    // Newest first.
    assert_eq!(all["items"][0]["action"], "update");
    let (s, p1_rows) = app
        .api_get(
            &a,
            &format!("/api/v1/audit?entity=product&entity_id={}", p1.id),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(p1_rows["total"], 2);
    let item = &p1_rows["items"][0];
    assert_eq!(item["actor"], "admin-api");
    assert_eq!(item["entity"], "product");
    assert_eq!(item["entity_id"], json!(p1.id.to_string()));
    assert_eq!(item["changes"], json!({"name": ["Product AAA", "Renamed"]}));
    assert!(item["at"].as_str().unwrap().ends_with('Z'));
    assert!(item["id"].is_i64());
    let (_, by_actor) = app.api_get(&a, "/api/v1/audit?actor=fixture").await;
    assert_eq!(by_actor["total"], 2);
    assert!(
        by_actor["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["action"] == "create")
    );
    let (_, by_action) = app
        .api_get(&a, "/api/v1/audit?entity=product&action=create")
        .await;
    let ids: Vec<&str> = by_action["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["entity_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [p2.id.to_string(), p1.id.to_string()]);
    let today = chrono::Utc::now().date_naive();
    let (_, dated) = app
        .api_get(&a, &format!("/api/v1/audit?from={}&to={}", today, today))
        .await;
    assert_eq!(dated["total"], all["total"]);
    let (_, old) = app.api_get(&a, "/api/v1/audit?to=2020-01-01").await;
    assert_eq!(old["total"], 0);
    let (_, paged) = app.api_get(&a, "/api/v1/audit?limit=1&offset=1").await;
    assert_eq!(paged["items"].as_array().unwrap().len(), 1);
    assert_eq!(paged["items"][0]["id"], all["items"][1]["id"]);

    for (query, field) in [
        ("entity=spaceship", "entity"),
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-05-02&to=2026-05-01", "to"),
        ("action=DROP%20TABLE", "action"),
        ("entity_id=a%01b", "entity_id"),
    ] {
        let (s, e) = app.api_get(&a, &format!("/api/v1/audit?{query}")).await;
        assert_eq!(s, 422, "{query}: {e}");
        assert_eq!(e["error"]["field"], field, "{query}: {e}");
    }
    for role in [Role::Practitioner, Role::Manager] {
        let t = app.token_for(role).await;
        let (s, e) = app.api_get(&t, "/api/v1/audit").await;
        assert_eq!(s, 403, "{role}: {e}");
    }
    let (s, _) = app.api_get("not-a-token", "/api/v1/audit").await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn an_import_run_is_audited_and_the_export_has_the_audit_log() {
    use crate::import_cli::{cli, file};
    let app = TestApp::new().await;
    app.supplier("Old Name Ltd", None).await;
    let csv = "name,email,lead_time_days\nAlpha,a@alpha.example,5\n=Evil,,\n";
    // A refused file writes nothing, the audit log included.
    let n = rows(&app).await.len();
    let (code, _, _) = cli(
        &app,
        &["import", "suppliers", &file("bad.csv", csv.as_bytes())],
    );
    assert_eq!(code, 1);
    assert_eq!(rows(&app).await.len(), n);
    let csv = "name,email,lead_time_days\nAlpha,a@alpha.example,5\nBeta,,3\n";
    let (code, out, err) = cli(
        &app,
        &["import", "suppliers", &file("s.csv", csv.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    // One row for the run, and each supplier's own row (its history).
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 3, "{new:#?}");
    let run = only(&new, "import", "import");
    assert_eq!(run.actor_name, "(command line)");
    assert!(
        run.summary.contains("suppliers from s.csv: 2 new"),
        "{}",
        run.summary
    );
    assert_eq!(changes(run).as_object().unwrap().len(), 2);
    let created: Vec<&str> = new
        .iter()
        .filter(|r| r.action == "create" && r.entity == "supplier")
        .map(|r| r.summary.as_str())
        .collect();
    assert_eq!(created, ["created supplier Alpha", "created supplier Beta"]);
    // Importing it again changes nothing and writes no row.
    let (code, _, _) = cli(
        &app,
        &["import", "suppliers", &file("s.csv", csv.as_bytes())],
    );
    assert_eq!(code, 0);
    assert_eq!(rows(&app).await.len(), n + 3);
    // A changed lead time: the run and the supplier, old and new values.
    let csv2 = "name,email,lead_time_days\nAlpha,a@alpha.example,9\nBeta,,3\n";
    let (code, out, err) = cli(
        &app,
        &["import", "suppliers", &file("s2.csv", csv2.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    let new = rows_after(&app, n + 3).await;
    assert_eq!(new.len(), 2, "{new:#?}");
    only(&new, "import", "import");
    let alpha = only(&new, "update", "supplier");
    assert_eq!(changes(alpha)["lead_time_days"], serde_json::json!([5, 9]));

    let dir = std::env::temp_dir().join(format!(
        "cs-audit-export-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap()
    ));
    let dir = dir.to_string_lossy().into_owned();
    let (code, out, err) = cli(&app, &["export", &dir]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(format!("{dir}/audit.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..6],
        ["id", "at", "actor", "action", "entity", "entity_id"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), rows(&app).await.len());
    assert!(
        records
            .iter()
            .any(|r| &r[3] == "import" && &r[2] == "(command line)")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 17.3: a price or name changed by an import updates the product and
/// is in the product's own history, old and new values.
#[tokio::test]
async fn a_price_changed_by_an_import_is_in_the_products_history() {
    use crate::import_cli::{cli, file};
    let app = TestApp::new().await;
    let header = "sku,name,category,unit,pack_size,needle_length_mm,gtin,supplier,unit_cost,min_level,max_level\n";
    let one = format!("{header}RL-15,Derma roller 1.5 mm,roller,each,10,1.5,,,4.20,20,60\n");
    let (code, out, err) = cli(
        &app,
        &["import", "products", &file("p.csv", one.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    let n = rows(&app).await.len();
    let created = rows(&app).await;
    let created = only(&created, "create", "product");
    let id = created.entity_id.clone().unwrap();

    let two = format!("{header}RL-15,Derma roller 1.5mm (blue),roller,each,10,1.5,,,4.65,20,60\n");
    let (code, out, err) = cli(
        &app,
        &["import", "products", &file("p2.csv", two.as_bytes())],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("1 updated"), "{out}");
    let new = rows_after(&app, n).await;
    assert_eq!(new.len(), 2, "the run and the product: {new:#?}");
    only(&new, "import", "import");
    let changed = only(&new, "update", "product");
    assert_eq!(changed.entity_id.as_deref(), Some(id.as_str()));
    let c = changes(changed);
    assert_eq!(c["unit_cost"], serde_json::json!(["4.20", "4.65"]), "{c}");
    assert_eq!(
        c["name"],
        serde_json::json!(["Derma roller 1.5 mm", "Derma roller 1.5mm (blue)"])
    );
    assert_eq!(c.as_object().unwrap().len(), 2, "only what changed: {c}");
    let (s, body) = app
        .api_get(
            &app.token_for(Role::Admin).await,
            &format!("/api/v1/audit?entity=product&entity_id={id}"),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["total"], 2, "{body}");
}
