//! `clinic-stock export DIR` writes `follow-ups.csv` (API.md "Export"):
//! one row per follow-up with its session, day, effects, severity, note and
//! who recorded it; a formula-looking note is written inert.

use serde_json::json;

use crate::import_cli::cli;
use crate::reactions_world::session;
use crate::support::*;

#[tokio::test]
async fn the_export_holds_every_follow_up() {
    let app = TestApp::new().await;
    let admin = app.token_for(Role::Admin).await;
    let product = app.product("RL-150").roller(150).create().await;
    let lot = app
        .stock(&product, "L-1", crate::fixtures::days(200), "5")
        .await;
    let roller = product.id;
    let (s1, day) = session(&app, &admin, "main", roller, lot, 1.5, None, &["redness"]).await;
    let (s2, _) = session(&app, &admin, "main", roller, lot, 1.5, None, &[]).await;
    let mut ids = Vec::new();
    for (sid, body) in [
        (
            s1,
            json!({"observed_on": day, "side_effects": ["milia", "other"],
                   "side_effect_other": "itching", "severity": "moderate", "note": "=cheeks"}),
        ),
        (
            s2,
            json!({"observed_on": day, "side_effects": ["scabbing"], "severity": "mild"}),
        ),
    ] {
        let (s, v) = app
            .api_post(&admin, &format!("/api/v1/sessions/{sid}/follow-ups"), &body)
            .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_i64().unwrap());
    }
    let dir = std::env::temp_dir().join(format!(
        "cs-export-follow-ups-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let out = dir.to_string_lossy().into_owned();
    let (code, stdout, err) = cli(&app, &["export", &out]);
    assert_eq!(code, 0, "{stdout}{err}");
    let text = std::fs::read_to_string(dir.join("follow-ups.csv")).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let mut r = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "id",
            "session_id",
            "observed_on",
            "side_effects",
            "side_effect_other",
            "severity",
            "note",
            "user_id",
            "recorded_by",
            "created_at"
        ]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_eq!(rows[0][0], ids[0].to_string());
    assert_eq!(rows[0][1], s1.to_string());
    assert_eq!(rows[0][2], day);
    assert_eq!(rows[0][3], "milia,other");
    assert_eq!(rows[0][4], "itching");
    assert_eq!(rows[0][5], "moderate");
    assert_eq!(rows[0][6], "'=cheeks", "formula starters are written inert");
    assert_eq!(rows[0][8], "admin-api");
    assert!(rows[0][9].ends_with('Z'));
    assert_eq!(rows[1][0], ids[1].to_string());
    assert_eq!(rows[1][1], s2.to_string());
    assert_eq!(rows[1][3], "scabbing");
    assert_eq!(rows[1][4], "");
    assert_eq!(rows[1][6], "");
}
