//! Cursor pages (issue 13 step 6): `/api/v1/ledger`, `/sessions` and
//! `/audit` answer `next`, a link to the page after the last row (the same
//! filters, `cursor` set, `offset` dropped), null on the last page; `total`
//! stays. Walking the links gives every row once, in order, even when rows
//! are written between pages; a bad cursor is a 422 naming it.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

fn ids(v: &Value) -> Vec<i64> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

/// Follows `next` from `first` to the end: every id seen, and the totals.
async fn walk(app: &TestApp, token: &str, first: &str) -> (Vec<i64>, Vec<i64>) {
    let (mut seen, mut totals) = (Vec::new(), Vec::new());
    let mut path = first.to_string();
    for _ in 0..100 {
        let (s, v) = app.api_get(token, &path).await;
        assert_eq!(s, 200, "{path}: {v}");
        seen.extend(ids(&v));
        totals.push(v["total"].as_i64().unwrap());
        match v["next"].as_str() {
            Some(n) => {
                assert!(n.starts_with("/api/v1/"), "{n}");
                assert!(!n.contains("offset="), "{n}");
                path = n.to_string();
            }
            None => {
                assert_eq!(v["next"], Value::Null, "{v}");
                return (seen, totals);
            }
        }
    }
    panic!("more than 100 pages from {first}");
}

#[tokio::test]
async fn ledger_pages_by_cursor_keep_their_filters_and_skip_nothing() {
    let app = TestApp::new().await;
    let m = app.token_for(Role::Manager).await;
    let a = app.product("RL-A").roller(100).create().await;
    let b = app.product("RL-B").roller(100).create().await;
    for i in 0..5 {
        app.stock(&a, &format!("A{i}"), days(100), "1").await;
        app.stock(&b, &format!("B{i}"), days(100), "1").await;
    }
    let filter = format!("/api/v1/ledger?product_id={}", a.id);
    let (s, all) = app.api_get(&m, &format!("{filter}&limit=1000")).await;
    assert_eq!(s, 200);
    assert_eq!(all["next"], Value::Null, "one page holds them all");
    let every = ids(&all);
    assert_eq!(every.len(), 5);

    let (s, first) = app.api_get(&m, &format!("{filter}&limit=2")).await;
    assert_eq!(s, 200);
    let next = first["next"].as_str().unwrap();
    assert!(next.contains(&format!("product_id={}", a.id)), "{next}");
    assert!(next.contains("limit=2"), "{next}");

    // A row written between pages is newer: it does not shift the pages.
    let (seen, totals) = {
        let (mut seen, _) = (ids(&first), ());
        app.stock(&a, "A-late", days(100), "1").await;
        let (rest, totals) = walk(&app, &m, next).await;
        seen.extend(rest);
        (seen, totals)
    };
    assert_eq!(seen, every, "every row once, newest first");
    assert!(
        totals.iter().all(|t| *t == 6),
        "total counts every page: {totals:?}"
    );

    // An offset page also links on by cursor.
    let (s, v) = app.api_get(&m, &format!("{filter}&limit=2&offset=2")).await;
    assert_eq!(s, 200);
    assert_eq!(
        ids(&v),
        every[1..3].to_vec(),
        "offset counts from the newest (with A-late)"
    );
    assert!(v["next"].as_str().unwrap().contains("cursor="));
}

#[tokio::test]
async fn session_pages_order_by_time_then_id_across_equal_times() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Manager).await;
    let roller = app.product("RL-100").roller(100).create().await;
    app.stock(&roller, "R1", days(200), "20").await;
    let mut posted = Vec::new();
    // Two sessions share each time: the id breaks the tie.
    for (i, d) in [-3, -3, -2, -2, -1].iter().enumerate() {
        let mut b = body(&format!("C-{i}"), 1.0, &[(&roller, 1.0)]);
        b["performed_at"] = json!(format!("{}T10:00:00Z", days(*d)));
        let (s, v) = app.post_session(&t, &new_key(), &b).await;
        assert_eq!(s, 201, "{v}");
        posted.push(v["id"].as_i64().unwrap());
    }
    let (seen, totals) = walk(&app, &t, "/api/v1/sessions?limit=2").await;
    let expected = vec![posted[4], posted[3], posted[2], posted[1], posted[0]];
    assert_eq!(seen, expected);
    assert_eq!(totals, vec![5, 5, 5]);

    // With a filter, one per page.
    let (seen, _) = walk(&app, &t, "/api/v1/sessions?client_ref=C-1&limit=1").await;
    assert_eq!(seen, vec![posted[1]]);
}

#[tokio::test]
async fn audit_pages_by_cursor() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    for i in 0..7 {
        app.product(&format!("SR-{i}")).serum().create().await;
    }
    let (s, all) = app
        .api_get(&admin, "/api/v1/audit?entity=product&limit=1000")
        .await;
    assert_eq!(s, 200);
    let every = ids(&all);
    assert!(every.len() >= 7, "{all}");
    let (seen, totals) = walk(&app, &admin, "/api/v1/audit?entity=product&limit=3").await;
    assert_eq!(seen, every);
    assert!(totals.iter().all(|t| *t == every.len() as i64));
}

#[tokio::test]
async fn a_bad_cursor_is_a_422_naming_it_and_offset_with_cursor_too() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    for path in [
        "/api/v1/ledger?cursor=abc",
        "/api/v1/ledger?cursor=-5",
        "/api/v1/audit?cursor=1.5",
        "/api/v1/sessions?cursor=12",
        "/api/v1/sessions?cursor=20261301T000000.000000Z.4",
    ] {
        let (s, v) = app.api_get(&admin, path).await;
        assert_eq!(s, 422, "{path}: {v}");
        assert_eq!(v["error"]["field"], "cursor", "{path}: {v}");
    }
    let (s, v) = app
        .api_get(&admin, "/api/v1/ledger?cursor=5&offset=3")
        .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["field"], "offset");
    // An empty cursor is no cursor.
    let (s, v) = app.api_get(&admin, "/api/v1/ledger?cursor=").await;
    assert_eq!(s, 200, "{v}");
}
