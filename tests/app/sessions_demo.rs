//! The session part of the demo: protocols per indication and 90 days of
//! history recorded through the real service.

use crate::fixtures::{days, fixture_actor};
use crate::support::*;
use clinic_stock::auth::Actor;
use clinic_stock::domain::vocab::Role;
use clinic_stock::services::demo_sessions;

#[tokio::test]
async fn demo_sessions_load_protocols_and_90_days_of_history() {
    let app = TestApp::new().await;
    for (sku, needle) in [
        ("CT-050", 50),
        ("CT-075", 75),
        ("CT-100", 100),
        ("CT-150", 150),
        ("CT-200", 200),
    ] {
        let p = app.product(sku).cartridge(needle).create().await;
        app.receive(&p, &format!("{sku}-A"), days(200), "400").await;
    }
    let lido = app
        .product("AN-LIDO")
        .anesthetic()
        .max_per_session("5")
        .create()
        .await;
    app.receive(&lido, "L1", days(300), "3000").await;
    let serum = app.product("SR-HA").serum().create().await;
    app.receive(&serum, "S1", days(300), "1000").await;
    let spf = app.product("SPF-50").spf().create().await;
    app.receive(&spf, "P1", days(300), "2000").await;
    let gloves = app.product("GL-M").disposable().create().await;
    app.receive(&gloves, "G1", days(300), "2000").await;
    let nurse = app.add_user("anna", "practitioner").await;
    let nurse2 = app.add_user("ben", "practitioner").await;
    let loaded = app
        .with_conn(move |c| {
            let manager = fixture_actor(c);
            let actors: Vec<Actor> = [(nurse, "anna"), (nurse2, "ben")]
                .into_iter()
                .map(|(id, name)| Actor {
                    user_id: id,
                    username: name.into(),
                    role: Role::Practitioner,
                    site_id: None,
                })
                .collect();
            demo_sessions::load(c, &actors, &manager, days(0), 90).unwrap()
        })
        .await;
    assert_eq!(loaded.protocols, 9);
    assert!(loaded.sessions > 150, "{loaded:?}");
    assert!(loaded.voided > 0, "{loaded:?}");
    let t = app.token("manager").await;
    let (_, all) = app.api_get(&t, "/api/v1/sessions?limit=1").await;
    assert_eq!(all["total"].as_u64().unwrap() as usize, loaded.sessions);
    let (_, c) = app.api_get(&t, "/api/v1/sessions?client_ref=C-1001").await;
    assert!(
        c["total"].as_u64().unwrap() >= 2,
        "a course is several sessions: {c}"
    );
    let (_, p) = app.api_get(&t, "/api/v1/protocols").await;
    let hair = p["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["indication"] == "hair_loss")
        .unwrap();
    assert_eq!(hair["addons"], serde_json::json!(["minoxidil"]));
    app.assert_ledger_consistent().await;
}
