//! Clinic identity on paper (issue 11.2): the after-care sheet prints the
//! session's site (name, address, phone, e-mail) and "Questions? Call …"
//! (or e-mail, or nothing: never a "call us" without a number); the order
//! page prints the ordering clinic as the delivery and invoice block; people
//! are shown by display name ("Treated by Pia Novak") on the session page,
//! the after-care sheet, the session list, the client history, the session
//! JSON and the order page.

use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;
use clinic_stock::db::{self, sites::SiteDetails, users::UserProfile};

/// Gives `username` a display name.
pub async fn name_user(app: &TestApp, username: &str, display: &str) {
    let (username, display) = (username.to_string(), display.to_string());
    app.with_conn(move |c| {
        let u = db::users::by_username(c, &username).unwrap().unwrap();
        let p = UserProfile {
            display_name: Some(display),
            ..UserProfile::of(&u)
        };
        db::users::set_profile(c, u.id, &p).unwrap();
    })
    .await;
}

/// Sets the contact details of site `main`.
async fn main_site(app: &TestApp, name: &str, phone: Option<&str>, email: Option<&str>) {
    let (name, phone, email) = (
        name.to_string(),
        phone.map(str::to_string),
        email.map(str::to_string),
    );
    app.with_conn(move |c| {
        let site = db::sites::by_code(c, "main").unwrap().unwrap();
        let d = SiteDetails {
            name,
            address: Some("Level 2, 118 Ponsonby Road\nGrey Lynn, Auckland 1021".into()),
            phone,
            email,
            ..SiteDetails::of(&site)
        };
        db::sites::update(c, site.id, &d).unwrap();
    })
    .await;
}

/// A session logged through the API by `practitioner-api`; returns its id.
async fn one_session(app: &TestApp, client_ref: &str) -> (i64, Value) {
    let token = app.token_for(Role::Practitioner).await;
    name_user(app, "practitioner-api", "Pia Novak").await;
    let serum = app.product("SR-HA").serum().create().await;
    app.stock(&serum, "S1", days(100), "5").await;
    let (s, v) = app
        .post_session(&token, &new_key(), &body(client_ref, 1.0, &[(&serum, 1.0)]))
        .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (s, v) = app.api_get(&token, &format!("/api/v1/sessions/{id}")).await;
    assert_eq!(s, 200, "{v}");
    (id, v)
}

#[tokio::test]
async fn the_aftercare_sheet_prints_the_clinic_and_its_phone() {
    let app = TestApp::new().await;
    main_site(
        &app,
        "Lumen Skin Clinic",
        Some("+64 9 555 0142"),
        Some("hello@lumenskin.example"),
    )
    .await;
    let (id, _) = one_session(&app, "C-100").await;
    let client = app.practitioner().await;
    let sheet = format!("/sessions/{id}/aftercare");

    let (s, doc) = app.page(&client, &sheet).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#aftercare h1"), "Lumen Skin Clinic");
    assert_eq!(
        texts(&doc, "#clinic-details span"),
        [
            "Level 2, 118 Ponsonby Road",
            "Grey Lynn, Auckland 1021",
            "Phone +64 9 555 0142",
            "hello@lumenskin.example"
        ]
    );
    assert_eq!(
        text(&doc, "#questions"),
        "Questions? Call +64 9 555 0142 or e-mail hello@lumenskin.example"
    );
    let tel = doc
        .select(&scraper::Selector::parse("#questions a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .map(str::to_string);
    assert_eq!(tel.as_deref(), Some("tel:+6495550142"));
    assert!(
        text(&doc, "#treated-by").starts_with("Treated by Pia Novak"),
        "{}",
        text(&doc, "#treated-by")
    );

    // No phone: the e-mail address.
    main_site(
        &app,
        "Lumen Skin Clinic",
        None,
        Some("hello@lumenskin.example"),
    )
    .await;
    let (_, doc) = app.page(&client, &sheet).await;
    assert_eq!(
        text(&doc, "#questions"),
        "Questions? E-mail hello@lumenskin.example"
    );

    // Neither: no questions line, and no "call us" left dangling.
    main_site(&app, "Lumen Skin Clinic", None, None).await;
    let (_, doc) = app.page(&client, &sheet).await;
    assert_eq!(count(&doc, "#questions"), 0);
    let all = text(&doc, "#aftercare").to_lowercase();
    assert!(!all.contains("call us"), "{all}");
    assert!(!all.contains("questions?"), "{all}");
    assert_eq!(
        texts(&doc, "#clinic-details span"),
        ["Level 2, 118 Ponsonby Road", "Grey Lynn, Auckland 1021"]
    );
}

#[tokio::test]
async fn treated_by_the_display_name_everywhere_a_session_shows() {
    let app = TestApp::new().await;
    let (id, json) = one_session(&app, "C-200").await;
    // The API keeps the login and adds the name.
    assert_eq!(json["practitioner"], "practitioner-api");
    assert_eq!(json["practitioner_name"], "Pia Novak");
    let token = app.token_for(Role::Manager).await;
    let (s, list) = app.api_get(&token, "/api/v1/sessions").await;
    assert_eq!(s, 200);
    assert_eq!(list["items"][0]["practitioner_name"], "Pia Novak");

    let client = app.manager().await;
    let (s, doc) = app.page(&client, &format!("/sessions/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(text(&doc, "#treated-by"), "Treated by Pia Novak");
    let (_, doc) = app.page(&client, "/sessions").await;
    assert_eq!(
        text(
            &doc,
            &format!("#sessions tr[data-session=\"{id}\"] td:nth-child(3)")
        ),
        "Pia Novak"
    );
    // The list's filter names people by display name and filters by login.
    assert!(texts(&doc, "select[name=practitioner] option").contains(&"Pia Novak".to_string()));
    let (_, doc) = app
        .page(&client, "/sessions?practitioner=practitioner-api")
        .await;
    assert_eq!(count(&doc, "#sessions tr[data-session]"), 1);
    let (_, doc) = app.page(&client, "/clients/C-200").await;
    assert_eq!(
        text(
            &doc,
            &format!("#history tr[data-session=\"{id}\"] td:nth-child(5)")
        ),
        "Pia Novak"
    );

    // Without a display name: the login.
    app.with_conn(|c| {
        let u = db::users::by_username(c, "practitioner-api")
            .unwrap()
            .unwrap();
        let p = UserProfile {
            display_name: None,
            ..UserProfile::of(&u)
        };
        db::users::set_profile(c, u.id, &p).unwrap();
    })
    .await;
    let (_, doc) = app.page(&client, &format!("/sessions/{id}")).await;
    assert_eq!(text(&doc, "#treated-by"), "Treated by practitioner-api");
}

#[tokio::test]
async fn the_order_page_prints_the_ordering_clinic_and_who_created_it() {
    let app = TestApp::new().await;
    main_site(
        &app,
        "Lumen Skin Clinic",
        Some("+64 9 555 0142"),
        Some("orders@lumenskin.example"),
    )
    .await;
    let m = app.token_for(Role::Manager).await;
    name_user(&app, "manager-api", "Mele Tupou").await;
    let sup = app.supplier("DermaSupply", None).await;
    let p = app
        .product("RL-15")
        .roller(150)
        .supplier(sup)
        .pack("10")
        .create()
        .await;
    let (s, po) = app
        .api_post(
            &m,
            "/api/v1/purchase-orders",
            &json!({"site": "main", "supplier_id": sup, "lines": [{"product_id": p.id, "packs": 2}]}),
        )
        .await;
    assert_eq!(s, 201, "{po}");
    assert_eq!(po["created_by_name"], "Mele Tupou");
    let client = app.manager().await;
    let (s, doc) = app.page(&client, &format!("/orders/{}", po["id"])).await;
    assert_eq!(s, 200);
    assert_eq!(
        text(&doc, "#clinic-details .clinic-name"),
        "Lumen Skin Clinic"
    );
    assert_eq!(
        texts(&doc, "#clinic-details span"),
        [
            "Level 2, 118 Ponsonby Road",
            "Grey Lynn, Auckland 1021",
            "Phone +64 9 555 0142",
            "orders@lumenskin.example"
        ]
    );
    assert_eq!(text(&doc, "#order-supplier strong"), "DermaSupply");
    assert_eq!(text(&doc, "#created-by"), "Mele Tupou");
}
