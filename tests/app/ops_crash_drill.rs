//! The crash drill (issue 10): a real server process is killed with
//! SIGKILL while 8 writers log sessions through the API, then restarted,
//! five times over. Every session that was acknowledged (2xx) is there
//! afterwards, `clinic-stock check` passes, and each request whose answer
//! was lost, sent again with its idempotency key, makes exactly one session.
//! Meanwhile `/health` (which commits a write of its own) says ok throughout.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::fixtures::days;
use crate::server_process::{ServerProcess, cli};
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

const CYCLES: usize = 5;
const WRITERS: usize = 8;

/// A request: its idempotency key and body.
type Sent = (String, serde_json::Value);

/// What one writer saw: sessions acknowledged (id and request) and
/// requests whose answer never came.
#[derive(Default)]
struct Seen {
    acked: Vec<(i64, Sent)>,
    lost: Vec<Sent>,
}

/// Posts sessions to `base` until a request fails (the server died) or
/// `stop` is set.
async fn writer(
    base: String,
    token: String,
    roller: serde_json::Value,
    name: String,
    stop: Arc<AtomicBool>,
) -> Seen {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut seen = Seen::default();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let key = new_key();
        let mut b = roller.clone();
        b["client_ref"] = format!("{name}-{n}").into();
        let answer = client
            .post(format!("{base}/api/v1/sessions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&b)
            .send()
            .await;
        let answer = match answer {
            Ok(r) => {
                let status = r.status().as_u16();
                r.json::<serde_json::Value>().await.map(|j| (status, j))
            }
            Err(e) => Err(e),
        };
        match answer {
            Ok((201, json)) => seen.acked.push((json["id"].as_i64().unwrap(), (key, b))),
            Ok((status, json)) => panic!("{name}: {status} {json}"),
            Err(_) => {
                seen.lost.push((key, b));
                break;
            }
        }
    }
    seen
}

/// Asks `/health` every 100 ms until it gets no answer (the server died)
/// or `stop` is set: the statuses and the slowest answer.
async fn health_prober(base: String, stop: Arc<AtomicBool>) -> (Vec<u16>, Duration) {
    let client = reqwest::Client::new();
    let (mut statuses, mut worst) = (Vec::new(), Duration::ZERO);
    while !stop.load(Ordering::SeqCst) {
        let t = Instant::now();
        let Ok(r) = client.get(format!("{base}/health")).send().await else {
            break;
        };
        let status = r.status().as_u16();
        if r.bytes().await.is_err() {
            break;
        }
        worst = worst.max(t.elapsed());
        statuses.push(status);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (statuses, worst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn crash_drill_kill_9_under_8_writers_loses_no_acknowledged_session() {
    let started = Instant::now();
    let app = TestApp::new().await;
    let token = app.token_for(Role::Practitioner).await;
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(300), "50000").await;
    let template = body("", 1.5, &[(&roller, 1.0)]);
    let mut acked: Vec<(i64, Sent)> = Vec::new();
    let mut lost: Vec<Sent> = Vec::new();
    let mut worst_health = Duration::ZERO;
    for cycle in 0..CYCLES {
        let mut server = ServerProcess::start(&app.db.url, &[]);
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = (0..WRITERS)
            .map(|w| {
                tokio::spawn(writer(
                    server.base.clone(),
                    token.clone(),
                    template.clone(),
                    format!("C{cycle}W{w}"),
                    stop.clone(),
                ))
            })
            .collect();
        let prober = tokio::spawn(health_prober(server.base.clone(), stop.clone()));
        // Kill at a different moment of each cycle.
        tokio::time::sleep(Duration::from_millis(1200 + 211 * cycle as u64)).await;
        server.kill9();
        // Writers stop at their first failed request; the flag is for one
        // that would otherwise never meet the dead server.
        tokio::time::sleep(Duration::from_millis(500)).await;
        stop.store(true, Ordering::SeqCst);
        let before = acked.len();
        for t in tasks {
            let seen = t.await.unwrap();
            acked.extend(seen.acked);
            lost.extend(seen.lost);
        }
        assert!(acked.len() > before, "cycle {cycle} acknowledged sessions");
        // Under the writers /health said ok (it waits for a write of its own).
        let (statuses, worst) = prober.await.unwrap();
        assert!(
            !statuses.is_empty() && statuses.iter().all(|s| *s == 200),
            "{statuses:?}"
        );
        worst_health = worst_health.max(worst);
    }

    // Every acknowledged session is there, with its stock movement.
    let server = ServerProcess::start(&app.db.url, &[]);
    let stored: std::collections::BTreeSet<i64> = app
        .with_conn(|c| {
            use clinic_stock::db::schema::treatment_sessions::dsl::*;
            treatment_sessions.select(id).load::<i64>(c).unwrap()
        })
        .await
        .into_iter()
        .collect();
    let missing: Vec<_> = acked
        .iter()
        .filter(|(id, _)| !stored.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged sessions missing",
        missing.len()
    );
    // The requests whose answers were lost, sent again with their keys:
    // each makes (or names) exactly one session.
    let client = reqwest::Client::new();
    for (key, b) in &lost {
        let r = client
            .post(server.url("/api/v1/sessions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(b)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "retry of a lost request");
    }
    // An acknowledged request sent again names its session, nothing new.
    for (id, (key, b)) in [acked.first(), acked.last()].into_iter().flatten() {
        let r = client
            .post(server.url("/api/v1/sessions"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(b)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let json: serde_json::Value = r.json().await.unwrap();
        assert_eq!(json["id"].as_i64(), Some(*id));
    }
    let sessions = app.session_rows().await.0;
    assert_eq!(
        sessions as usize,
        acked.len() + lost.len(),
        "one session per key: {} acknowledged, {} retried",
        acked.len(),
        lost.len()
    );
    assert_eq!(
        app.balance(lot, "store").await,
        (50_000 - sessions) * 1000,
        "stock went down once per session"
    );
    let out = cli(&app.db.url, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "check: {stdout}");
    assert!(stdout.contains("ok:"), "{stdout}");
    eprintln!(
        "crash drill ({}): {CYCLES} kill -9 cycles, {} sessions acknowledged, {} answers lost and retried, /health under the writers worst {} ms, {:.1} s",
        backend(),
        acked.len(),
        lost.len(),
        worst_health.as_millis(),
        started.elapsed().as_secs_f64()
    );
}
