//! Operations (issue 10): `/health` says whether the database takes a
//! committed write (503 when not); a failing log output costs log lines,
//! never answers; idle and slow connections are closed; SIGTERM lets the
//! request in flight finish, refuses new connections and exits 0; HSTS when
//! the cookies are secure; a bearer request writes nothing when its token
//! was used a moment ago.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use serde_json::{Value, json};

use crate::fixtures::days;
use crate::server_process::{Launch, ServerProcess, add_user_cli, token_cli};
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;
use clinic_stock::db::{self, DbConn, DbUrl};

/// A connection of its own holding a lock that stops every write to
/// `table` while reads go on: on SQLite the database's write lock, on
/// PostgreSQL an EXCLUSIVE table lock (plain reads pass, updates wait).
struct WriteBlock(DbConn);

impl WriteBlock {
    fn on(url: &str, table: &str) -> WriteBlock {
        let mut c = db::establish(&DbUrl::parse(url).unwrap()).unwrap();
        if backend() == "postgres" {
            c.batch_execute(&format!("BEGIN; LOCK TABLE {table} IN EXCLUSIVE MODE"))
                .unwrap();
        } else {
            c.batch_execute("BEGIN IMMEDIATE").unwrap();
        }
        WriteBlock(c)
    }

    fn release(mut self) {
        self.0.batch_execute("ROLLBACK").unwrap();
    }
}

async fn health(base: &str) -> (u16, Value, Duration) {
    let t = Instant::now();
    let r = reqwest::Client::new()
        .get(format!("{base}/health"))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    if status == 503 {
        assert!(r.headers().contains_key("retry-after"));
    }
    (status, r.json().await.unwrap(), t.elapsed())
}

/// Asks `/health` until it answers `status` (at most `limit`).
async fn health_until(base: &str, status: u16, limit: Duration) -> Value {
    let start = Instant::now();
    loop {
        let (s, body, _) = health(base).await;
        if s == status {
            return body;
        }
        assert!(
            start.elapsed() < limit,
            "/health still {s} ({body}) after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn health_commits_a_write_and_answers_503_in_time_while_writes_wait() {
    let app = TestApp::new().await;
    let (s, body, _) = health(&app.base).await;
    assert_eq!(s, 200);
    assert_eq!(
        body,
        json!({"status": "ok", "database": backend(), "writable": true})
    );
    // The probe is a real, committed write.
    let checked_at = app
        .with_conn(|c| {
            use diesel::prelude::*;
            db::schema::health_probe::table
                .select(db::schema::health_probe::checked_at)
                .first::<chrono::NaiveDateTime>(c)
                .unwrap()
        })
        .await;
    assert!((db::now() - checked_at).num_seconds().abs() < 10);

    let block = WriteBlock::on(&app.db.url, "health_probe");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, body, took) = health(&app.base).await;
    assert_eq!(s, 503, "{body}");
    assert_eq!(
        body,
        json!({"status": "read_only", "database": backend(), "writable": false})
    );
    assert!(took < Duration::from_secs(4), "answered in {took:?}");
    // While that probe still waits on the lock, /health answers at once,
    // and pages that only read are served.
    for _ in 0..5 {
        let (s, _, took) = health(&app.base).await;
        assert_eq!(s, 503);
        assert!(took < Duration::from_secs(2), "answered in {took:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let r = reqwest::get(app.url("/login")).await.unwrap();
    assert_eq!(r.status(), 200);
    block.release();
    let body = health_until(&app.base, 200, Duration::from_secs(15)).await;
    assert_eq!(body["writable"], true);
}

/// Every pooled connection busy (requests queueing for the database) is a
/// busy server, not a broken one: `/health` probes on a connection of its
/// own and still answers 200 at once.
#[tokio::test]
async fn health_stays_200_while_every_pooled_connection_is_taken() {
    let app = TestApp::new().await;
    let held: Vec<_> = (0..8).map(|_| app.conn()).collect();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..3 {
        let (s, body, took) = health(&app.base).await;
        assert_eq!(s, 200, "{body}");
        // The old design (a probe on the shared pool) answered 503 after its
        // 2 s deadline; the status says that. The bound is loose because
        // the suite runs many servers at once on 2 cores.
        assert!(took < Duration::from_secs(3), "answered in {took:?}");
        tokio::time::sleep(Duration::from_millis(600)).await;
    }
    drop(held);
}

/// A genuinely read-only PostgreSQL database (as a standby, or with
/// `default_transaction_read_only`): 503 until it takes writes again.
#[tokio::test]
async fn health_is_503_while_postgres_is_read_only() {
    if backend() != "postgres" {
        return;
    }
    let app = TestApp::new().await;
    let name = app.db.url.rsplit('/').next().unwrap().to_string();
    let admin = |sql: String| {
        let url = DbUrl::parse(&format!("{}/postgres", pg_admin_url())).unwrap();
        let mut c = db::establish(&url).unwrap();
        c.batch_execute(&sql).unwrap();
    };
    let reconnect = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    assert_eq!(health(&app.base).await.0, 200);
    admin(format!(
        "ALTER DATABASE {name} SET default_transaction_read_only = on; {reconnect}"
    ));
    let body = health_until(&app.base, 503, Duration::from_secs(10)).await;
    assert_eq!(
        body,
        json!({"status": "read_only", "database": "postgres", "writable": false})
    );
    admin(format!(
        "ALTER DATABASE {name} RESET default_transaction_read_only; {reconnect}"
    ));
    health_until(&app.base, 200, Duration::from_secs(10)).await;
}

/// Logging to a full disk (`/dev/full`) or to a pipe nobody reads any more:
/// every request is still answered (before: the failed write panicked and
/// 390 of 400 requests got no answer).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failing_log_output_costs_log_lines_not_answers() {
    let db = TestDb::new();
    add_user_cli(&db.url, "maria", "manager");
    let token = token_cli(&db.url, "maria");
    for output in ["/dev/full", "a closed pipe"] {
        let stderr = if output == "/dev/full" {
            Stdio::from(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            )
        } else {
            Stdio::piped()
        };
        let mut server = ServerProcess::launch(
            &db.url,
            &[],
            Launch {
                env: vec![("RUST_LOG", "debug")],
                stderr: Some(stderr),
            },
        );
        // The closed pipe: every write to stderr now fails with EPIPE.
        drop(server.child.stderr.take());
        let client = reqwest::Client::new();
        let mut tasks = Vec::new();
        for i in 0..400usize {
            let (client, base, token) = (client.clone(), server.base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let (path, expected) = match i % 4 {
                    0 => ("/health", 200),
                    1 => ("/api/v1/products", 200),
                    2 => ("/login", 200),
                    _ => ("/no/such/page", 404),
                };
                let r = client
                    .get(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == expected => r
                        .bytes()
                        .await
                        .map(|_| ())
                        .map_err(|e| format!("{path}: {e}")),
                    Ok(r) => Err(format!("{path}: {}", r.status())),
                    Err(e) => Err(format!("{path}: {e:?}")),
                }
            }));
        }
        let mut answered = 0;
        let mut failures = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => answered += 1,
                Err(e) => failures.push(e),
            }
        }
        failures.truncate(5);
        assert_eq!(
            answered, 400,
            "answers with the log on {output}: {failures:?}"
        );
        assert!(server.alive(), "the server still runs (log on {output})");
    }
}

/// Reads one HTTP/1.1 response (head and Content-Length body) off a stream.
fn read_response(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = s.read(&mut byte).unwrap();
        assert_eq!(n, 1, "connection closed mid-response: {buf:?}");
        buf.push(byte[0]);
    }
    let head = String::from_utf8(buf).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).unwrap();
    head + &String::from_utf8_lossy(&body)
}

/// Waits for the server to close the connection; how long it took.
fn closed_within(s: &mut TcpStream, limit: Duration) -> Duration {
    let t = Instant::now();
    s.set_read_timeout(Some(limit)).unwrap();
    let mut rest = Vec::new();
    match s.read_to_end(&mut rest) {
        Ok(_) => t.elapsed(),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => t.elapsed(),
        Err(e) => panic!("still open after {limit:?}: {e}"),
    }
}

#[test]
fn idle_connections_are_closed_and_slow_request_heads_get_408() {
    let db = TestDb::new();
    let server = ServerProcess::start(&db.url, &["--keep-alive", "1", "--request-timeout", "1"]);
    // Idle after a response: closed once the keep-alive time is up.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let response = read_response(&mut s);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let took = closed_within(&mut s, Duration::from_secs(10));
    assert!(took < Duration::from_secs(4), "closed after {took:?}");
    // A request head that never ends: 408, then closed.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: local").unwrap();
    let t = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).to_string();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    // A connection that sends nothing at all is not kept either.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    let took = closed_within(&mut s, Duration::from_secs(10));
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_request_in_flight_refuses_new_ones_and_exits_0() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "10").await;
    let mut server = ServerProcess::start(&app.db.url, &["--shutdown-timeout", "20"]);
    let payload = serde_json::to_vec(&body("C-0001", 1.5, &[(&roller, 1.0)])).unwrap();
    let (first, rest) = payload.split_at(payload.len() / 2);
    // The connection is taken by the server (one request answered on it)
    // before the slow one starts on it.
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    assert!(read_response(&mut s).starts_with("HTTP/1.1 200"));
    let head = format!(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Idempotency-Key: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        new_key(),
        payload.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    server.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    // New connections are refused from now on.
    let addr: std::net::SocketAddr = server.addr().parse().unwrap();
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(2));
    assert!(refused.is_err(), "a new connection was accepted");
    // The request in flight completes, and is recorded.
    s.write_all(rest).unwrap();
    let response = read_response(&mut s);
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    drop(s);
    let status = server
        .wait_exit(Duration::from_secs(25))
        .expect("the server exits after SIGTERM");
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert_eq!(app.session_rows().await, (1, 1));
    assert_eq!(app.balance(lot, "store").await, 9000);
}

#[tokio::test]
async fn hsts_only_with_secure_cookies_and_the_security_headers_everywhere() {
    let app = TestApp::new().await;
    let r = reqwest::get(app.url("/health")).await.unwrap();
    assert!(!r.headers().contains_key("strict-transport-security"));
    let secure = ServerProcess::start(&app.db.url, &["--secure-cookies"]);
    for path in ["/health", "/login", "/no/such/page", "/api/v1/products"] {
        let r = reqwest::get(secure.url(path)).await.unwrap();
        let h = r.headers();
        assert_eq!(
            h["strict-transport-security"], "max-age=31536000; includeSubDomains",
            "{path}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["cross-origin-resource-policy"], "same-origin", "{path}");
        assert!(h.contains_key("content-security-policy"), "{path}");
    }
}

async fn last_used(app: &TestApp) -> Option<chrono::NaiveDateTime> {
    app.with_conn(|c| {
        use clinic_stock::db::schema::api_tokens::dsl::*;
        use diesel::prelude::*;
        api_tokens
            .select(last_used_at)
            .first::<Option<chrono::NaiveDateTime>>(c)
            .unwrap()
    })
    .await
}

/// Every bearer request reads its token; only one a minute writes its last
/// use. Shown by holding a lock that stops writes to the token table: the
/// requests are answered at once all the same.
#[tokio::test]
async fn a_token_used_a_moment_ago_is_not_written_again() {
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    assert_eq!(last_used(&app).await, None);
    let (s, _) = app.api_get(&token, "/api/v1/products").await;
    assert_eq!(s, 200);
    let first = last_used(&app).await.expect("first use noted");
    let block = WriteBlock::on(&app.db.url, "api_tokens");
    let client = reqwest::Client::new();
    for _ in 0..10 {
        let t = Instant::now();
        let r = client
            .get(app.url("/api/v1/products"))
            .bearer_auth(&token)
            .timeout(Duration::from_secs(8))
            .send()
            .await
            .expect("answered while token writes would wait");
        assert_eq!(r.status(), 200);
        // A write would wait for the lock: SQLite's busy timeout is 10 s,
        // PostgreSQL waits as long as the lock is held.
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    }
    block.release();
    assert_eq!(last_used(&app).await, Some(first));
    // Once the last use is over a minute old, the next request notes it.
    app.with_conn(move |c| {
        use clinic_stock::db::schema::api_tokens::dsl::*;
        use diesel::prelude::*;
        diesel::update(api_tokens)
            .set(last_used_at.eq(first - chrono::Duration::seconds(61)))
            .execute(c)
            .unwrap();
    })
    .await;
    let (s, _) = app.api_get(&token, "/api/v1/products").await;
    assert_eq!(s, 200);
    let noted = last_used(&app).await.unwrap();
    assert!(noted >= first, "{noted} vs {first}");
}
