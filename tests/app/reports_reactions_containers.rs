//! Side effects in the usage report (issue 15, part 2) for sessions that
//! drew from an opened container: they count for the sealed lot the
//! container came from, once per session (issue 16: the lots are read from
//! the ledger's covering index and the container's parent settled apart).

use serde_json::json;

use crate::fixtures::{days, fixture_actor};
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::services::transfers;

#[tokio::test]
async fn sessions_from_an_opened_container_count_for_its_sealed_lot() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    let serum = app.product("SER-R").serum().use_within(7).create().await;
    let sealed = app.stock(&serum, "SEAL-1", days(200), "20").await;
    let store = app.location_id("store").await;
    let container = app
        .with_conn(move |c| {
            let actor = fixture_actor(c);
            let d = transfers::OpenDraft {
                lot_id: Some(sealed.to_string()),
                location_id: Some(store.to_string()),
                ..Default::default()
            };
            transfers::open_container(c, &actor, &d).unwrap().lot_id
        })
        .await;
    assert_ne!(container, sealed);
    // Two sessions from the container (one with redness, one with nothing);
    // the second takes it in two lines, still one session of the lot.
    for (effects, lines) in [(vec!["redness"], 1), (vec![], 2)] {
        let line = json!({"product_id": serum.id, "quantity": 1, "lot_id": container});
        let b = json!({"site": "main", "client_ref": "C-77", "needle_length_mm": 0.5,
            "lines": vec![line; lines], "side_effects": effects});
        let (s, v) = app.post_session(&admin, &new_key(), &b).await;
        assert_eq!(s, 201, "{v}");
    }

    let t = app.token_for(Role::Manager).await;
    let (s, v) = app.api_get(&t, "/api/v1/reports/usage?site=main").await;
    assert_eq!(s, 200, "{v}");
    let lots = v["side_effects"]["by_lot"].as_array().unwrap();
    assert_eq!(
        lots.len(),
        1,
        "one sealed lot, no entry for the container: {lots:?}"
    );
    let lot = &lots[0];
    assert_eq!(lot["lot_id"], sealed);
    assert_eq!(lot["lot"], "SEAL-1");
    assert_eq!(lot["product_id"], serum.id);
    assert_eq!(lot["sessions"], 2);
    assert_eq!(lot["sessions_with_reaction"], 1);
    assert_eq!(lot["by_effect"]["redness"], 1);
    assert_eq!(v["side_effects"]["total"]["sessions"], 2);
}
