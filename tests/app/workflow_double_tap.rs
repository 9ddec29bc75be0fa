//! Issue 14 item 1 under concurrency: a double tap (several identical
//! submits at once) on "Create purchase orders" drafts once, on both
//! backends (on PostgreSQL the site's row lock orders the requests).

use crate::support::*;
use crate::workflow_traps::{due_from_two_suppliers, form_fields, order_rows, submit};

#[tokio::test]
async fn a_double_tap_on_create_purchase_orders_drafts_once() {
    let app = TestApp::new().await;
    due_from_two_suppliers(&app).await;
    let m = app.manager().await;
    let (_, doc) = app.page(&m, "/reports/reorder").await;
    let fields = form_fields(&doc, "#reorder-form");
    let posts = (0..4).map(|_| submit(&app, &m, "/reports/reorder/orders", &fields));
    for r in futures_util::future::join_all(posts).await {
        assert_eq!(r.status(), 303);
    }
    assert_eq!(
        order_rows(&app).await,
        (2, 3),
        "one draft per supplier, once"
    );
}
