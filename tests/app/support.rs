//! Test helpers: `TestApp` (server + database per test), logged-in clients,
//! API tokens, and HTML parsing helpers.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};

use clinic_stock::app::AppState;
use clinic_stock::config::{AppConfig, ServeArgs};
use clinic_stock::db::{DbConn, PooledConn};
pub use clinic_stock::domain::vocab::{LedgerKind, Role};
use clinic_stock::server;
use clinic_stock::services::{accounts, bootstrap};
pub use scraper::{Html, Selector};

pub const PASSWORD: &str = "correct horse battery";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Which backend the suite runs on.
pub fn backend() -> &'static str {
    match std::env::var("CLINIC_STOCK_TEST_BACKEND").as_deref() {
        Ok("postgres") => "postgres",
        _ => "sqlite",
    }
}

/// A fresh database that is removed when dropped.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    dir: Option<std::path::PathBuf>,
}

pub fn pg_admin_url() -> String {
    std::env::var("CLINIC_STOCK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
}

impl TestDb {
    pub fn new() -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let tag = format!("{}_{}_{}", std::process::id(), n, rand_suffix());
        if backend() == "postgres" {
            let name = format!("cs_test_{tag}");
            pg_exec(&format!("CREATE DATABASE {name}"));
            TestDb {
                url: format!("{}/{name}", pg_admin_url()),
                pg_name: Some(name),
                dir: None,
            }
        } else {
            let dir = std::env::temp_dir().join(format!("clinic-stock-test-{tag}"));
            std::fs::create_dir_all(&dir).unwrap();
            TestDb {
                url: format!("sqlite://{}", dir.join("test.db").display()),
                pg_name: None,
                dir: Some(dir),
            }
        }
    }
}

fn rand_suffix() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{t:x}")
}

#[cfg(feature = "postgres")]
fn pg_exec(sql: &str) {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let mut c = diesel::PgConnection::establish(&format!("{}/postgres", pg_admin_url()))
        .expect("PostgreSQL must be running for the postgres test suite");
    c.batch_execute(sql).unwrap();
}

#[cfg(not(feature = "postgres"))]
fn pg_exec(_sql: &str) {
    panic!("CLINIC_STOCK_TEST_BACKEND=postgres needs `cargo test --features postgres`");
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_name {
            #[cfg(feature = "postgres")]
            {
                use diesel::Connection;
                use diesel::connection::SimpleConnection;
                if let Ok(mut c) =
                    diesel::PgConnection::establish(&format!("{}/postgres", pg_admin_url()))
                {
                    let _ =
                        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                }
            }
            let _ = name;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// A running app on its own database.
pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub db: TestDb,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    /// Starts the real app on a fresh database, on a random local port.
    pub async fn new() -> TestApp {
        TestApp::start(None).await
    }

    /// Like [`TestApp::new`] with mail configured: `url` is
    /// `CLINIC_STOCK_SMTP_URL` (for the test server, `SmtpServer::url()`),
    /// the sender `Clinic stock <stock@clinic.example>`.
    pub async fn with_mail(url: &str) -> TestApp {
        let mail = clinic_stock::mail::MailConfig::parse(
            Some(url),
            Some("Clinic stock <stock@clinic.example>"),
        )
        .expect("mail settings parse");
        TestApp::start(mail).await
    }

    async fn start(mail: Option<clinic_stock::mail::MailConfig>) -> TestApp {
        // `TEST_LOG=1 cargo test …` shows the in-process servers' log
        // (filter with RUST_LOG as for `serve`).
        static LOG: std::sync::Once = std::sync::Once::new();
        if std::env::var_os("TEST_LOG").is_some() {
            LOG.call_once(clinic_stock::logging::init);
        }
        let db = TestDb::new();
        let url = db.url.clone();
        let state = tokio::task::spawn_blocking(move || {
            let mut config = AppConfig::new(
                &url,
                &ServeArgs {
                    pool_size: Some(8),
                    ..ServeArgs::default()
                },
            );
            config.mail = mail;
            let state = AppState::open(config).expect("open database");
            let mut conn = state.pool.get().unwrap();
            bootstrap::ensure_defaults(&mut conn).unwrap();
            state
        })
        .await
        .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        let server_state = state.clone();
        std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(async move {
                let server = server::serve(server_state, listener, Some(2)).unwrap();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        let handle = rx.recv().unwrap();
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            state,
            db,
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A pooled connection for arranging and asserting directly on the database.
    pub fn conn(&self) -> PooledConn {
        self.state.pool.get().unwrap()
    }

    /// Runs blocking database work from an async test.
    pub async fn with_conn<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConn) -> T + Send + 'static,
    ) -> T {
        let pool = self.state.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = pool.get().unwrap();
            f(&mut c)
        })
        .await
        .unwrap()
    }

    /// Creates a user with the test password.
    pub async fn add_user(&self, name: &str, role: Role) -> i64 {
        let input = accounts::NewUser {
            username: name.to_string(),
            password: PASSWORD.to_string(),
            role: role.code().to_string(),
            site: None,
            ..Default::default()
        };
        self.with_conn(move |c| accounts::create_user(c, &input).unwrap())
            .await
    }

    /// A client with a cookie jar, not logged in.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Logs a client in through the login form; returns it.
    pub async fn login_as(&self, name: &str, password: &str) -> reqwest::Client {
        let client = self.client();
        let resp = self.login_with(&client, name, password).await;
        assert_eq!(resp.status(), 303, "login of {name} should redirect");
        client
    }

    /// Posts the login form (after loading it for the CSRF cookie).
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        name: &str,
        password: &str,
    ) -> reqwest::Response {
        let page = client.get(self.url("/login")).send().await.unwrap();
        let html = page.text().await.unwrap();
        let csrf = input_value(&html, "csrf").expect("login form has a csrf field");
        client
            .post(self.url("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", name),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Creates a user of that role (named `{role}1`) and returns a client
    /// signed in as it through the login form.
    pub async fn signed_in(&self, role: Role) -> reqwest::Client {
        let name = format!("{}1", role.code());
        self.add_user(&name, role).await;
        self.login_as(&name, PASSWORD).await
    }

    /// A signed-in manager (`manager1`).
    pub async fn manager(&self) -> reqwest::Client {
        self.signed_in(Role::Manager).await
    }

    /// A signed-in practitioner (`practitioner1`).
    pub async fn practitioner(&self) -> reqwest::Client {
        self.signed_in(Role::Practitioner).await
    }

    /// A signed-in admin (`admin1`).
    pub async fn admin(&self) -> reqwest::Client {
        self.signed_in(Role::Admin).await
    }

    /// Creates a user of that role (named `{role}-api`) and an API token for it.
    pub async fn token_for(&self, role: Role) -> String {
        let name = format!("{}-api", role.code());
        self.add_user(&name, role).await;
        self.with_conn(move |c| accounts::create_token(c, &name, "test").unwrap())
            .await
    }

    /// GET a page and return (status, parsed HTML).
    pub async fn page(&self, client: &reqwest::Client, path: &str) -> (u16, Html) {
        let r = client.get(self.url(path)).send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, Html::parse_document(&text))
    }

    /// Posts `fields` as a form to `path` (the caller supplies the CSRF
    /// token): the status, the redirect target if any, and the page.
    pub async fn send_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (u16, Option<String>, Html) {
        let r = client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (
            status,
            location,
            Html::parse_document(&r.text().await.unwrap()),
        )
    }

    /// Loads `path`, takes its CSRF token, and posts `fields` to `action`.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = client
            .get(self.url(path))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = input_value(&html, "csrf").expect("page has a csrf field");
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        client
            .post(self.url(action))
            .form(&all)
            .send()
            .await
            .unwrap()
    }

    /// Runs `clinic-stock check` logic and asserts the invariants hold.
    pub async fn assert_ledger_consistent(&self) {
        let report = self
            .with_conn(|c| clinic_stock::services::maintenance::check(c).unwrap())
            .await;
        assert!(
            report.discrepancies.is_empty(),
            "ledger check failed: {:?}",
            report.discrepancies
        );
        assert!(
            report.stale_usage_days.is_empty(),
            "usage digests differ from the tables: {:?}",
            report.stale_usage_days
        );
    }

    /// API helpers. Every answer they see that is not 2xx must be the JSON
    /// error shape with a code the spec lists, answered with that code's status.
    pub async fn api_get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let r = reqwest::Client::new()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        check_api_error(path, status, &body);
        (status, body)
    }

    pub async fn api_post(
        &self,
        token: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.api_send(reqwest::Method::POST, token, path, body, None)
            .await
    }

    pub async fn api_send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: &serde_json::Value,
        idempotency_key: Option<&str>,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body);
        if let Some(k) = idempotency_key {
            req = req.header("Idempotency-Key", k);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let body = r.json().await.unwrap_or(serde_json::Value::Null);
        check_api_error(path, status, &body);
        (status, body)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let h = self.handle.clone();
        // Stop the server; the database is removed by TestDb's drop.
        std::thread::spawn(move || {
            let sys = actix_web::rt::System::new();
            sys.block_on(h.stop(false));
        })
        .join()
        .ok();
    }
}

/// The value of the first `<input name=NAME>` in a page.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(&format!("input[name=\"{name}\"]")).ok()?;
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string))
}

/// Texts of every element matching a CSS selector, trimmed and whitespace-collapsed.
pub fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| {
            e.text()
                .collect::<Vec<_>>()
                .join(" ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Text of the first match (empty when none).
pub fn text(doc: &Html, css: &str) -> String {
    texts(doc, css).into_iter().next().unwrap_or_default()
}

/// Number of elements matching a selector.
pub fn count(doc: &Html, css: &str) -> usize {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel).count()
}

/// The error codes the OpenAPI document lists (its `ErrorCode` schema).
pub fn spec_error_codes() -> &'static std::collections::BTreeSet<String> {
    static CODES: std::sync::OnceLock<std::collections::BTreeSet<String>> =
        std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let doc: serde_json::Value =
            serde_json::from_str(clinic_stock::routes::api::openapi::document()).unwrap();
        doc["components"]["schemas"]["ErrorCode"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    })
}

/// Checks an API error answer against the contract: `{"error":{"code","message"}}`
/// with a code the OpenAPI document lists ([`spec_error_codes`]) and the
/// status that code is documented with. A test that provokes an error with
/// an unlisted code fails here.
pub fn check_api_error(path: &str, status: u16, body: &serde_json::Value) {
    if status < 400 || !path.starts_with("/api/v1") {
        return;
    }
    let code = body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: {status} without the JSON error shape: {body}"));
    assert!(
        body["error"]["message"].is_string(),
        "{path}: error without a message: {body}"
    );
    assert!(
        spec_error_codes().contains(code),
        "{path}: error code {code:?} is not listed in the spec"
    );
    let listed = clinic_stock::error::ErrorCode::parse(code)
        .unwrap_or_else(|| panic!("{path}: error code {code:?} has no ErrorCode"));
    assert_eq!(
        listed.status(),
        status,
        "{path}: {code} answered with {status}, the spec says {}",
        listed.status()
    );
}
