//! The indications' usual needle ranges as an admin list (issue 15 part 4),
//! both backends: seeded with DOMAIN.md's ranges, set / changed / removed on
//! `/admin/needle-ranges` (audited), bad bounds refused at their field with
//! nothing written, and the session warning reads the table.

use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;

const PAGE: &str = "/admin/needle-ranges";

/// Fields posted, fields that must carry an error.
type RefusedCase = (
    &'static [(&'static str, &'static str)],
    &'static [&'static str],
);

/// (indication, range id, min, max) of every row on the page.
fn rows(doc: &Html) -> Vec<(String, Option<i64>, String, String)> {
    let row = Selector::parse("#needle-ranges tr.range").unwrap();
    let min = Selector::parse("input[name=needle_min_mm]").unwrap();
    let max = Selector::parse("input[name=needle_max_mm]").unwrap();
    let value = |e: &scraper::ElementRef, s: &Selector| {
        e.select(s)
            .next()
            .and_then(|i| i.value().attr("value"))
            .unwrap_or("")
            .to_string()
    };
    doc.select(&row)
        .map(|r| {
            (
                r.value().attr("data-indication").unwrap().to_string(),
                r.value().attr("data-id").map(|i| i.parse().unwrap()),
                value(&r, &min),
                value(&r, &max),
            )
        })
        .collect()
}

fn row_of(doc: &Html, indication: &str) -> (Option<i64>, String, String) {
    let (_, id, min, max) = rows(doc)
        .into_iter()
        .find(|r| r.0 == indication)
        .unwrap_or_else(|| panic!("no row {indication}"));
    (id, min, max)
}

/// The stored ranges: (indication, min, max) in hundredths.
async fn stored(app: &TestApp) -> Vec<(String, i32, i32)> {
    app.with_conn(|c| {
        clinic_stock::db::needle_ranges::all(c)
            .unwrap()
            .into_iter()
            .map(|r| (r.indication.code().to_string(), r.needle_min, r.needle_max))
            .collect()
    })
    .await
}

#[tokio::test]
async fn the_ranges_are_seeded_from_domain_md() {
    let app = TestApp::new().await;
    let want: Vec<(String, i32, i32)> = [
        ("fine_lines", 50, 100),
        ("acne_scars", 50, 200),
        ("burn_scars", 100, 200),
        ("stretch_marks", 100, 200),
        ("loose_skin", 50, 150),
        ("aged_hands", 50, 150),
        ("enlarged_pores", 50, 150),
        ("pigmentation", 50, 150),
        ("hair_loss", 50, 150),
    ]
    .iter()
    .map(|(i, a, b)| (i.to_string(), *a, *b))
    .collect();
    assert_eq!(stored(&app).await, want);
    let admin = app.admin().await;
    let (s, doc) = app.page(&admin, PAGE).await;
    assert_eq!(s, 200);
    let all = rows(&doc);
    assert_eq!(all.len(), 10, "every indication has a row");
    let (id, min, max) = row_of(&doc, "fine_lines");
    assert!(id.is_some());
    assert_eq!((min.as_str(), max.as_str()), ("0.5", "1"));
    assert_eq!(row_of(&doc, "other").0, None, "other has no range");
    assert_eq!(texts(&doc, "#add-range select option").len(), 1);
}

#[tokio::test]
async fn only_admins_open_the_ranges_page() {
    let app = TestApp::new().await;
    for role in [Role::Practitioner, Role::Manager] {
        let c = app.signed_in(role).await;
        let (s, _) = app.page(&c, PAGE).await;
        assert_eq!(s, 403, "{role}");
        let r = app
            .post_form(
                &c,
                "/",
                PAGE,
                &[
                    ("indication", "other"),
                    ("needle_min_mm", "1"),
                    ("needle_max_mm", "2"),
                ],
            )
            .await;
        assert_eq!(r.status(), 403, "{role}");
    }
    assert_eq!(stored(&app).await.len(), 9, "nothing written");
}

/// The ranges page as an admin: (app, admin, fine lines' range id).
async fn ranges_admin() -> (TestApp, reqwest::Client, i64) {
    let app = TestApp::new().await;
    let admin = app.admin().await;
    let (_, doc) = app.page(&admin, PAGE).await;
    let fine = row_of(&doc, "fine_lines").0.unwrap();
    (app, admin, fine)
}

#[tokio::test]
async fn admins_change_a_range_and_refusals_keep_what_was_typed() {
    let (app, admin, fine) = ranges_admin().await;
    let post = |action: String, fields: Vec<(&'static str, &'static str)>| {
        let (app, admin) = (&app, &admin);
        async move { app.post_form(admin, PAGE, &action, &fields).await }
    };
    let change = format!("{PAGE}/{fine}");

    // Change.
    let r = post(
        change.clone(),
        vec![("needle_min_mm", "0.5"), ("needle_max_mm", "1.25")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, PAGE).await;
    assert_eq!(row_of(&doc, "fine_lines").2, "1.25");

    // Refusals: at the field, the typed values kept, nothing written.
    let before = stored(&app).await;
    let cases: &[RefusedCase] = &[
        (
            &[("needle_min_mm", "1.5"), ("needle_max_mm", "1.0")],
            &["needle_max_mm"],
        ),
        (
            &[("needle_min_mm", "0.05"), ("needle_max_mm", "3.5")],
            &["needle_min_mm", "needle_max_mm"],
        ),
        (
            &[("needle_min_mm", "abc"), ("needle_max_mm", "")],
            &["needle_min_mm", "needle_max_mm"],
        ),
        (
            &[("needle_min_mm", "0.123"), ("needle_max_mm", "1")],
            &["needle_min_mm"],
        ),
        (
            &[("needle_min_mm", "-1"), ("needle_max_mm", "1")],
            &["needle_min_mm"],
        ),
    ];
    for (fields, want) in cases {
        let r = app.post_form(&admin, PAGE, &change, fields).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let doc = Html::parse_document(&r.text().await.unwrap());
        let sel = format!("tr[data-id=\"{fine}\"] small.field-error");
        let got: Vec<String> = doc
            .select(&Selector::parse(&sel).unwrap())
            .map(|e| e.value().attr("data-field").unwrap().to_string())
            .collect();
        assert_eq!(got, *want, "{fields:?}");
        let (_, min, max) = row_of(&doc, "fine_lines");
        assert_eq!(
            (min.as_str(), max.as_str()),
            (fields[0].1, fields[1].1),
            "typed kept"
        );
    }
    assert_eq!(stored(&app).await, before, "refusals write nothing");
}

#[tokio::test]
async fn admins_set_a_range_for_an_indication_without_one_once() {
    let (app, admin, _) = ranges_admin().await;
    let post = |action: String, fields: Vec<(&'static str, &'static str)>| {
        let (app, admin) = (&app, &admin);
        async move { app.post_form(admin, PAGE, &action, &fields).await }
    };
    // Set a range for an indication without one; not twice.
    let add = |fields: Vec<(&'static str, &'static str)>| post(PAGE.to_string(), fields);
    let r = add(vec![
        ("indication", "other"),
        ("needle_min_mm", "0.25"),
        ("needle_max_mm", "2.5"),
    ])
    .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, PAGE).await;
    let (other, min, max) = row_of(&doc, "other");
    assert!(other.is_some(), "a range for other");
    assert_eq!((min.as_str(), max.as_str()), ("0.25", "2.5"));
    assert_eq!(count(&doc, "#add-range"), 0, "every indication has a range");
    let refused = [
        (
            vec![
                ("indication", "other"),
                ("needle_min_mm", "0.5"),
                ("needle_max_mm", "1"),
            ],
            "indication",
        ),
        (
            vec![
                ("indication", "wrinkles"),
                ("needle_min_mm", "0.5"),
                ("needle_max_mm", "1"),
            ],
            "indication",
        ),
        (
            vec![
                ("indication", ""),
                ("needle_min_mm", "0.5"),
                ("needle_max_mm", "1"),
            ],
            "indication",
        ),
        (
            vec![
                ("indication", "other"),
                ("needle_min_mm", "2"),
                ("needle_max_mm", "1"),
            ],
            "needle_max_mm",
        ),
    ];
    let before = stored(&app).await;
    for (fields, field) in refused {
        let r = add(fields.clone()).await;
        assert_eq!(r.status(), 422, "{fields:?}");
        let doc = Html::parse_document(&r.text().await.unwrap());
        let sel = format!("#add-range [data-field={field}]");
        assert!(!text(&doc, &sel).is_empty(), "{fields:?}");
    }
    assert_eq!(stored(&app).await, before);
}

#[tokio::test]
async fn admins_remove_ranges_and_every_change_is_audited() {
    let (app, admin, fine) = ranges_admin().await;
    let post = |action: String, fields: Vec<(&'static str, &'static str)>| {
        let (app, admin) = (&app, &admin);
        async move { app.post_form(admin, PAGE, &action, &fields).await }
    };
    // Change fine lines' range and add one for "other", as above.
    let r = post(
        format!("{PAGE}/{fine}"),
        vec![("needle_min_mm", "0.5"), ("needle_max_mm", "1.25")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        PAGE.to_string(),
        vec![
            ("indication", "other"),
            ("needle_min_mm", "0.25"),
            ("needle_max_mm", "2.5"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, PAGE).await;
    let other = row_of(&doc, "other").0.unwrap();

    // Remove; a missing range is 404.
    let r = post(format!("{PAGE}/{other}/remove"), vec![]).await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, PAGE).await;
    assert_eq!(row_of(&doc, "other").0, None);
    let r = post(format!("{PAGE}/{other}/remove"), vec![]).await;
    assert_eq!(r.status(), 404);
    let r = post(
        format!("{PAGE}/999999"),
        vec![("needle_min_mm", "1"), ("needle_max_mm", "2")],
    )
    .await;
    assert_eq!(r.status(), 404);

    let a = app.token_for(Role::Admin).await;
    let (_, audit) = app
        .api_get(&a, "/api/v1/audit?entity=indication_range")
        .await;
    let items = audit["items"].as_array().unwrap();
    let mut actions: Vec<&str> = items
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    actions.sort();
    assert_eq!(actions, vec!["create", "delete", "update"], "{audit}");
    let update = items.iter().find(|i| i["action"] == "update").unwrap();
    assert_eq!(update["changes"]["needle_max"], json!(["1 mm", "1.25 mm"]));
}

fn codes(r: &Value) -> Vec<String> {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_changed_range_changes_the_warning() {
    let app = TestApp::new().await;
    let t = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let spf = app.product("SPF-50").spf().create().await;
    app.stock(&roller, "R1", days(100), "10").await;
    app.stock(&spf, "S1", days(100), "10").await;
    let session = |indication: &str| {
        json!({"site": "main", "client_ref": "C-4101", "needle_length_mm": 1.5,
            "indication": indication,
            "lines": [{"product_id": roller.id, "quantity": 1}, {"product_id": spf.id, "quantity": 1}]})
    };
    let post = |indication: &'static str| {
        let (app, t, b) = (&app, &t, session(indication));
        async move {
            let (s, r) = app.post_session(t, &new_key(), &b).await;
            assert_eq!(s, 201, "{r}");
            codes(&r)
        }
    };
    assert_eq!(post("fine_lines").await, vec!["needle_outside_indication"]);
    assert!(post("other").await.is_empty());

    let admin = app.admin().await;
    let (_, doc) = app.page(&admin, PAGE).await;
    let fine = row_of(&doc, "fine_lines").0.unwrap();
    let r = app
        .post_form(
            &admin,
            PAGE,
            &format!("{PAGE}/{fine}"),
            &[("needle_min_mm", "0.5"), ("needle_max_mm", "1.5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(post("fine_lines").await.is_empty(), "1.5 mm is now usual");
    let r = app
        .post_form(
            &admin,
            PAGE,
            PAGE,
            &[
                ("indication", "other"),
                ("needle_min_mm", "0.25"),
                ("needle_max_mm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (s, r) = app.post_session(&t, &new_key(), &session("other")).await;
    assert_eq!(s, 201);
    assert_eq!(codes(&r), vec!["needle_outside_indication"]);
    let msg = r["warnings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("other (0.25–1 mm)"), "{msg}");
    let r = app
        .post_form(&admin, PAGE, &format!("{PAGE}/{fine}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, PAGE).await;
    assert_eq!(row_of(&doc, "fine_lines").0, None);
    assert!(post("fine_lines").await.is_empty(), "no range, no warning");
    app.assert_ledger_consistent().await;
}
