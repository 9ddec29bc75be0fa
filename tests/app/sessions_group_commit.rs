//! Group commit (issue 16 item 2, `db::group_commit`): on SQLite, writers
//! that queue for the write lock are committed together by whoever holds it,
//! each body in its own savepoint; on PostgreSQL each body keeps its own
//! transaction. Either way a failing body is rolled back alone and every
//! other body's rows are kept.

use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use clinic_stock::db::{DbConn, group_commit};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::fixtures::days;
use crate::sessions_fixtures::{body, new_key};
use crate::support::*;

fn insert(conn: &mut DbConn, x: i64) -> QueryResult<usize> {
    diesel::sql_query(format!("INSERT INTO gc_scratch (x) VALUES ({x})")).execute(conn)
}

#[derive(QueryableByName)]
struct X {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    x: i64,
}

fn xs(conn: &mut DbConn) -> Vec<i64> {
    let rows: Vec<X> = diesel::sql_query("SELECT x FROM gc_scratch ORDER BY x")
        .load(conn)
        .unwrap();
    rows.into_iter().map(|r| r.x).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_waiting_for_the_writer_commit_as_one_batch_and_a_failure_rolls_back_alone() {
    let app = TestApp::new().await;
    let mut c0 = app.conn();
    diesel::sql_query("CREATE TABLE gc_scratch (x BIGINT NOT NULL)")
        .execute(&mut *c0)
        .unwrap();
    let before = group_commit::stats(&mut c0).unwrap();

    // The first writer holds the write lock until told to go on.
    let (started_tx, started) = mpsc::channel::<()>();
    let (go, gate) = mpsc::channel::<()>();
    let mut lead_conn = app.conn();
    let leader = std::thread::spawn(move || {
        let gate = Arc::new(std::sync::Mutex::new(gate));
        group_commit::write_tx_grouped(&mut lead_conn, move |conn| {
            insert(conn, 0)?;
            let _ = started_tx.send(());
            let _ = gate.lock().unwrap().recv_timeout(Duration::from_secs(30));
            Ok::<_, DieselError>(())
        })
    });
    started.recv_timeout(Duration::from_secs(30)).unwrap();

    // Four more queue behind it; the third fails after writing its row.
    let mut followers = Vec::new();
    for x in 1..=4i64 {
        let mut conn = app.conn();
        followers.push(std::thread::spawn(move || {
            group_commit::write_tx_grouped(&mut conn, move |conn| {
                insert(conn, x)?;
                if x == 3 {
                    return Err(DieselError::RollbackTransaction);
                }
                Ok(x)
            })
        }));
    }
    if backend() == "sqlite" {
        let deadline = Instant::now() + Duration::from_secs(30);
        while group_commit::queued(&mut c0).unwrap() < 4 {
            assert!(Instant::now() < deadline, "the followers never queued");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    go.send(()).unwrap();
    assert!(leader.join().unwrap().is_ok());
    let results: Vec<Result<i64, DieselError>> =
        followers.into_iter().map(|t| t.join().unwrap()).collect();
    for (i, r) in results.iter().enumerate() {
        let x = i as i64 + 1;
        if x == 3 {
            assert!(matches!(r, Err(DieselError::RollbackTransaction)), "{r:?}");
        } else {
            assert_eq!(r.as_ref().ok(), Some(&x), "{r:?}");
        }
    }
    assert_eq!(
        xs(&mut c0),
        vec![0, 1, 2, 4],
        "the failed body's row is gone, the rest kept"
    );

    let after = group_commit::stats(&mut c0).unwrap();
    if backend() == "sqlite" {
        assert_eq!(after.bodies - before.bodies, 5);
        assert_eq!(
            after.batches - before.batches,
            2,
            "the leader alone, then the four together"
        );
        assert_eq!(group_commit::queued(&mut c0).unwrap(), 0);
    } else {
        assert_eq!(
            after,
            group_commit::Stats::default(),
            "PostgreSQL is never grouped"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_saved_together_keep_idempotency_refusals_and_balances() {
    let app = TestApp::new().await;
    let token = Arc::new(app.token_for(Role::Practitioner).await);
    let roller = app.product("RL-150").roller(150).create().await;
    let lot = app.stock(&roller, "R1", days(100), "30").await;
    let before = app.with_conn(|c| group_commit::stats(c).unwrap()).await;
    let client = reqwest::Client::new();
    let url = Arc::new(app.url("/api/v1/sessions"));
    let start = Arc::new(tokio::sync::Barrier::new(26));
    let twice = new_key();
    let mut tasks = Vec::new();
    for i in 0..26 {
        let (client, url, token, start) =
            (client.clone(), url.clone(), token.clone(), start.clone());
        // 0..23 new sessions; 24 and 25 the same key and body; 23 asks for
        // more than there is.
        let (key, b) = match i {
            24 | 25 => (twice.clone(), body("C-2222", 1.5, &[(&roller, 1.0)])),
            23 => (new_key(), body("C-9999", 1.5, &[(&roller, 99.0)])),
            _ => (
                new_key(),
                body(&format!("C-{i:04}"), 1.5, &[(&roller, 1.0)]),
            ),
        };
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let r = client
                .post(url.as_str())
                .bearer_auth(token.as_str())
                .header("Idempotency-Key", key)
                .json(&b)
                .send()
                .await
                .expect("request sent");
            let status = r.status().as_u16();
            (
                i,
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }));
    }
    let mut twice_ids = Vec::new();
    for t in tasks {
        let (i, status, json) = t.await.unwrap();
        match i {
            23 => {
                assert_eq!(status, 409, "{json}");
                assert_eq!(json["error"]["code"], "insufficient_stock");
            }
            24 | 25 => {
                assert_eq!(status, 201, "{json}");
                twice_ids.push(json["id"].as_i64().unwrap());
            }
            _ => assert_eq!(status, 201, "{i}: {json}"),
        }
    }
    assert_eq!(twice_ids[0], twice_ids[1], "one session for one key");
    // 23 new ones and the one sent twice; 24 units used.
    assert_eq!(app.session_rows().await, (24, 24));
    assert_eq!(app.balance(lot, "store").await, 6000);
    app.assert_ledger_consistent().await;
    let after = app.with_conn(|c| group_commit::stats(c).unwrap()).await;
    if backend() == "sqlite" {
        assert!(after.bodies - before.bodies >= 25, "{before:?} → {after:?}");
        assert!(after.batches - before.batches <= after.bodies - before.bodies);
    }
}
