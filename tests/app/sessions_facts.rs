//! The session's facts (issue 15 part 3), both backends: treatment areas
//! (an admin list), duration and the topical anaesthetic's time, through
//! the API and the form; shown on the session page, the after-care sheet,
//! the usage report and the export; bad input is a field error and nothing
//! is written.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::import_cli::cli;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::db::models::Product;
use clinic_stock::db::schema::{session_areas, treatment_sessions};

/// A roller, an anaesthetic (max 45 min contact) and an SPF, in stock.
async fn stocked(app: &TestApp) -> (Product, Product, Product) {
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
    (roller, lido, spf)
}

fn session(roller: &Product, lido: &Product, spf: &Product, extra: Value) -> Value {
    let mut b = json!({
        "site": "main",
        "client_ref": "C-3001",
        "needle_length_mm": 1.5,
        "lines": [
            {"product_id": roller.id, "quantity": 1},
            {"product_id": lido.id, "quantity": 2},
            {"product_id": spf.id, "quantity": 1},
        ],
    });
    for (k, v) in extra.as_object().unwrap() {
        b[k] = v.clone();
    }
    b
}

/// (area codes, duration, contact minutes) of a stored session.
async fn stored(app: &TestApp, id: i64) -> (Vec<String>, Option<i32>, Option<i32>) {
    app.with_conn(move |c| {
        use clinic_stock::db::schema::treatment_areas;
        let codes = session_areas::table
            .inner_join(treatment_areas::table)
            .filter(session_areas::session_id.eq(id))
            .select(treatment_areas::code)
            .order(treatment_areas::position)
            .load::<String>(c)
            .unwrap();
        let (d, m) = treatment_sessions::table
            .find(id)
            .select((
                treatment_sessions::duration_minutes,
                treatment_sessions::anaesthetic_contact_minutes,
            ))
            .first::<(Option<i32>, Option<i32>)>(c)
            .unwrap();
        (codes, d, m)
    })
    .await
}

async fn area_rows(app: &TestApp) -> i64 {
    app.with_conn(|c| session_areas::table.count().get_result(c).unwrap())
        .await
}

#[tokio::test]
async fn the_api_records_areas_duration_and_anaesthetic_time() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let (roller, lido, spf) = stocked(&app).await;
    // Areas by code, by name (case and accents ignored) and by id (Neck is 2).
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &session(
                &roller,
                &lido,
                &spf,
                json!({"areas": ["face", "DECOLLETAGE", 2], "duration_minutes": 35,
                    "anaesthetic_applied_at": "2026-01-01T00:00:00Z", "anaesthetic_contact_minutes": 30}),
            ),
        )
        .await;
    // Applied a day or more before the session: refused at the field.
    assert_eq!(s, 422, "{r}");
    assert_eq!(r["error"]["field"], "anaesthetic_applied_at", "{r}");
    let applied = (chrono::Utc::now() - chrono::Duration::minutes(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &session(
                &roller,
                &lido,
                &spf,
                json!({"areas": ["face", "DECOLLETAGE", 2], "duration_minutes": 35,
                    "anaesthetic_applied_at": applied, "anaesthetic_contact_minutes": 30}),
            ),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let names: Vec<&str> = r["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Face", "Neck", "Décolletage"]);
    assert_eq!(r["areas"][0]["code"], "face");
    assert_eq!(r["duration_minutes"], json!(35));
    assert_eq!(r["anaesthetic_contact_minutes"], json!(30));
    assert_eq!(r["anaesthetic_applied_at"], json!(applied));
    let id = r["id"].as_i64().unwrap();
    let (_, got) = app.api_get(&t, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(got["areas"], r["areas"]);
    assert_eq!(got["duration_minutes"], json!(35));
    assert_eq!(got["anaesthetic_applied_at"], json!(applied));
    assert_eq!(
        stored(&app, id).await,
        (
            vec!["face".into(), "neck".into(), "decolletage".into()],
            Some(35),
            Some(30)
        )
    );
    // Without any of them: nothing stored, nulls and [] returned.
    let (s, r) = app
        .post_session(&t, &new_key(), &session(&roller, &lido, &spf, json!({})))
        .await;
    assert_eq!(s, 201, "{r}");
    assert_eq!(r["areas"], json!([]));
    assert_eq!(r["duration_minutes"], Value::Null);
    assert_eq!(r["anaesthetic_applied_at"], Value::Null);
    assert_eq!(area_rows(&app).await, 3);
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn bad_facts_are_field_errors_and_nothing_is_written() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let (roller, lido, spf) = stocked(&app).await;
    let before = (app.ledger_rows().await, app.session_rows().await);
    let cases = [
        (
            json!({"areas": ["face", "elbow"]}),
            "areas",
            "unknown area 'elbow'",
        ),
        (json!({"areas": [99]}), "areas", "unknown area '99'"),
        (
            json!({"areas": [{"x": 1}]}),
            "areas",
            "area ids, codes or names",
        ),
        (
            json!({"duration_minutes": 0}),
            "duration_minutes",
            "at least 1",
        ),
        (
            json!({"duration_minutes": 481}),
            "duration_minutes",
            "at most 480",
        ),
        (
            json!({"duration_minutes": "half an hour"}),
            "duration_minutes",
            "whole number",
        ),
        (
            json!({"anaesthetic_contact_minutes": -5}),
            "anaesthetic_contact_minutes",
            "negative",
        ),
        (
            json!({"anaesthetic_contact_minutes": 1441}),
            "anaesthetic_contact_minutes",
            "a day",
        ),
        (
            json!({"anaesthetic_applied_at": "2100-01-01T10:00:00Z"}),
            "anaesthetic_applied_at",
            "future",
        ),
        (
            json!({"anaesthetic_applied_at": "soon"}),
            "anaesthetic_applied_at",
            "",
        ),
    ];
    for (extra, field, says) in cases {
        let (s, r) = app
            .post_session(
                &t,
                &new_key(),
                &session(&roller, &lido, &spf, extra.clone()),
            )
            .await;
        assert_eq!(s, 422, "{extra}: {r}");
        assert_eq!(r["error"]["field"], field, "{extra}: {r}");
        let msg = r["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(msg.contains(says), "{extra}: {msg}");
    }
    // A retired area is refused for new sessions.
    let admin = app.admin().await;
    let resp = app
        .post_form(&admin, "/admin/areas", "/admin/areas/6/retire", &[])
        .await;
    assert_eq!(resp.status(), 303);
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &session(&roller, &lido, &spf, json!({"areas": ["body"]})),
        )
        .await;
    assert_eq!(
        (s, r["error"]["field"].as_str()),
        (422, Some("areas")),
        "{r}"
    );
    assert!(r["error"]["message"].as_str().unwrap().contains("retired"));
    assert_eq!(
        (app.ledger_rows().await, app.session_rows().await),
        before,
        "nothing written"
    );
    assert_eq!(area_rows(&app).await, 0);
}

async fn form_fields(app: &TestApp, client: &reqwest::Client) -> (String, String) {
    let html = client
        .get(app.url("/sessions/new"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (
        input_value(&html, "csrf").unwrap(),
        input_value(&html, "key").unwrap(),
    )
}

#[tokio::test]
async fn the_form_saves_the_facts_and_the_pages_show_them() {
    let app = TestApp::new().await;
    let (roller, lido, spf) = stocked(&app).await;
    let client = app.practitioner().await;
    let (_, doc) = app.page(&client, "/sessions/new").await;
    let offered = texts(&doc, "#session-areas label");
    assert_eq!(
        offered,
        vec!["Face", "Neck", "Décolletage", "Scalp", "Hands", "Body"]
    );
    let (csrf, key) = form_fields(&app, &client).await;
    let (r, l, sp) = (
        roller.id.to_string(),
        lido.id.to_string(),
        spf.id.to_string(),
    );
    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("client_ref", "C-3002"),
        ("needle_length_mm", "1.5"),
        ("areas", "1"),
        ("areas", "2"),
        ("duration_minutes", "500"),
        ("anaesthetic_applied_at", "00:00"),
        ("anaesthetic_contact_minutes", "30"),
        ("product_id", r.as_str()),
        ("quantity", "1"),
        ("product_id", l.as_str()),
        ("quantity", "2"),
        ("product_id", sp.as_str()),
        ("quantity", "1"),
        ("confirm_warnings", "all"),
        ("action", "save"),
    ];
    // 500 minutes: 422 at the field, what was typed kept, nothing saved.
    let resp = client
        .post(app.url("/sessions/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let doc = scraper::Html::parse_document(&resp.text().await.unwrap());
    assert_eq!(
        count(&doc, "input[name=duration_minutes][aria-invalid=true]"),
        1
    );
    assert!(text(&doc, "[data-field=duration_minutes]").contains("at most 480"));
    assert_eq!(count(&doc, "input[name=areas][checked]"), 2);
    assert_eq!(app.session_rows().await, (0, 0));
    fields[6] = ("duration_minutes", "35");
    let resp = client
        .post(app.url("/sessions/new"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    let path = resp.headers()["location"].to_str().unwrap().to_string();
    let id: i64 = path.trim_start_matches("/sessions/").parse().unwrap();
    let (codes, duration, contact) = stored(&app, id).await;
    assert_eq!(
        (codes, duration, contact),
        (vec!["face".into(), "neck".into()], Some(35), Some(30))
    );
    let (s, doc) = app.page(&client, &path).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#session-areas"), "Face, Neck");
    assert_eq!(text(&doc, "#session-duration"), "35 min");
    let shown = text(&doc, "#session-anaesthetic");
    assert!(
        shown.starts_with("applied ") && shown.ends_with("30 min contact"),
        "{shown}"
    );
    let (_, doc) = app.page(&client, &format!("{path}/aftercare")).await;
    assert_eq!(text(&doc, "#treated-areas .areas"), "Face, Neck");
    app.assert_ledger_consistent().await;
}

#[tokio::test]
async fn admins_add_rename_and_retire_areas_with_audit() {
    let app = TestApp::new().await;
    let practitioner = app.practitioner().await;
    let (s, _) = app.page(&practitioner, "/admin/areas").await;
    assert_eq!(s, 403);
    let admin = app.admin().await;
    let add = |name: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            app.post_form(admin, "/admin/areas", "/admin/areas", &[("name", name)])
                .await
        }
    };
    assert_eq!(add("Upper  arms").await.status(), 303);
    let resp = add("upper arms").await;
    assert_eq!(resp.status(), 422, "a name like an existing one");
    let doc = scraper::Html::parse_document(&resp.text().await.unwrap());
    assert!(text(&doc, "#add-area [data-field=name]").contains("already"));
    assert_eq!(add("").await.status(), 422);
    let (_, doc) = app.page(&admin, "/admin/areas").await;
    assert_eq!(text(&doc, "tr[data-area=upper_arms] .name"), "Upper arms");
    let id: i64 = doc
        .select(&scraper::Selector::parse("tr[data-area=upper_arms]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("data-id")
        .unwrap()
        .parse()
        .unwrap();

    // A session names it; then it is renamed and retired.
    let t = app.token_for(Role::Practitioner).await;
    let (roller, lido, spf) = stocked(&app).await;
    let (s, r) = app
        .post_session(
            &t,
            &new_key(),
            &session(&roller, &lido, &spf, json!({"areas": ["Upper arms"]})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let rename = format!("/admin/areas/{id}/rename");
    let resp = app
        .post_form(&admin, "/admin/areas", &rename, &[("name", "Neck")])
        .await;
    assert_eq!(resp.status(), 422, "taken by another area");
    let resp = app
        .post_form(&admin, "/admin/areas", &rename, &[("name", "Arms")])
        .await;
    assert_eq!(resp.status(), 303);
    let retire = format!("/admin/areas/{id}/retire");
    assert_eq!(
        app.post_form(&admin, "/admin/areas", &retire, &[])
            .await
            .status(),
        303
    );
    let (_, doc) = app.page(&practitioner, "/sessions/new").await;
    assert!(!texts(&doc, "#session-areas label").contains(&"Arms".to_string()));
    let (_, doc) = app
        .page(&practitioner, &format!("/sessions/{}", r["id"]))
        .await;
    assert_eq!(text(&doc, "#session-areas"), "Arms", "kept on old sessions");

    let a = app.token_for(Role::Admin).await;
    let (_, audit) = app.api_get(&a, "/api/v1/audit?entity=treatment_area").await;
    assert!(audit["items"].is_array(), "{audit}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 3, "{audit}");
    for want in ["create", "update", "retire"] {
        assert!(actions.contains(&want), "{audit}");
    }
    let renamed = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["action"] == "update")
        .unwrap();
    assert_eq!(renamed["changes"]["name"], json!(["Upper arms", "Arms"]));
}

#[tokio::test]
async fn usage_export_and_products_carry_the_facts() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let (roller, lido, spf) = stocked(&app).await;
    for areas in [json!(["face", "neck"]), json!(["face"]), json!(["scalp"])] {
        let (s, r) = app
            .post_session(
                &t,
                &new_key(),
                &session(
                    &roller,
                    &lido,
                    &spf,
                    json!({"areas": areas, "duration_minutes": 20}),
                ),
            )
            .await;
        assert_eq!(s, 201, "{r}");
    }
    let manager = app.manager().await;
    let (s, doc) = app.page(&manager, "/reports/usage?site=main").await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#by-area tr[data-area=Face] .sessions"), "2");
    assert_eq!(text(&doc, "#by-area tr[data-area=Neck] .sessions"), "1");
    assert_eq!(text(&doc, "#by-area tr[data-area=Scalp] .sessions"), "1");
    assert_eq!(text(&doc, "#by-area tr[data-area=Hands] .sessions"), "0");
    assert_eq!(text(&doc, "#by-area tr[data-area=Face] .share"), "67%");
    let csv = manager
        .get(app.url("/reports/usage.csv?report=areas&site=main"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("Area,Code,Sessions"),
        "{csv}"
    );
    assert!(csv.contains("Face,face,2"), "{csv}");
    let m = app.token_for(Role::Manager).await;
    let (_, report) = app.api_get(&m, "/api/v1/reports/usage?site=main").await;
    let face = report["by_area"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "face")
        .unwrap()
        .clone();
    assert_eq!(face["sessions"], json!(2));

    // The product's maximum contact time: API and export.
    let (s, p) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{}", lido.id),
            &json!({"max_contact_minutes": 60}),
            None,
        )
        .await;
    assert_eq!((s, &p["max_contact_minutes"]), (200, &json!(60)), "{p}");
    let (s, p) = app
        .api_send(
            reqwest::Method::PATCH,
            &m,
            &format!("/api/v1/products/{}", lido.id),
            &json!({"max_contact_minutes": -1}),
            None,
        )
        .await;
    assert_eq!(
        (s, p["error"]["field"].as_str()),
        (422, Some("max_contact_minutes"))
    );

    let dir = std::env::temp_dir().join(format!("cs-facts-{}", new_key()));
    let dir = dir.to_string_lossy().into_owned();
    let (code, out, err) = cli(&app, &["export", &dir]);
    assert_eq!(code, 0, "{out}{err}");
    let sessions = std::fs::read_to_string(format!("{dir}/sessions.csv")).unwrap();
    let header = sessions.lines().next().unwrap();
    assert!(
        header
            .ends_with("areas,duration_minutes,anaesthetic_applied_at,anaesthetic_contact_minutes"),
        "{header}"
    );
    assert!(sessions.contains(",\"face,neck\",20,,"), "{sessions}");
    let products = std::fs::read_to_string(format!("{dir}/products.csv")).unwrap();
    assert!(
        products
            .lines()
            .next()
            .unwrap()
            .ends_with(",max_contact_minutes")
    );
    assert!(
        products
            .lines()
            .any(|l| l.starts_with("AN-LIDO,") && l.ends_with(",60")),
        "{products}"
    );
    let areas = std::fs::read_to_string(format!("{dir}/treatment_areas.csv")).unwrap();
    assert!(
        areas.contains("3,decolletage,Décolletage,3,yes,"),
        "{areas}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
