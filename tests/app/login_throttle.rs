//! Sign-in protection (issue 10): password checks bounded under a flood
//! (peak memory and `/health` latency of a real server process), throttling
//! per account and per client address kept in the database (delays, 429 with
//! Retry-After whatever the password, the lock at 100 failures and its
//! unlocking), a disabled account answered as a wrong password, and
//! `X-Forwarded-For` believed only from a trusted proxy.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::server_process::{ServerProcess, add_user_cli};
use crate::support::*;
use clinic_stock::domain::throttle;

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Loads the login form (for its CSRF cookie and field) and posts it.
pub async fn post_login(
    c: &reqwest::Client,
    base: &str,
    name: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> reqwest::Response {
    let html = c
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&html);
    let mut req = c.post(format!("{base}/login")).form(&[
        ("csrf", csrf.as_str()),
        ("username", name),
        ("password", password),
    ]);
    if let Some(ip) = forwarded_for {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.unwrap()
}

/// The login form's CSRF value, found without parsing the page (cheap for
/// the flooding clients).
fn csrf_of(html: &str) -> String {
    let needle = "name=\"csrf\" value=\"";
    let at = html.find(needle).expect("csrf field") + needle.len();
    html[at..].split('"').next().unwrap().to_string()
}

pub fn retry_after(r: &reqwest::Response) -> Option<i64> {
    r.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Probes `/health` every 20 ms until `stop`, from a thread and runtime of
/// its own (the flooding clients must not delay the probe): the answer times.
fn spawn_health_probe(
    base: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<Duration>> {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let c = reqwest::Client::new();
            let mut times = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                let r = c.get(format!("{base}/health")).send().await.unwrap();
                assert_eq!(r.status(), 200);
                let _ = r.bytes().await.unwrap();
                times.push(t.elapsed());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            times
        })
    })
}

/// 64 clients, each with its login form loaded once, post 8 rounds of wrong
/// logins, each from its own (forwarded) address and name: the statuses
/// answered (0 for a connection lost).
async fn flood(base: &str) -> std::collections::BTreeMap<u16, u32> {
    let mut clients = Vec::new();
    for _ in 0..64 {
        let c = client();
        let html = c
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        clients.push((c, csrf_of(&html)));
    }
    let clients = std::sync::Arc::new(clients);
    let mut statuses = std::collections::BTreeMap::<u16, u32>::new();
    for round in 0..8usize {
        let mut tasks = Vec::new();
        for i in 0..64usize {
            let (base, clients) = (base.to_string(), clients.clone());
            tasks.push(tokio::spawn(async move {
                let (c, csrf) = &clients[i];
                let name = format!("flood-{round}-{i}");
                let r = c
                    .post(format!("{base}/login"))
                    .header("X-Forwarded-For", format!("10.{round}.{i}.7"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("username", name.as_str()),
                        ("password", "wrong password!"),
                    ])
                    .send()
                    .await;
                // A connection lost is counted as status 0 (and fails below).
                let Ok(r) = r else {
                    return 0;
                };
                let status = r.status().as_u16();
                if status == 503 || status == 429 {
                    assert!(
                        retry_after(&r).unwrap_or(0) >= 1,
                        "{status} carries Retry-After"
                    );
                }
                let _ = r.bytes().await;
                status
            }));
        }
        for t in tasks {
            *statuses.entry(t.await.unwrap()).or_default() += 1;
        }
    }
    statuses
}

/// 64 parallel wrong logins × 8 rounds, each from its own (forwarded)
/// address and for its own name, so that no throttle spares the server a
/// password check: the server stays under 150 MB and `/health` answers
/// within 100 ms throughout; what cannot be checked at once gets 503 with
/// Retry-After.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_wrong_logins_is_bounded_in_memory_and_keeps_health_fast() {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load: f64 = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0);
    let busy_machine = load > cores as f64;
    let db = TestDb::new();
    add_user_cli(&db.url, "maria", "manager");
    let legacy = std::env::var("CLINIC_STOCK_FLOOD_BIN").is_ok();
    let extra: &[&str] = if legacy {
        &[]
    } else {
        &["--trusted-proxy", "127.0.0.1"]
    };
    let server = ServerProcess::start(&db.url, extra);
    let base = server.base.clone();
    let rss_start = server.peak_rss_kb();
    // For the record: /health before the flood.
    let mut idle = Duration::ZERO;
    let probe_client = reqwest::Client::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = probe_client
            .get(format!("{base}/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        idle = idle.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // /health probed every 20 ms during the flood, from a thread and
    // runtime of its own (the flooding clients must not delay the probe).
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = spawn_health_probe(base.clone(), stop.clone());

    let statuses = flood(&base).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let times = probe.join().unwrap();
    let worst_health = times.iter().max().copied().unwrap_or_default();
    let probes = times.len();
    let slow = times
        .iter()
        .filter(|t| **t >= Duration::from_millis(100))
        .count();
    let peak_kb = server.peak_rss_kb();
    eprintln!(
        "flood: statuses {statuses:?}; peak RSS {} MB (at start {} MB); /health worst {} ms over {probes} probes ({slow} at 100 ms or more; before the flood worst {} ms)",
        peak_kb / 1024,
        rss_start / 1024,
        worst_health.as_millis(),
        idle.as_millis()
    );
    assert!(peak_kb < 150 * 1024, "peak RSS {} MB", peak_kb / 1024);
    // The limit is 100 ms. On a machine already oversubscribed by other
    // work (load above its cores when the test starts) the scheduler alone
    // can take that long, so there only a stall (a second) fails the test,
    // unless CLINIC_STOCK_STRICT_TIMING=1 asks for the limit anyway.
    let limit = if busy_machine && std::env::var("CLINIC_STOCK_STRICT_TIMING").is_err() {
        eprintln!(
            "flood: load {load:.1} on {cores} cores before the test: /health limit relaxed to 1 s"
        );
        Duration::from_millis(1000)
    } else {
        Duration::from_millis(100)
    };
    assert!(
        worst_health < limit,
        "/health took {} ms",
        worst_health.as_millis()
    );
    assert!(probes >= 5, "health was probed throughout ({probes})");
    assert_eq!(statuses.values().sum::<u32>(), 512);
    assert!(
        statuses.keys().all(|s| *s == 401 || *s == 503),
        "only refusals and busy answers: {statuses:?}"
    );
    assert!(statuses.get(&401).copied().unwrap_or(0) > 0);
    // The real user is not locked out by the flood.
    let r = post_login(&client(), &base, "maria", PASSWORD, Some("10.99.0.1")).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn failures_bring_growing_delays_and_429_whatever_the_password() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    for _ in 0..throttle::ACCOUNT_FREE {
        let r = app
            .login_with(&app.client(), "maria", "wrong password!")
            .await;
        assert_eq!(r.status(), 401);
        assert!(retry_after(&r).is_none());
    }
    // Delayed now: the right password and a wrong one get the same answer.
    let mut answers = Vec::new();
    for pw in [PASSWORD, "wrong password!"] {
        let r = app.login_with(&app.client(), "maria", pw).await;
        assert_eq!(r.status(), 429);
        let wait = retry_after(&r).unwrap();
        assert!((1..=1).contains(&wait), "first delay is 1 s, got {wait}");
        assert!(
            r.headers()
                .get("set-cookie")
                .is_none_or(|c| !c.to_str().unwrap().starts_with("cs_session"))
        );
        let doc = Html::parse_document(&r.text().await.unwrap());
        answers.push(text(&doc, "#login-error"));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        answers[0].contains("Too many failed sign-ins"),
        "{}",
        answers[0]
    );
    let sessions = app
        .with_conn(|c| {
            use clinic_stock::db::schema::login_sessions::dsl::*;
            use diesel::prelude::*;
            login_sessions.count().get_result::<i64>(c).unwrap()
        })
        .await;
    assert_eq!(sessions, 0);
    // Throttled attempts are not counted: still 5 for the account.
    let (failures, _) = counter(&app, "account", "maria").await.unwrap();
    assert_eq!(failures, throttle::ACCOUNT_FREE);

    // After the wait, one more failure doubles the delay.
    age_counters(&app, 2).await;
    let r = app
        .login_with(&app.client(), "maria", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    let r = app.login_with(&app.client(), "maria", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(retry_after(&r), Some(2));

    // Waited long enough: the right password works and clears the count.
    age_counters(&app, 3).await;
    let r = app.login_with(&app.client(), "maria", PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert!(counter(&app, "account", "maria").await.is_none());
}

/// Moves every counter's last failure `secs` into the past (time passing).
async fn age_counters(app: &TestApp, secs: i64) {
    app.with_conn(move |c| {
        use clinic_stock::db::schema::login_throttle::dsl::*;
        use diesel::prelude::*;
        let rows: Vec<(String, String, chrono::NaiveDateTime)> = login_throttle
            .select((scope, subject, last_failure_at))
            .load(c)
            .unwrap();
        for (s, k, at) in rows {
            diesel::update(login_throttle.filter(scope.eq(&s)).filter(subject.eq(&k)))
                .set(last_failure_at.eq(at - chrono::Duration::seconds(secs)))
                .execute(c)
                .unwrap();
        }
    })
    .await;
}

/// (failures, locked) of one stored counter.
async fn counter(app: &TestApp, which: &str, key: &str) -> Option<(i64, bool)> {
    let (which, key) = (which.to_string(), key.to_string());
    app.with_conn(move |c| {
        use clinic_stock::db::schema::login_throttle::dsl::*;
        use diesel::prelude::*;
        login_throttle
            .filter(scope.eq(&which))
            .filter(subject.eq(&key))
            .select((failures, locked_at))
            .first::<(i64, Option<chrono::NaiveDateTime>)>(c)
            .optional()
            .unwrap()
            .map(|(f, l)| (f, l.is_some()))
    })
    .await
}

async fn set_failures(app: &TestApp, key: &str, n: i64) {
    let key = key.to_string();
    app.with_conn(move |c| {
        use clinic_stock::db::schema::login_throttle::dsl::*;
        use diesel::prelude::*;
        diesel::insert_into(login_throttle)
            .values((
                scope.eq("account"),
                subject.eq(&key),
                failures.eq(n),
                last_failure_at.eq(clinic_stock::db::now() - chrono::Duration::hours(1)),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_hundredth_failure_locks_until_an_admin_unlocks() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    let admin = app.admin().await;
    set_failures(&app, "maria", throttle::ACCOUNT_LOCK_AFTER - 1).await;
    let r = app
        .login_with(&app.client(), "maria", "wrong password!")
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        counter(&app, "account", "maria").await,
        Some((throttle::ACCOUNT_LOCK_AFTER, true))
    );
    // Locked: even the right password, hours later, is refused with 429.
    age_counters(&app, 24 * 3600).await;
    let r = app.login_with(&app.client(), "maria", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(retry_after(&r), Some(throttle::LOCKED_RETRY_SECS));
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(text(&doc, "#login-error").contains("locked"));

    // The admin sees it on the users page and lifts it.
    let (status, doc) = app.page(&admin, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(text(&doc, "tr[data-user=maria] .status").contains("sign-in locked"));
    let id = app
        .with_conn(|c| {
            clinic_stock::db::users::by_username(c, "maria")
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{id}/unlock"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, doc) = app.page(&admin, "/admin/users").await;
    assert!(text(&doc, "p.flash").contains("Sign-in of maria unlocked"));
    assert_eq!(count(&doc, "tr[data-user=maria] .sign-in"), 0);
    assert!(counter(&app, "account", "maria").await.is_none());
    let r = app.login_with(&app.client(), "maria", PASSWORD).await;
    assert_eq!(r.status(), 303);

    // Not an admin: no unlocking.
    set_failures(&app, "maria", throttle::ACCOUNT_LOCK_AFTER).await;
    let manager = app.manager().await;
    let (status, _) = app.page(&manager, "/admin/users").await;
    assert_eq!(status, 403);
    assert!(counter(&app, "account", "maria").await.is_some());

    // The command line lifts it too.
    let out = Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
        .args(["--database-url", &app.db.url, "user", "unlock", "maria"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("unlocked"));
    assert!(counter(&app, "account", "maria").await.is_none());
    let out = Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
        .args(["--database-url", &app.db.url, "user", "unlock", "nobody"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[tokio::test]
async fn unknown_names_are_throttled_exactly_like_real_ones() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    let mut seen = Vec::new();
    for name in ["maria", "nobody"] {
        let mut statuses = Vec::new();
        for _ in 0..(throttle::ACCOUNT_FREE + 1) {
            let r = app.login_with(&app.client(), name, "wrong password!").await;
            statuses.push((r.status().as_u16(), retry_after(&r)));
        }
        seen.push(statuses);
    }
    assert_eq!(seen[0], seen[1]);
    assert_eq!(seen[0].last(), Some(&(429, Some(1))));
}

#[tokio::test]
async fn a_disabled_account_answers_exactly_as_a_wrong_password() {
    let app = TestApp::new().await;
    let id = app.add_user("dora", Role::Practitioner).await;
    app.add_user("maria", Role::Manager).await;
    let admin = app.admin().await;
    let r = app
        .post_form(
            &admin,
            "/admin/users",
            &format!("/admin/users/{id}/disable"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut answers = Vec::new();
    for (name, pw) in [("dora", PASSWORD), ("maria", "wrong password!")] {
        let r = app.login_with(&app.client(), name, pw).await;
        let status = r.status().as_u16();
        let doc = Html::parse_document(&r.text().await.unwrap());
        answers.push((status, text(&doc, "#login-error")));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], (401, "wrong user name or password".to_string()));
    // It counts as a failure, like a wrong password.
    assert_eq!(counter(&app, "account", "dora").await, Some((1, false)));
}

#[tokio::test]
async fn one_address_spraying_many_names_is_delayed_and_forwarded_for_is_not_believed() {
    let app = TestApp::new().await;
    app.add_user("maria", Role::Manager).await;
    // Each name fails once: the account throttles never start.
    for i in 0..throttle::ADDRESS_FREE {
        let c = app.client();
        let page = c
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = input_value(&page, "csrf").unwrap();
        let name = format!("spray{i}");
        let r = c
            .post(app.url("/login"))
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("username", &name),
                ("password", "Summer2026!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    assert_eq!(
        counter(&app, "address", "127.0.0.1").await,
        Some((throttle::ADDRESS_FREE, false))
    );
    assert_eq!(counter(&app, "address", "203.0.113.1").await, None);
    // The next attempt from this address, for any name, waits.
    let r = app.login_with(&app.client(), "maria", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(retry_after(&r), Some(1));
}

/// Moves every stored counter `secs` into the past, straight on the database.
fn age_db(url: &str, secs: i64) {
    use clinic_stock::db::schema::login_throttle::dsl::*;
    use diesel::prelude::*;
    let mut c = clinic_stock::db::establish(&clinic_stock::db::DbUrl::parse(url).unwrap()).unwrap();
    let rows: Vec<(String, String, chrono::NaiveDateTime)> = login_throttle
        .select((scope, subject, last_failure_at))
        .load(&mut c)
        .unwrap();
    for (s, k, at) in rows {
        diesel::update(login_throttle.filter(scope.eq(&s)).filter(subject.eq(&k)))
            .set(last_failure_at.eq(at - chrono::Duration::seconds(secs)))
            .execute(&mut c)
            .unwrap();
    }
}

/// Two server processes on one database: failures counted by one are
/// honoured by the other, and by a server started afterwards.
#[tokio::test]
async fn counters_are_shared_by_servers_and_survive_a_restart() {
    let db = TestDb::new();
    add_user_cli(&db.url, "maria", "manager");
    let a = ServerProcess::start(&db.url, &[]);
    let b = ServerProcess::start(&db.url, &[]);
    for _ in 0..throttle::ACCOUNT_FREE {
        let r = post_login(&client(), &a.base, "maria", "wrong password!", None).await;
        assert_eq!(r.status(), 401);
    }
    let r = post_login(&client(), &b.base, "maria", PASSWORD, None).await;
    assert_eq!(r.status(), 429);
    // More failures, alternating servers, each after its delay has passed:
    // the delay doubles each time whichever server counted the last one.
    for (i, expected_wait) in [(0, 2), (1, 4), (2, 8), (3, 16), (4, 32)] {
        age_db(&db.url, 3600);
        let (first, second) = if i % 2 == 0 { (&a, &b) } else { (&b, &a) };
        let r = post_login(&client(), &first.base, "maria", "wrong password!", None).await;
        assert_eq!(r.status(), 401);
        let r = post_login(&client(), &second.base, "maria", PASSWORD, None).await;
        assert_eq!(r.status(), 429);
        let wait = retry_after(&r).unwrap();
        assert!(
            wait <= expected_wait && wait >= expected_wait - 2,
            "{wait} vs {expected_wait}"
        );
    }
    drop(a);
    drop(b);
    let c = ServerProcess::start(&db.url, &[]);
    let r = post_login(&client(), &c.base, "maria", PASSWORD, None).await;
    assert_eq!(r.status(), 429, "a restarted server keeps the count");
    assert!(retry_after(&r).unwrap() <= 32);
    age_db(&db.url, 3600);
    let r = post_login(&client(), &c.url(""), "maria", PASSWORD, None).await;
    assert_eq!(r.status(), 303);
}
