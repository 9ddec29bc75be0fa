//! The hostile-input sweep (issue 10 "Inputs"): NUL and other control
//! characters, huge numbers, wrong JSON types, arrays for strings, far
//! dates, malformed bodies and ids, and oversized bodies, thrown at every
//! JSON endpoint (each field, nested ones too), every query parameter,
//! every id in a path and every field of every form the pages show, on the
//! backend the suite runs on.
//!
//! Each answer must be below 500. A value no field may accept (a control
//! character, an array or object where one value belongs, a malformed body
//! or id) must be refused with a documented status — 422 at the field for
//! control characters, 400 for a body that is not JSON, 413 for one over
//! the limit, 404 for a malformed id — and every table must be exactly as
//! it was. Other values (i64::MAX, far dates, 10 kB of text, …) may be
//! accepted where they are valid; when refused, nothing may be written
//! either. Every problem is collected, then the test fails listing them all.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use crate::edges_hostile_table::*;
use crate::sessions_fixtures::new_key;
use crate::support::*;

/// Refusals the API and pages document.
const REFUSALS: &[u16] = &[400, 404, 409, 413, 422, 429];

#[derive(Default)]
struct Tally {
    /// The fingerprint of every table after the last request checked.
    baseline: String,
    requests: usize,
    targets: BTreeSet<String>,
    values: BTreeSet<String>,
    server_errors: Vec<String>,
    problems: Vec<String>,
}

/// What a request must answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    /// Exactly this status.
    Exactly(u16),
    /// A documented refusal.
    Refused,
    /// Anything below 500.
    Any,
}

impl Tally {
    fn record(&mut self, what: &str, target: &str, value: &str, status: u16, expect: Expect) {
        self.requests += 1;
        self.targets.insert(target.to_string());
        self.values.insert(value.to_string());
        if status >= 500 {
            self.server_errors.push(format!("{status} {what}"));
            return;
        }
        let ok = match expect {
            Expect::Exactly(s) => status == s,
            Expect::Refused => REFUSALS.contains(&status),
            Expect::Any => true,
        };
        if !ok {
            self.problems
                .push(format!("{what}: answered {status}, expected {expect:?}"));
        }
    }

    /// A refused request must leave every table as it was: compares the
    /// tables now with how they were after the previous checked request.
    async fn unchanged(&mut self, app: &TestApp, what: &str, status: u16) {
        let now = fingerprint(app).await;
        if REFUSALS.contains(&status) && self.baseline != now {
            let diff: Vec<&str> = now
                .lines()
                .filter(|l| !self.baseline.lines().any(|b| b == *l))
                .map(|l| l.split('=').next().unwrap_or(l))
                .collect();
            self.problems.push(format!(
                "{what}: refused with {status} but wrote to {diff:?}"
            ));
        }
        self.baseline = now;
    }
}

/// A JSON path into a body: object keys and array indexes.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn leaf_paths(v: &Value, at: Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let mut p = at.clone();
                p.push(Seg::Key(k.clone()));
                out.push(p.clone());
                if x.is_object() || x.is_array() {
                    leaf_paths(x, p, out);
                }
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                let mut p = at.clone();
                p.push(Seg::Index(i));
                if x.is_object() || x.is_array() {
                    leaf_paths(x, p, out);
                } else {
                    out.push(p);
                }
            }
        }
        _ => {}
    }
}

fn path_name(p: &[Seg]) -> String {
    let mut s = String::new();
    for seg in p {
        match seg {
            Seg::Key(k) if s.is_empty() => s.push_str(k),
            Seg::Key(k) => s.push_str(&format!(".{k}")),
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn replaced(body: &Value, p: &[Seg], with: &Value) -> Value {
    let mut b = body.clone();
    let mut at = &mut b;
    for seg in p {
        at = match seg {
            Seg::Key(k) => &mut at[k.as_str()],
            Seg::Index(i) => &mut at[*i],
        };
    }
    *at = with.clone();
    b
}

async fn send_raw(
    app: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Vec<u8>,
    keyed: bool,
) -> u16 {
    let mut req = reqwest::Client::new()
        .request(method, app.url(path))
        .bearer_auth(token)
        .header("Content-Type", "application/json")
        .body(body);
    if keyed {
        req = req.header("Idempotency-Key", new_key());
    }
    status_of(req).await
}

/// The status of an answer; a request that got no answer at all (the
/// server dropped the connection) counts as 599, a server error.
async fn status_of(req: reqwest::RequestBuilder) -> u16 {
    match req.send().await {
        Ok(r) => r.status().as_u16(),
        Err(_) => 599,
    }
}

async fn sweep_json_bodies(app: &TestApp, c: &Clinic, t: &mut Tally) {
    for e in body_endpoints(c) {
        let target = format!("{} {}", e.method, e.path);
        let mut paths = Vec::new();
        leaf_paths(&e.body, Vec::new(), &mut paths);
        for p in &paths {
            for h in json_values() {
                let body = replaced(&e.body, p, &h.value);
                let status = send_raw(
                    app,
                    e.method.clone(),
                    &c.token,
                    &e.path,
                    serde_json::to_vec(&body).unwrap(),
                    e.keyed,
                )
                .await;
                let what = format!("{target} {} = {}", path_name(p), h.label);
                let expect = if h.refuse {
                    Expect::Refused
                } else {
                    Expect::Any
                };
                t.record(&what, &target, h.label, status, expect);
                t.unchanged(app, &what, status).await;
            }
        }
        for (label, body, status_expected) in bad_bodies() {
            let status = send_raw(app, e.method.clone(), &c.token, &e.path, body, e.keyed).await;
            let what = format!("{target} body {label}");
            t.record(
                &what,
                &target,
                label,
                status,
                Expect::Exactly(status_expected),
            );
            t.unchanged(app, &what, status).await;
        }
    }
}

/// Date parameters, where a far date must be refused.
fn is_date_param(name: &str) -> bool {
    matches!(name, "from" | "to" | "as_of" | "expiry" | "sent_on")
}

async fn sweep_queries(app: &TestApp, c: &Clinic, t: &mut Tally) {
    let client = reqwest::Client::new();
    for (path, params) in get_endpoints(c) {
        let target = format!("GET {path}");
        for param in params {
            let mut cases: Vec<(String, String, Expect)> = query_values()
                .into_iter()
                .map(|(label, v, refuse)| {
                    let far = label.starts_with("year") && is_date_param(param);
                    let expect = if refuse || far {
                        Expect::Exactly(422)
                    } else {
                        Expect::Any
                    };
                    (label.to_string(), format!("{param}={v}"), expect)
                })
                .collect();
            cases.push((
                "repeated".into(),
                format!("{param}=1&{param}=2"),
                Expect::Any,
            ));
            for (label, query, expect) in cases {
                let status = status_of(
                    client
                        .get(app.url(&format!("{path}?{query}")))
                        .bearer_auth(&c.token),
                )
                .await;
                t.record(
                    &format!("{target}?{param} = {label}"),
                    &target,
                    &label,
                    status,
                    expect,
                );
            }
        }
        t.unchanged(app, &target, 400).await;
    }
}

async fn sweep_ids(app: &TestApp, c: &Clinic, page_client: &reqwest::Client, t: &mut Tally) {
    for (method, route) in id_routes() {
        let target = format!("{method} {route}");
        for id in BAD_IDS {
            let path = route.replace("{}", id);
            let req = if route.starts_with("/api/") {
                reqwest::Client::new()
                    .request(method.clone(), app.url(&path))
                    .bearer_auth(&c.token)
                    .header("Content-Type", "application/json")
                    .body("{}")
            } else {
                page_client.request(method.clone(), app.url(&path))
            };
            let (status, json) = match req.send().await {
                Ok(r) => (
                    r.status().as_u16(),
                    r.headers()
                        .get("content-type")
                        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json")),
                ),
                Err(_) => (599, false),
            };
            // A client reference is text: a well-formed one may have no
            // sessions, a malformed one is a 422. Ids 0 and -1 are numbers
            // that match nothing: the body may be judged first.
            let expect = if *id == "%00" {
                Expect::Exactly(404)
            } else if route.starts_with("/clients/") {
                Expect::Any
            } else if matches!(*id, "0" | "-1") {
                Expect::Refused
            } else {
                Expect::Exactly(404)
            };
            let what = format!("{method} {path}");
            t.record(&what, &target, &format!("id {id}"), status, expect);
            if route.starts_with("/api/") && status == 404 && !json {
                t.problems
                    .push(format!("{what}: 404 is not the JSON error shape"));
            }
        }
    }
}

/// A form as a browser would send it.
struct Form {
    /// An htmx partial (answers 200 with the messages in the fragment).
    partial: bool,
    page: String,
    method: String,
    action: String,
    fields: Vec<(String, String)>,
}

fn forms_of(page: &str, html: &str) -> Vec<Form> {
    let doc = Html::parse_document(html);
    let form_sel = Selector::parse("form").unwrap();
    let field_sel = Selector::parse("input[name], select[name], textarea[name]").unwrap();
    let option_sel = Selector::parse("option").unwrap();
    let mut out = Vec::new();
    for f in doc.select(&form_sel) {
        let method = f.value().attr("method").unwrap_or("get").to_lowercase();
        let action = f
            .value()
            .attr("action")
            .map(str::to_string)
            .unwrap_or_else(|| page.split('?').next().unwrap_or(page).to_string());
        let mut fields = Vec::new();
        for el in f.select(&field_sel) {
            let v = el.value();
            let name = v.attr("name").unwrap_or_default().to_string();
            let value = match v.name() {
                "select" => el
                    .select(&option_sel)
                    .find(|o| o.value().attr("selected").is_some())
                    .or_else(|| el.select(&option_sel).nth(1))
                    .or_else(|| el.select(&option_sel).next())
                    .and_then(|o| o.value().attr("value").map(str::to_string))
                    .unwrap_or_default(),
                "textarea" => el.text().collect(),
                _ => match v.attr("type").unwrap_or("text") {
                    "submit" | "button" | "file" | "image" | "reset" => continue,
                    "checkbox" | "radio" if v.attr("checked").is_none() => continue,
                    _ => v.attr("value").unwrap_or_default().to_string(),
                },
            };
            fields.push((name, value));
        }
        out.push(Form {
            partial: false,
            page: page.to_string(),
            method,
            action,
            fields,
        });
    }
    out
}

async fn post_form(
    client: &reqwest::Client,
    app: &TestApp,
    action: &str,
    fields: &[(String, String)],
) -> u16 {
    status_of(client.post(app.url(action)).form(fields)).await
}

async fn sweep_form(app: &TestApp, client: &reqwest::Client, f: &Form, t: &mut Tally) {
    let target = format!(
        "{} {} (form on {})",
        f.method.to_uppercase(),
        f.action,
        f.page
    );
    for (i, (name, _)) in f.fields.iter().enumerate() {
        if name == "csrf" {
            continue;
        }
        for (label, value, refuse) in form_values() {
            let mut fields = f.fields.clone();
            fields[i].1 = value;
            let what = format!("{target} {name} = {label}");
            let far = label.starts_with("year") && is_date_param(name) && !f.partial;
            let expect = if refuse || far {
                Expect::Exactly(422)
            } else {
                Expect::Any
            };
            if f.method == "post" {
                let status = post_form(client, app, &f.action, &fields).await;
                t.record(&what, &target, label, status, expect);
                t.unchanged(app, &what, status).await;
            } else {
                let status = status_of(client.get(app.url(&f.action)).query(&fields)).await;
                t.record(&what, &target, label, status, expect);
            }
        }
    }
    if f.method == "post" {
        let mut fields = f.fields.clone();
        fields.push(("padding".into(), "x".repeat(1_500_000)));
        let status = post_form(client, app, &f.action, &fields).await;
        let what = format!("{target} 1.5 MB form");
        t.record(&what, &target, "1.5 MB form", status, Expect::Exactly(413));
        t.unchanged(app, &what, status).await;
    }
}

async fn sweep_forms(app: &TestApp, c: &Clinic, client: &reqwest::Client, me: i64, t: &mut Tally) {
    let mut seen = BTreeSet::new();
    for page in form_pages(c) {
        let r = client.get(app.url(&page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
        let html = r.text().await.unwrap();
        for f in forms_of(&page, &html) {
            // Logging out, or changing the account the sweep is logged in as,
            // would end the sweep's own session.
            let own = f.action.contains(&format!("/admin/users/{me}/"));
            if f.action == "/logout" || own || !seen.insert((f.method.clone(), f.action.clone())) {
                continue;
            }
            sweep_form(app, client, &f, t).await;
        }
    }
    for (page, action, fields) in htmx_posts(c) {
        let html = client
            .get(app.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = input_value(&html, "csrf").unwrap();
        let mut all = vec![("csrf".to_string(), csrf)];
        all.extend(fields);
        let f = Form {
            partial: true,
            page: page.to_string(),
            method: "post".into(),
            action: action.to_string(),
            fields: all,
        };
        sweep_form(app, client, &f, t).await;
    }
}

/// Prints the tally and fails listing every problem.
async fn finish(app: &TestApp, c: &Clinic, part: &str, t: &Tally, took: std::time::Duration) {
    // The server still serves, and the ledger still adds up.
    let (s, health) = app.api_get(&c.token, "/health").await;
    assert_eq!(s, 200, "{health}");
    app.assert_ledger_consistent().await;
    println!(
        "hostile sweep, {part} ({}): {} requests at {} endpoints or forms with {} distinct hostile values \
         in {took:.1?}; 5xx: {}",
        backend(),
        t.requests,
        t.targets.len(),
        t.values.len(),
        t.server_errors.len()
    );
    for e in &t.server_errors {
        println!("  5xx: {e}");
    }
    for p in &t.problems {
        println!("  problem: {p}");
    }
    assert!(
        t.server_errors.is_empty() && t.problems.is_empty(),
        "{part}: {} answers were 5xx and {} broke the rules (listed above)",
        t.server_errors.len(),
        t.problems.len()
    );
}

async fn start() -> (TestApp, Clinic, Tally) {
    let app = TestApp::new().await;
    let c = clinic(&app).await;
    let t = Tally {
        baseline: fingerprint(&app).await,
        ..Tally::default()
    };
    (app, c, t)
}

#[tokio::test]
async fn hostile_json_bodies_get_documented_refusals_and_write_nothing() {
    let (app, c, mut t) = start().await;
    let clock = std::time::Instant::now();
    sweep_json_bodies(&app, &c, &mut t).await;
    finish(&app, &c, "JSON bodies", &t, clock.elapsed()).await;
}

#[tokio::test]
async fn hostile_query_strings_and_ids_get_documented_refusals() {
    let (app, c, mut t) = start().await;
    app.add_user("sweeper", Role::Admin).await;
    let client = app.login_as("sweeper", PASSWORD).await;
    t.baseline = fingerprint(&app).await;
    let clock = std::time::Instant::now();
    sweep_ids(&app, &c, &client, &mut t).await;
    sweep_queries(&app, &c, &mut t).await;
    finish(&app, &c, "query strings and ids", &t, clock.elapsed()).await;
}

#[tokio::test]
async fn hostile_form_fields_get_documented_refusals_and_write_nothing() {
    let (app, c, mut t) = start().await;
    let me = app.add_user("sweeper", Role::Admin).await;
    let client = app.login_as("sweeper", PASSWORD).await;
    t.baseline = fingerprint(&app).await;
    let clock = std::time::Instant::now();
    sweep_forms(&app, &c, &client, me, &mut t).await;
    finish(&app, &c, "form fields", &t, clock.elapsed()).await;
}
