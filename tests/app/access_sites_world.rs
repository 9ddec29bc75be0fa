//! The two-site world of access_sites.rs: one product with lot `SHARED-1`
//! received and used at both sites, `MAIN-ONLY` at main, `NORTH-ONLY` at
//! north in "North vault", and the people of each site; plus the page and
//! JSON readers those tests use.

use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::sessions_fixtures::new_key;
use crate::support::*;
use clinic_stock::services::accounts;

pub struct World {
    pub product: i64,
    pub supplier: i64,
    pub shared_lot: i64,
    pub north_lot: i64,
    pub main_lot: i64,
    /// C-7777 at main, C-7777 at north, C-8888 at north.
    pub main_session: i64,
    pub north_session: i64,
    pub north_only_session: i64,
    pub main_store: i64,
    pub north_vault: i64,
    /// The container of SHARED-1 opened at north.
    pub north_container: i64,
    /// Logged-in clients and tokens: practitioner, site manager (main), chain manager.
    pub pia: reqwest::Client,
    pub mona: reqwest::Client,
    pub chris: reqwest::Client,
    pub pia_token: String,
    pub mona_token: String,
    pub chris_token: String,
}

async fn ok(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.api_post(token, path, &body).await;
    assert!(s == 200 || s == 201, "{path}: {s} {v}");
    v
}

async fn session(app: &TestApp, admin: &str, product: i64, site: &str, client: &str) -> i64 {
    let (s, v) = app
        .post_session(
            admin,
            &new_key(),
            &json!({"site": site, "client_ref": client, "needle_length_mm": 1.5,
                    "lines": [{"product_id": product, "quantity": 1}]}),
        )
        .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_i64().unwrap()
}

pub async fn world(app: &TestApp) -> World {
    let admin = app.token_for(Role::Admin).await;
    ok(
        app,
        &admin,
        "/api/v1/sites",
        json!({"code": "north", "name": "North Clinic", "time_zone": "Europe/London"}),
    )
    .await;
    let north_vault = ok(
        app,
        &admin,
        "/api/v1/locations",
        json!({"site": "north", "code": "vault", "name": "North vault"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let supplier = app.supplier("Alpha", Some(3)).await;
    let product = app
        .product("GLV")
        .disposable()
        .supplier(supplier)
        .min("500")
        .use_within(30)
        .create()
        .await
        .id;
    let shared_lot = app.stock(product, "SHARED-1", days(100), "50").await;
    let shared_north = app
        .stock(product, "SHARED-1", days(100), "50")
        .at("north/vault")
        .await;
    assert_eq!(shared_lot, shared_north, "one lot row for both sites");
    let main_lot = app.stock(product, "MAIN-ONLY", days(300), "50").await;
    let north_lot = app
        .stock(product, "NORTH-ONLY", days(300), "50")
        .at("north/vault")
        .await;
    // FEFO takes SHARED-1 (it expires first) at both sites.
    let main_session = session(app, &admin, product, "main", "C-7777").await;
    let north_session = session(app, &admin, product, "north", "C-7777").await;
    let north_only_session = session(app, &admin, product, "north", "C-8888").await;
    let main_store = app.site_location_id("main", "store").await;
    let north_container = app
        .with_conn(move |c| {
            let actor = crate::fixtures::fixture_actor(c);
            let draft = clinic_stock::services::transfers::OpenDraft {
                lot_id: Some(shared_lot.to_string()),
                location_id: Some(north_vault.to_string()),
                ..Default::default()
            };
            clinic_stock::services::transfers::open_container(c, &actor, &draft)
                .unwrap()
                .lot_id
        })
        .await;
    let people = [
        ("pia", "practitioner", Some("main")),
        ("mona", "manager", Some("main")),
        ("chris", "manager", None),
        ("nora", "practitioner", Some("north")),
    ];
    for (name, role, site) in people {
        let u = accounts::NewUser {
            username: name.into(),
            password: PASSWORD.into(),
            role: role.into(),
            site: site.map(str::to_string),
            ..Default::default()
        };
        app.with_conn(move |c| accounts::create_user(c, &u).unwrap())
            .await;
    }
    let token = |n: &'static str| async move {
        app.with_conn(move |c| accounts::create_token(c, n, "sites").unwrap())
            .await
    };
    World {
        product,
        supplier,
        shared_lot,
        north_lot,
        main_lot,
        main_session,
        north_session,
        north_only_session,
        main_store,
        north_vault,
        north_container,
        pia: app.login_as("pia", PASSWORD).await,
        mona: app.login_as("mona", PASSWORD).await,
        chris: app.login_as("chris", PASSWORD).await,
        pia_token: token("pia").await,
        mona_token: token("mona").await,
        chris_token: token("chris").await,
    }
}

impl TestApp {
    async fn site_location_id(&self, site: &str, code: &str) -> i64 {
        let (site, code) = (site.to_string(), code.to_string());
        self.with_conn(move |c| {
            let s = clinic_stock::db::sites::by_code(c, &site).unwrap().unwrap();
            clinic_stock::db::sites::location_by_code(c, s.id, &code)
                .unwrap()
                .unwrap()
                .id
        })
        .await
    }
}

/// GET a page that must answer 200.
pub async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> Html {
    let (status, doc) = app.page(client, path).await;
    assert_eq!(status, 200, "{path}");
    doc
}

/// GET an API path that must answer 200.
pub async fn api(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, v) = app.api_get(token, path).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Every `attr` of the elements matching `css`.
pub fn attrs(doc: &Html, css: &str, attr: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

/// The session ids a page links to (`/sessions/{id}`).
pub fn session_links(doc: &Html) -> Vec<i64> {
    let mut ids: Vec<i64> = attrs(doc, "a[href^='/sessions/']", "href")
        .iter()
        .filter_map(|h| h.trim_start_matches("/sessions/").parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The visible text of the page's main content.
pub fn main_text(doc: &Html) -> String {
    let t = texts(doc, "main").join(" ");
    if t.is_empty() {
        texts(doc, "body").join(" ")
    } else {
        t
    }
}

pub fn ids_of(v: &Value, key: &str) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x[key].as_i64()).collect())
        .unwrap_or_default()
}
