//! The warnings a practitioner confirms (issue 15 part 4, first slice),
//! both backends: no needle device or more than one, no SPF line, a needle
//! outside the indication's usual range without a protocol, an anaesthetic
//! contact time above the product's maximum. They never block saving; the
//! API returns them and they are stored with the session.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;

fn codes(r: &Value) -> Vec<String> {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_api_saves_sessions_with_warnings_and_returns_them() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .max_contact(45)
        .create()
        .await;
    let spf = app.product("SPF-50").spf().create().await;
    app.stock(&roller, "R1", days(100), "10").await;
    app.stock(&lido, "L1", days(100), "30").await;
    app.stock(&spf, "S1", days(100), "50").await;
    let line =
        |p: &clinic_stock::db::models::Product, q: i64| json!({"product_id": p.id, "quantity": q});
    let cases = [
        // A usual session: no warning.
        (
            json!({"lines": [line(&roller, 1), line(&lido, 2), line(&spf, 1)]}),
            vec![],
        ),
        (
            json!({"lines": [line(&lido, 2), line(&spf, 1)]}),
            vec!["no_needle_device"],
        ),
        (
            json!({"lines": [line(&roller, 2), line(&spf, 1)]}),
            vec!["several_needle_devices"],
        ),
        (json!({"lines": [line(&roller, 1)]}), vec!["no_spf"]),
        // Fine lines are 0.5–1.0 mm; the session is 1.5 mm, no protocol.
        (
            json!({"indication": "fine_lines", "lines": [line(&roller, 1), line(&spf, 1)]}),
            vec!["needle_outside_indication"],
        ),
        (
            json!({"indication": "acne_scars", "lines": [line(&roller, 1), line(&spf, 1)]}),
            vec![],
        ),
        (
            json!({"anaesthetic_contact_minutes": 60,
                "lines": [line(&roller, 1), line(&lido, 2), line(&spf, 1)]}),
            vec!["anaesthetic_contact_over_max"],
        ),
    ];
    let before = app.session_rows().await.0;
    for (i, (extra, want)) in cases.into_iter().enumerate() {
        let mut b = json!({"site": "main", "client_ref": "C-4001", "needle_length_mm": 1.5});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        let (s, r) = app.post_session(&t, &new_key(), &b).await;
        assert_eq!(s, 201, "case {i}: {r}");
        assert_eq!(codes(&r), want, "case {i}: {r}");
        let (_, got) = app
            .api_get(&t, &format!("/api/v1/sessions/{}", r["id"]))
            .await;
        assert_eq!(got["warnings"], r["warnings"], "stored (case {i})");
    }
    assert_eq!(app.session_rows().await.0, before + 7, "nothing blocked");
    app.assert_ledger_consistent().await;
}
