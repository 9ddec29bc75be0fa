//! The receipt pages and correcting a mistyped delivery (issue 14 item
//! 10): compensating ledger rows with a reason, audited, the order line
//! following; refusals at the field with nothing written. And an admin
//! cannot take away the last active administrator.

use serde_json::json;

use crate::audit_log::{changes, rows};
use crate::fixtures::{days, fixture_actor};
use crate::support::*;
use clinic_stock::db;
use clinic_stock::domain::access::Actor;
use clinic_stock::domain::vocab::Role;
use clinic_stock::error::{ErrorCode, ServiceError};
use clinic_stock::services::{accounts, adjustments, users};

async fn correct(
    app: &TestApp,
    client: &reqwest::Client,
    id: i64,
    quantity: &str,
    reason: &str,
) -> (u16, scraper::Html) {
    let page = format!("/receipts/{id}");
    let r = app
        .post_form(
            client,
            &page,
            &format!("{page}/correct"),
            &[("quantity", quantity), ("reason", reason)],
        )
        .await;
    let status = r.status().as_u16();
    if status == 303 {
        return app.follow(client, r).await;
    }
    (
        status,
        scraper::Html::parse_document(&r.text().await.unwrap()),
    )
}

#[tokio::test]
async fn a_mistyped_delivery_is_corrected_with_compensating_rows_and_a_reason() {
    let app = TestApp::new().await;
    let p = app.product("AN-LIDO").anesthetic().create().await;
    let (receipt, lot) = app
        .receive_costed(&p, "L-7", days(300), "100", "0.50")
        .await;
    let client = app.manager().await;

    let (status, list) = app.page(&client, "/receipts").await;
    assert_eq!(status, 200);
    let row = format!("#receipts tr[data-receipt=\"{receipt}\"]");
    assert_eq!(text(&list, &format!("{row} .lot")), "L-7");
    assert_eq!(text(&list, &format!("{row} .qty")), "100 g");

    let (status, page) = app.page(&client, &format!("/receipts/{receipt}")).await;
    assert_eq!(status, 200);
    assert_eq!(text(&page, "#receipt-user"), "fixture");
    assert_eq!(text(&page, "#receipt-where"), "main / store");
    assert_eq!(text(&page, "#receipt-lines .received"), "100 g");
    assert_eq!(count(&page, "#corrections-none"), 1);
    assert_eq!(
        input_value(&page.html(), "quantity").as_deref(),
        Some("100")
    );

    // Refusals: at the field, nothing written.
    let (ledger_before, audit_before) = (app.ledger().await.len(), rows(&app).await.len());
    for (qty, reason, field) in [
        ("10", "", "reason"),
        ("ten", "typed 100", "quantity"),
        ("100", "typed 100", "quantity"),
        ("-5", "typed 100", "quantity"),
    ] {
        let (s, doc) = correct(&app, &client, receipt, qty, reason).await;
        assert_eq!(s, 422, "{qty:?} {reason:?}");
        assert_eq!(count(&doc, "#correct-error"), 1);
        assert_eq!(
            count(&doc, &format!("small.field-error[data-field={field}]")),
            1,
            "{qty:?} {reason:?}"
        );
        assert_eq!(input_value(&doc.html(), "quantity").as_deref(), Some(qty));
    }
    assert_eq!(app.ledger().await.len(), ledger_before);
    assert_eq!(rows(&app).await.len(), audit_before);

    let (s, page) = correct(&app, &client, receipt, "10", "typed 100 instead of 10").await;
    assert_eq!(s, 200);
    assert!(
        crate::movements_fixtures::flash(&page).contains("from 100 g to 10 g"),
        "{}",
        crate::movements_fixtures::flash(&page)
    );
    assert_eq!(app.balance(lot, "store").await, 10_000);
    let ledger = app.ledger().await;
    assert_eq!(ledger.len(), ledger_before + 1);
    // The receive row is untouched; a compensating row carries the receipt.
    let received = ledger.iter().find(|r| r.kind.code() == "receive").unwrap();
    assert_eq!(received.delta, 100_000);
    let fix = ledger.last().unwrap();
    assert_eq!(fix.kind.code(), "adjust");
    assert_eq!(fix.delta, -90_000);
    assert_eq!(fix.reason.as_deref(), Some("receipt_correction"));
    assert_eq!(fix.note.as_deref(), Some("typed 100 instead of 10"));
    assert_eq!(fix.receipt_id, Some(receipt));
    let audit = rows(&app).await;
    let a = audit.iter().find(|r| r.action == "correct").unwrap();
    assert_eq!(a.entity, "receipt");
    assert_eq!(a.entity_id.as_deref(), Some(receipt.to_string().as_str()));
    assert_eq!(changes(a)["quantity"], json!(["100", "10"]));
    assert_eq!(
        changes(a)["reason"],
        json!([null, "typed 100 instead of 10"])
    );
    // The page shows the history and the quantity now.
    assert_eq!(text(&page, "#receipt-lines .received"), "100 g");
    assert_eq!(text(&page, "#receipt-lines .now"), "10 g");
    assert_eq!(text(&page, "#correction-history .change"), "-90 g");
    assert_eq!(
        text(&page, "#correction-history .reason"),
        "typed 100 instead of 10"
    );
    let (_, list) = app.page(&client, "/receipts").await;
    assert_eq!(text(&list, &format!("{row} .qty")), "10 g");

    // 8 g are used up: the receipt cannot go below 8 (the lot would go negative).
    let lot_s = lot.to_string();
    let loc = app.location_id("store").await.to_string();
    app.with_conn(move |c| {
        let actor = fixture_actor(c);
        adjustments::adjust(
            c,
            &actor,
            &adjustments::AdjustDraft {
                lot_id: Some(lot_s),
                location_id: Some(loc),
                delta: Some("-8".into()),
                reason: Some("waste".into()),
                ..Default::default()
            },
        )
        .unwrap();
    })
    .await;
    let (ledger_before, audit_before) = (app.ledger().await.len(), rows(&app).await.len());
    let (s, doc) = correct(&app, &client, receipt, "0", "never came").await;
    assert_eq!(s, 422);
    let msg = text(&doc, "small.field-error[data-field=quantity]");
    assert!(
        msg.contains("only 2 g of lot L-7 are left at store"),
        "{msg}"
    );
    assert!(msg.contains("can go down to 8 at most"), "{msg}");
    assert_eq!(app.ledger().await.len(), ledger_before);
    assert_eq!(rows(&app).await.len(), audit_before);
    assert_eq!(app.balance(lot, "store").await, 2_000);

    // Down to 8 (removing what is left) works.
    let (s, page) = correct(&app, &client, receipt, "8", "2 g were never delivered").await;
    assert_eq!(s, 200);
    assert_eq!(app.balance(lot, "store").await, 0);
    assert_eq!(count(&page, "#correction-history tbody tr"), 2);
    app.assert_ledger_consistent().await;

    // Practitioners do not see receipts.
    let pia = app.practitioner().await;
    let (s, _) = app.page(&pia, &format!("/receipts/{receipt}")).await;
    assert_eq!(s, 403);
}

#[tokio::test]
async fn correcting_a_delivery_against_an_order_moves_the_order_line_and_status() {
    let app = TestApp::new().await;
    let sup = app.supplier("Alpha Medical", Some(5)).await;
    let p = app
        .product("CT-050")
        .cartridge(50)
        .pack("1")
        .supplier(sup)
        .create()
        .await;
    let order = app.order(sup, &p, "10", true).await;
    let pid = p.id.to_string();
    let receipt = app
        .with_conn(move |c| {
            let actor = fixture_actor(c);
            let d = clinic_stock::services::orders::receive::OrderReceiptDraft {
                location: Some("store".into()),
                lines: vec![clinic_stock::services::orders::receive::ReceiveLineDraft {
                    product_id: Some(pid),
                    lot: Some("C-1".into()),
                    expiry: Some(days(300).to_string()),
                    quantity: Some("10".into()),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let (view, got) = clinic_stock::services::orders::receive::receive(
                c,
                &actor,
                order,
                &d,
                &clinic_stock::services::orders::api_line_field,
            )
            .unwrap();
            assert_eq!(view.order.status.code(), "received");
            got[0].receipt_id
        })
        .await;
    let client = app.manager().await;
    let (_, page) = app.page(&client, &format!("/receipts/{receipt}")).await;
    assert_eq!(
        text(&page, "#receipt-order"),
        clinic_stock::services::orders::order_number(order)
    );
    // More than ordered is refused at the field.
    let (s, doc) = correct(&app, &client, receipt, "12", "two more").await;
    assert_eq!(s, 422);
    assert!(text(&doc, "small.field-error[data-field=quantity]").contains("more than was ordered"));

    let (s, _) = correct(&app, &client, receipt, "6", "only 6 came").await;
    assert_eq!(s, 200);
    let (status, received) = app
        .with_conn(move |c| {
            use diesel::prelude::*;
            let o = db::orders::by_id(c, order).unwrap().unwrap();
            let l = db::orders::lines_of(c, order).unwrap();
            let _ = db::schema::purchase_orders::table
                .count()
                .get_result::<i64>(c);
            (o.status, l[0].received_quantity)
        })
        .await;
    assert_eq!(status.code(), "partial");
    assert_eq!(received, 6_000);
    let (_, doc) = app.page(&client, &format!("/products/{}", p.id)).await;
    assert_eq!(text(&doc, "#total-on-order"), "4");
    app.assert_ledger_consistent().await;
}

fn admin_actor(user_id: i64) -> Actor {
    Actor {
        user_id,
        username: "someone".into(),
        role: Role::Admin,
        site_id: None,
        address: None,
    }
}

#[tokio::test]
async fn admins_change_a_users_role_and_site_but_never_remove_the_last_admin() {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let pia = app.add_user("pia", Role::Practitioner).await;
    let second = app.add_user("second", Role::Admin).await;

    // A practitioner becomes a manager of site main: audited.
    let page = format!("/admin/users/{pia}");
    let r = app
        .post_form(
            &admin,
            &page,
            &format!("{page}/role"),
            &[("role", "manager"), ("site", "main")],
        )
        .await;
    let (_, doc) = app.follow(&admin, r).await;
    assert_eq!(text(&doc, "#user-role"), "Manager");
    let u = app
        .with_conn(move |c| db::users::by_id(c, pia).unwrap().unwrap())
        .await;
    assert_eq!(u.role.code(), "manager");
    assert!(u.site_id.is_some());
    let audit = rows(&app).await;
    let a = audit.iter().rev().find(|r| r.action == "role").unwrap();
    assert_eq!(changes(a)["role"], json!(["practitioner", "manager"]));
    assert_eq!(changes(a)["site"], json!([null, "main"]));

    // With two other admins, one may be demoted; the last one may not
    // (neither demoted nor disabled), whoever asks.
    let (admin1, second_id) = (
        app.with_conn(|c| db::users::by_username(c, "admin1").unwrap().unwrap().id)
            .await,
        second,
    );
    app.with_conn(move |c| {
        let actor = admin_actor(admin1);
        let demote = users::RoleDraft {
            role: "manager".into(),
            site: String::new(),
        };
        users::set_role(c, &actor, second_id, &demote).unwrap();
        // Any other admin (the fixtures' own) steps down too.
        for u in db::users::list(c).unwrap() {
            if u.role.code() == "admin" && u.id != admin1 {
                users::set_role(c, &actor, u.id, &demote).unwrap();
            }
        }
        // admin1 is now the only active admin: nobody can demote or disable them.
        let other = admin_actor(second_id);
        let e = users::set_role(c, &other, admin1, &demote).unwrap_err();
        assert!(
            matches!(
                e,
                ServiceError::Conflict {
                    code: ErrorCode::LastAdmin,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = accounts::set_user_active(c, &other, admin1, false).unwrap_err();
        assert!(
            matches!(
                e,
                ServiceError::Conflict {
                    code: ErrorCode::LastAdmin,
                    ..
                }
            ),
            "{e:?}"
        );
        let me = db::users::by_id(c, admin1).unwrap().unwrap();
        assert_eq!((me.role.code(), me.active), ("admin", true));
    })
    .await;
}
