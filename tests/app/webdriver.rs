//! The browser tests' window on Chromium: chromedriver started on a free
//! port, and a small facade (`Browser`, `Element`) over the maintained
//! WebDriver client `thirtyfour`, so the tests read as what a person does
//! (go to, find, click, type, wait until) and panic with a clear message.
//! thirtyfour runs without its own HTTP stack: `ReqwestClient` lends it the
//! reqwest 0.12 client the tests already use.

use std::sync::Arc;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use thirtyfour::session::http::{Body, HttpClient};
use thirtyfour::{By, Capabilities, WebDriver, WebElement};
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running chromedriver, killed on drop.
pub struct Driver {
    child: Child,
    base: String,
    http: reqwest::Client,
}

/// thirtyfour's HTTP requests, sent with reqwest 0.12.
#[derive(Clone)]
struct ReqwestClient(reqwest::Client);

#[async_trait::async_trait]
impl HttpClient for ReqwestClient {
    async fn send(
        &self,
        request: http::Request<Body<'_>>,
    ) -> thirtyfour::prelude::WebDriverResult<http::Response<bytes::Bytes>> {
        let (parts, body) = request.into_parts();
        let mut req = self
            .0
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers);
        if let Body::Json(v) = body {
            req = req.json(v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| thirtyfour::prelude::WebDriverError::RequestFailed(e.to_string()))?;
        let mut out = http::Response::builder().status(resp.status());
        for (k, v) in resp.headers() {
            out = out.header(k, v);
        }
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| thirtyfour::prelude::WebDriverError::RequestFailed(e.to_string()))?;
        out.body(bytes).map_err(|e| {
            thirtyfour::prelude::WebDriverError::UnknownResponse(status, e.to_string())
        })
    }

    async fn new(&self) -> Arc<dyn HttpClient> {
        Arc::new(self.clone())
    }
}

/// True when CI demands the browser tests (`CLINIC_STOCK_REQUIRE_BROWSER=1`).
pub fn browser_required() -> bool {
    std::env::var("CLINIC_STOCK_REQUIRE_BROWSER").as_deref() == Ok("1")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

impl Driver {
    /// Starts chromedriver, or returns None (with a loud notice) when Chromium
    /// or chromedriver is missing and the browser is not required.
    pub async fn start(test: &str) -> Option<Driver> {
        let missing: Vec<&str> = [CHROMIUM, CHROMEDRIVER]
            .into_iter()
            .filter(|p| !std::path::Path::new(p).exists())
            .collect();
        if !missing.is_empty() {
            let msg = format!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !!! BROWSER TEST {test} SKIPPED: {} not found.\n\
                 !!! Install with: apt-get install -y chromium chromium-driver\n\
                 !!! (CI sets CLINIC_STOCK_REQUIRE_BROWSER=1 and fails instead.)\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n",
                missing.join(" and ")
            );
            assert!(!browser_required(), "{msg}");
            eprintln!("{msg}");
            return None;
        }
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = driver
                .http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == json!(true)
            {
                return Some(driver);
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A new headless Chromium window of the given size with a fresh profile.
    pub async fn session(&self, width: u32, height: u32) -> Browser {
        let profile = std::env::temp_dir().join(format!(
            "clinic-stock-chromium-{}-{}",
            std::process::id(),
            clinic_stock::auth::random_token().get(..12).unwrap_or("x")
        ));
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--hide-scrollbars".into(),
            format!("--window-size={width},{height}"),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        });
        let caps: Capabilities = match caps {
            Value::Object(m) => m.into(),
            _ => unreachable!("a JSON object"),
        };
        let driver = WebDriver::builder(self.base.clone(), caps)
            .client(ReqwestClient(self.http.clone()))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session: {e}"));
        // axe-core on a long page takes a while on a loaded machine.
        driver
            .set_script_timeout(Duration::from_secs(60))
            .await
            .unwrap_or_else(|e| panic!("WebDriver timeouts: {e}"));
        Browser {
            driver: Some(driver),
            profile,
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One browser window (a WebDriver session).
pub struct Browser {
    driver: Option<WebDriver>,
    profile: std::path::PathBuf,
}

/// A found element.
#[derive(Clone, Debug)]
pub struct Element(WebElement);

/// The result of a WebDriver call, or a panic that says which call failed.
fn ok<T>(what: &str, r: thirtyfour::prelude::WebDriverResult<T>) -> T {
    r.unwrap_or_else(|e| panic!("WebDriver {what}: {e}"))
}

impl Browser {
    fn wd(&self) -> &WebDriver {
        self.driver.as_ref().expect("the browser is open")
    }

    pub async fn goto(&self, url: &str) {
        ok("goto", self.wd().goto(url).await);
    }

    pub async fn current_url(&self) -> String {
        ok("current url", self.wd().current_url().await).to_string()
    }

    /// The first element matching a CSS selector, if any (no waiting).
    pub async fn try_find(&self, css: &str) -> Option<Element> {
        ok("find", self.wd().find_all(By::Css(css)).await)
            .into_iter()
            .next()
            .map(Element)
    }

    /// Waits up to 10 s for an element.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(e) = self.try_find(css).await {
                return e;
            }
            assert!(Instant::now() < deadline, "no element {css}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn click(&self, e: &Element) {
        ok("click", e.0.click().await);
    }

    pub async fn type_text(&self, e: &Element, text: &str) {
        ok("type", e.0.send_keys(text).await);
    }

    pub async fn clear(&self, e: &Element) {
        ok("clear", e.0.clear().await);
    }

    pub async fn text(&self, e: &Element) -> String {
        ok("text", e.0.text().await)
    }

    /// Runs a script (`return …`) in the page.
    pub async fn script(&self, script: &str) -> Value {
        self.script_with(script, json!([])).await
    }

    /// Runs an asynchronous script: it gets `arguments`, the last being the
    /// callback to call with the result.
    pub async fn script_async(&self, script: &str, args: Value) -> Value {
        let r = self
            .wd()
            .execute_async(script.to_string(), args_of(args))
            .await;
        ok("async script", r).json().clone()
    }

    /// Runs a script with arguments (`arguments[0]` …).
    pub async fn script_with(&self, script: &str, args: Value) -> Value {
        let r = self.wd().execute(script.to_string(), args_of(args)).await;
        ok("script", r).json().clone()
    }

    /// Waits up to 10 s until a script returns true.
    pub async fn wait_until(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if self.script(script).await == json!(true) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Two quick clicks on an element (pointer actions, as a person's double click).
    pub async fn double_click(&self, e: &Element) {
        let chain = self.wd().action_chain().double_click_element(&e.0);
        ok("double click", chain.perform().await);
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        ok("screenshot", self.wd().screenshot_as_png().await)
    }

    /// A PNG of the whole page (Chromium's full-page capture via CDP).
    pub async fn full_screenshot(&self) -> Vec<u8> {
        let v = self
            .wd()
            .cdp()
            .send_raw(
                "Page.captureScreenshot",
                json!({"captureBeyondViewport": true, "format": "png"}),
            )
            .await;
        let data = ok("full-page screenshot", v);
        base64::engine::general_purpose::STANDARD
            .decode(data["data"].as_str().unwrap_or_default())
            .unwrap_or_else(|e| panic!("full-page screenshot is not base64: {e}"))
    }

    /// Makes the page's viewport exactly `width`×`height` CSS pixels (a
    /// headless window cannot be narrower than 500 px; `mobile` also honours
    /// the page's viewport meta tag, as a phone does).
    pub async fn emulate(&self, width: u32, height: u32, mobile: bool) {
        let v = self
            .wd()
            .cdp()
            .send_raw(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
            )
            .await;
        ok("emulate", v);
    }

    pub async fn quit(mut self) {
        if let Some(d) = self.driver.take() {
            let _ = d.quit().await;
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    /// A test that failed half-way leaves its window to chromedriver, which
    /// `Driver` kills: no blocking teardown inside the async runtime.
    fn drop(&mut self) {
        if let Some(d) = self.driver.take() {
            let _ = d.leak();
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// Script arguments as thirtyfour takes them (a JSON array, or none).
fn args_of(args: Value) -> Vec<Value> {
    match args {
        Value::Array(a) => a,
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Signs in through the login form as `name` (the test password) and waits
/// until the app has left `/login`.
pub async fn login(app: &crate::support::TestApp, b: &Browser, name: &str) {
    login_with(app, b, name, crate::support::PASSWORD).await;
}

/// Signs in as `name` with `password` (e.g. a demo user's) through the form.
pub async fn login_with(app: &crate::support::TestApp, b: &Browser, name: &str, password: &str) {
    b.goto(&app.url("/login")).await;
    let user = b.find("input[name=username]").await;
    b.type_text(&user, name).await;
    let pass = b.find("input[name=password]").await;
    b.type_text(&pass, password).await;
    b.click(&b.find("form[action='/login'] button[type=submit]").await)
        .await;
    b.wait_until(
        "logged in",
        "return !location.pathname.startsWith('/login')",
    )
    .await;
}
