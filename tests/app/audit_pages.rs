//! The audit log for people (issue 10): `/admin/audit` with filters and
//! pages, its CSV (no formulas), the product, lot, order and user pages
//! showing their own history to admins, and nobody else seeing any of it.

use serde_json::json;

use crate::fixtures::{days, fixture_actor};
use crate::support::*;
use clinic_stock::db::audit::NewAuditRow;
use clinic_stock::services::lots;

/// `n` filler rows straight into the log (for paging).
async fn filler(app: &TestApp, n: usize) {
    app.with_conn(move |c| {
        for i in 0..n {
            clinic_stock::db::audit::append(
                c,
                &NewAuditRow {
                    at: clinic_stock::db::now(),
                    actor_id: None,
                    actor_name: "filler",
                    action: "update",
                    entity: "settings",
                    entity_id: None,
                    summary: &format!("filler {i}"),
                    changes: "{}",
                    site_id: None,
                    client_address: None,
                },
            )
            .unwrap();
        }
    })
    .await;
}

fn csv_records(body: &str) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_reader(body.as_bytes());
    r.records().map(|x| x.unwrap()).collect()
}

#[tokio::test]
async fn the_audit_page_filters_pages_and_refuses_bad_filters() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let p = app.product("RL-150").roller(150).create().await;
    filler(&app, 60).await;

    let (status, doc) = app.page(&admin, "/admin/audit").await;
    assert_eq!(status, 200);
    assert!(texts(&doc, "nav a").iter().any(|t| t == "Audit"));
    // Every row so far: the product, the filler, the admin's creation and sign-in.
    let total: usize = text(&doc, "#audit-total")
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(total, 1 + 60 + 2);
    assert_eq!(count(&doc, "#audit tbody tr"), 50);
    assert_eq!(text(&doc, ".pager-pos"), "Page 1 of 2");
    let (_, doc2) = app.page(&admin, "/admin/audit?page=2").await;
    assert_eq!(count(&doc2, "#audit tbody tr"), 13);
    // Newest first: the first page starts with the newest row.
    assert_eq!(texts(&doc, "#audit tbody tr .summary")[0], "filler 59");

    let (status, doc) = app
        .page(
            &admin,
            &format!("/admin/audit?entity=product&entity_id={}", p.id),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#audit tbody tr"), 1);
    assert_eq!(text(&doc, "#audit tbody tr .action"), "create");
    assert_eq!(text(&doc, "#audit tbody tr .actor"), "fixture");
    assert_eq!(
        text(&doc, "#audit tbody tr .change[data-field=sku] .new"),
        "RL-150"
    );
    assert_eq!(
        text(&doc, "#audit tbody tr .change[data-field=sku] .old"),
        "—"
    );
    let link = Selector::parse("#audit tbody tr a.entity-id").unwrap();
    assert_eq!(
        doc.select(&link).next().unwrap().value().attr("href"),
        Some(format!("/products/{}", p.id).as_str())
    );
    // The CSV link keeps the filters.
    let csv_link = Selector::parse("#audit-csv").unwrap();
    let href = doc
        .select(&csv_link)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    assert_eq!(
        href,
        format!("/admin/audit.csv?entity=product&entity_id={}", p.id)
    );
    let (_, doc) = app
        .page(&admin, "/admin/audit?actor=filler&action=update")
        .await;
    assert_eq!(text(&doc, "#audit-total"), "60 rows");

    let (status, doc) = app.page(&admin, "/admin/audit?from=someday").await;
    assert_eq!(status, 422);
    assert!(
        text(&doc, "#audit-error").contains("from"),
        "{}",
        text(&doc, "#audit-error")
    );
    assert_eq!(count(&doc, "#audit tbody tr"), 0);
    let (status, _) = app.page(&admin, "/admin/audit?entity=spaceship").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn the_audit_csv_parses_and_carries_no_formulas() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    // A name typed at the login form lands in the log as the actor.
    let r = app
        .login_with(&app.client(), "=HYPERLINK(\"x\")", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    let p = app.product("RL-150").create().await;
    let r = admin.get(app.url("/admin/audit.csv")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = r.text().await.unwrap();
    let records = csv_records(&body);
    let stored = app
        .with_conn(|c| {
            use clinic_stock::db::schema::audit_log::dsl::*;
            use diesel::prelude::*;
            audit_log.count().get_result::<i64>(c).unwrap()
        })
        .await;
    assert_eq!(records.len() as i64, stored);
    let failed = records.iter().find(|r| &r[3] == "login_failed").unwrap();
    assert_eq!(&failed[2], "'=HYPERLINK(\"x\")");
    assert!(!body.lines().any(|l| l.starts_with('=')));
    let created = records
        .iter()
        .find(|r| &r[3] == "create" && &r[4] == "product")
        .unwrap();
    assert_eq!(&created[5], p.id.to_string().as_str());
    let changes: serde_json::Value = serde_json::from_str(&created[7]).unwrap();
    assert_eq!(changes["sku"], json!([null, "RL-150"]));
    // Filtered.
    let r = admin
        .get(app.url("/admin/audit.csv?action=login_failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv_records(&r.text().await.unwrap()).len(), 1);
    let r = admin
        .get(app.url("/admin/audit.csv?to=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn product_lot_order_and_user_pages_show_their_own_history_to_admins() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let manager = app.manager().await;
    let p = app.product("RL-150").roller(150).create().await;
    let other = app.product("GLV").create().await;
    let supplier = app.supplier("NeedleCo", None).await;
    let lot = app.stock(&p, "L1", days(100), "10").await;
    app.with_conn(move |c| {
        let a = fixture_actor(c);
        lots::set_quarantine(c, &a, lot, true).unwrap();
    })
    .await;
    let a = app.token_for(Role::Admin).await;
    let (s, _) = app
        .api_send(
            reqwest::Method::PATCH,
            &a,
            &format!("/api/v1/products/{}", p.id),
            &json!({"name": "Roller 1.5"}),
            None,
        )
        .await;
    assert_eq!(s, 200);

    let (status, doc) = app.page(&admin, &format!("/products/{}", p.id)).await;
    assert_eq!(status, 200);
    let actions = texts(&doc, "#audit-history tbody tr .summary");
    assert_eq!(
        actions,
        [
            "changed product RL-150",
            "created product RL-150 (Product RL-150)"
        ]
    );
    assert_eq!(
        text(
            &doc,
            "#audit-history tr[data-action=update] .change[data-field=name] .old"
        ),
        "Product RL-150"
    );
    assert_eq!(
        text(
            &doc,
            "#audit-history tr[data-action=update] .change[data-field=name] .new"
        ),
        "Roller 1.5"
    );
    // Only this product's rows.
    let (_, doc) = app.page(&admin, &format!("/products/{}", other.id)).await;
    assert_eq!(count(&doc, "#audit-history tbody tr"), 1);
    // Managers see the product page without the audit history.
    let (status, doc) = app.page(&manager, &format!("/products/{}", p.id)).await;
    assert_eq!(status, 200);
    assert_eq!(count(&doc, "#audit-history"), 0);

    let (status, doc) = app.page(&admin, &format!("/lots/{lot}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        texts(&doc, "#audit-history tbody tr .summary"),
        ["quarantined lot L1"]
    );
    let (_, doc) = app.page(&manager, &format!("/lots/{lot}")).await;
    assert_eq!(count(&doc, "#audit-history"), 0);

    let (s, po) = app
        .api_post(
            &a,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": supplier,
            "lines": [{"product_id": p.id, "packs": 2}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    let (status, doc) = app.page(&admin, &format!("/orders/{}", po["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(
        text(
            &doc,
            "#audit-history tr[data-action=create] .change[data-field=status] .new"
        ),
        "draft"
    );

    let maria = app.add_user("maria", Role::Manager).await;
    let maria_token = app
        .with_conn(|c| {
            clinic_stock::services::accounts::create_token(c, "maria", "scanner").unwrap()
        })
        .await;
    assert!(!maria_token.is_empty());
    let (status, doc) = app.page(&admin, &format!("/admin/users/{maria}")).await;
    assert_eq!(status, 200);
    assert_eq!(text(&doc, "#user-name"), "maria");
    assert_eq!(text(&doc, "#user-role"), "Manager");
    assert_eq!(text(&doc, "#user-status"), "active");
    assert_eq!(count(&doc, "#user-tokens tr[data-token]"), 1);
    assert_eq!(text(&doc, "#user-tokens tr[data-token] .status"), "active");
    assert_eq!(
        texts(&doc, "#audit-history tbody tr .summary"),
        ["created user maria (manager)"]
    );
    let (status, _) = app.page(&admin, "/admin/users/999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn practitioners_and_managers_get_403_on_the_audit_pages() {
    let app = TestApp::new().await;
    for role in [Role::Practitioner, Role::Manager] {
        let client = app.signed_in(role).await;
        for path in ["/admin/audit", "/admin/audit.csv", "/admin/users/1"] {
            let r = client.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), 403, "{role} {path}");
        }
        let (_, doc) = app.page(&client, "/").await;
        assert!(!texts(&doc, "nav a").iter().any(|t| t == "Audit"), "{role}");
    }
    let r = app
        .client()
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn an_admin_changes_a_role_on_the_user_page_and_it_is_audited() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let maria = app.add_user("maria", Role::Manager).await;
    let page = format!("/admin/users/{maria}");
    let (_, doc) = app.page(&admin, "/admin/users").await;
    let link = Selector::parse("tr[data-user=maria] a.user-link").unwrap();
    assert_eq!(
        doc.select(&link).next().unwrap().value().attr("href"),
        Some(page.as_str())
    );
    let r = app
        .post_form(
            &admin,
            &page,
            &format!("{page}/role"),
            &[("role", "practitioner"), ("site", "main")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, &page).await;
    assert_eq!(text(&doc, "#user-role"), "Practitioner");
    assert_eq!(text(&doc, "#user-site"), "main");
    assert_eq!(
        text(
            &doc,
            "#audit-history tr[data-action=role] .change[data-field=role] .old"
        ),
        "manager"
    );
    assert_eq!(
        text(
            &doc,
            "#audit-history tr[data-action=role] .change[data-field=site] .new"
        ),
        "main"
    );
    assert_eq!(role_rows(&app).await, 1);
    let (_, doc) = app.page(&admin, "/admin/audit?action=role").await;
    assert_eq!(text(&doc, "#audit tbody tr .address"), "127.0.0.1");
    // Refused: an unknown role, an unknown site, the admin's own role;
    // the same role again changes nothing. No row for any of them.
    for fields in [
        [("role", "owner"), ("site", "")],
        [("role", "manager"), ("site", "mars")],
        [("role", "practitioner"), ("site", "main")],
    ] {
        let r = app
            .post_form(&admin, &page, &format!("{page}/role"), &fields)
            .await;
        assert_eq!(r.status(), 303);
    }
    let me = app
        .with_conn(|c| {
            clinic_stock::db::users::by_username(c, "admin1")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let mine = format!("/admin/users/{me}");
    let (_, doc) = app.page(&admin, &mine).await;
    assert_eq!(count(&doc, "#role-form"), 0);
    let r = app
        .post_form(
            &admin,
            &page,
            &format!("{mine}/role"),
            &[("role", "manager"), ("site", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, &mine).await;
    assert_eq!(text(&doc, "#user-role"), "Admin");
    assert_eq!(role_rows(&app).await, 1);
}

async fn role_rows(app: &TestApp) -> i64 {
    app.with_conn(|c| {
        use clinic_stock::db::schema::audit_log::dsl::*;
        use diesel::prelude::*;
        audit_log
            .filter(action.eq("role"))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}
