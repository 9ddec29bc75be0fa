//! `clinic-stock digest [--site CODE] [--send]` (issue 11.4): prints the
//! day's digest without claiming it; `--send` sends it now through the
//! scheduler's claim, once.

use crate::alerts::auckland;
use crate::digest::{at, person, run_due, run_row, state};
use crate::import_cli::cli;
use crate::smtp::SmtpServer;
use crate::support::*;
use chrono::Duration;
use clinic_stock::db;
use clinic_stock::services::digest as runs;

#[tokio::test]
async fn the_digest_command_prints_the_days_digest() {
    let app = TestApp::new().await;
    let s = auckland(&app).await;
    person(
        &app,
        "mona",
        Role::Manager,
        Some("main"),
        Some("mona@clinic.example"),
        true,
    )
    .await;
    let (code, out, err) = cli(&app, &["digest", "--site", "main"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Subject: Our clinic: 7 stock alerts at "),
        "{out}"
    );
    assert!(
        out.contains("To: \"Mona Person\" <mona@clinic.example>"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "lot A1 at store: 5 each, use by {} (yesterday)",
            s.d - Duration::days(1)
        )),
        "{out}"
    );
    assert!(
        out.contains("http://127.0.0.1:8080/alerts?site=main"),
        "{out}"
    );
    // Printing claims nothing.
    let none = app
        .with_conn(move |c| {
            let site = db::sites::by_code(c, "main").unwrap().unwrap();
            runs::run_of(c, site.id, s.d).unwrap()
        })
        .await;
    assert!(none.is_none());
    let (code, _, err) = cli(&app, &["digest", "--site", "nowhere"]);
    assert_eq!(code, 1);
    assert!(err.contains("no site with code nowhere"), "{err}");
    // --send without mail settings.
    let (code, _, err) = cli(&app, &["digest", "--send"]);
    assert_eq!(code, 2);
    assert!(err.contains("mail is not set up"), "{err}");
}

#[tokio::test]
async fn digest_send_sends_now_once_through_the_same_claim() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let s = auckland(&app).await;
    person(
        &app,
        "mona",
        Role::Manager,
        Some("main"),
        Some("mona@clinic.example"),
        true,
    )
    .await;
    let send = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-stock"))
            .args([
                "--database-url",
                &app.db.url,
                "digest",
                "--site",
                "main",
                "--send",
            ])
            .env("CLINIC_STOCK_SMTP_URL", smtp.url())
            .env("CLINIC_STOCK_MAIL_FROM", "stock@clinic.example")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = send();
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.trim(),
        format!(
            "main: digest of {} (7 alerts) sent to \"Mona Person\" <mona@clinic.example>",
            s.d
        )
    );
    assert_eq!(smtp.messages().len(), 1);
    let (code, out) = send();
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("was sent already; not sent again"), "{out}");
    // The scheduler does not send the day again either.
    assert_eq!(run_due(&state(&app), at(&s, 0, 23, 0)).await, vec![]);
    assert_eq!(smtp.messages().len(), 1);
    let run = run_row(&app, s.d).await;
    assert_eq!(run.status, "sent");
}
