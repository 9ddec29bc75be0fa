//! The daily digest (issue 11.4) against the SMTP server in the test
//! process: sent at the site's local digest time to the right people (text
//! and HTML, local times with the zone, links to /alerts), once per site
//! per local day — also across a restart and with two servers on one
//! database; nothing to send → no mail; a refusal is recorded and tried
//! again later (the command line: `digest_cli.rs`).

use std::sync::{Arc, Barrier};

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;

use crate::alerts::{Scenario, auckland};
use crate::smtp::{Mode, SmtpServer};
use crate::support::*;
use clinic_stock::app::AppState;
use clinic_stock::config::{AppConfig, ServeArgs};
use clinic_stock::db::{self, schema::users};
use clinic_stock::digest::{self, SiteResult};
use clinic_stock::services::digest::{self as runs, Outcome};

/// A user of `role` (bound to `site` if given) with `email`, the digest on
/// or off, and a display name.
pub async fn person(
    app: &TestApp,
    name: &str,
    role: Role,
    site: Option<&str>,
    email: Option<&str>,
    on: bool,
) {
    let id = app.add_user(name, role).await;
    let (site, email, display) = (
        site.map(str::to_string),
        email.map(str::to_string),
        format!("{} Person", name[..1].to_uppercase() + &name[1..]),
    );
    app.with_conn(move |c| {
        let site_id = site.map(|s| db::sites::by_code(c, &s).unwrap().unwrap().id);
        diesel::update(users::table.find(id))
            .set((
                users::site_id.eq(site_id),
                users::email.eq(email),
                users::digest_enabled.eq(on),
                users::display_name.eq(Some(display)),
            ))
            .execute(c)
            .unwrap();
    })
    .await;
}

/// The app's state with links to the test server's own address.
pub fn state(app: &TestApp) -> AppState {
    let mut s = app.state.clone();
    s.config.public_url = app.base.clone();
    s
}

/// A second server's state on the same database (a restart, or another
/// machine), with the same mail settings.
async fn another_server(app: &TestApp, smtp: &SmtpServer) -> AppState {
    let (url, smtp_url, base) = (app.db.url.clone(), smtp.url(), app.base.clone());
    tokio::task::spawn_blocking(move || {
        let mut config = AppConfig::new(&url, &ServeArgs::default());
        config.mail = clinic_stock::mail::MailConfig::parse(
            Some(&smtp_url),
            Some("Clinic stock <stock@clinic.example>"),
        )
        .unwrap();
        config.public_url = base;
        AppState::open(config).unwrap()
    })
    .await
    .unwrap()
}

pub async fn run_due(state: &AppState, now: NaiveDateTime) -> Vec<SiteResult> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || digest::run_due(&state, now).unwrap())
        .await
        .unwrap()
}

/// 07:30 (or another time) at the Auckland site on day D + `day`.
pub fn at(s: &Scenario, day: i64, h: u32, m: u32) -> NaiveDateTime {
    s.clock
        .to_utc((s.d + Duration::days(day)).and_hms_opt(h, m, 0).unwrap())
        .unwrap()
}

pub async fn run_row(app: &TestApp, day: chrono::NaiveDate) -> db::digest::DigestRun {
    app.with_conn(move |c| {
        let site = db::sites::by_code(c, "main").unwrap().unwrap();
        runs::run_of(c, site.id, day).unwrap().unwrap()
    })
    .await
}

fn sent_to(r: &[SiteResult]) -> Vec<(String, Vec<String>)> {
    r.iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Sent { to, .. } => Some((r.site.clone(), to.clone())),
            _ => None,
        })
        .collect()
}

/// `auckland`'s clinic with a second site, north (London), and people with
/// and without e-mail, digest, site, or an active account.
struct Digests {
    smtp: SmtpServer,
    app: TestApp,
    s: Scenario,
    admin: String,
    st: AppState,
}

async fn digest_people() -> Digests {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let s = auckland(&app).await;
    let admin = app.token_for(Role::Admin).await;
    let (status, v) = app
        .api_post(
            &admin,
            "/api/v1/sites",
            &json!({"code": "north", "name": "North Clinic", "time_zone": "Europe/London"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    person(
        &app,
        "maria",
        Role::Admin,
        None,
        Some("maria@clinic.example"),
        true,
    )
    .await;
    person(
        &app,
        "mona",
        Role::Manager,
        Some("main"),
        Some("mona@clinic.example"),
        true,
    )
    .await;
    person(
        &app,
        "nils",
        Role::Manager,
        Some("north"),
        Some("nils@clinic.example"),
        true,
    )
    .await;
    person(
        &app,
        "chris",
        Role::Manager,
        None,
        Some("chris@clinic.example"),
        false,
    )
    .await;
    person(
        &app,
        "pia",
        Role::Practitioner,
        Some("main"),
        Some("pia@clinic.example"),
        true,
    )
    .await;
    person(&app, "olga", Role::Manager, Some("main"), None, true).await;
    person(
        &app,
        "dora",
        Role::Manager,
        Some("main"),
        Some("dora@clinic.example"),
        true,
    )
    .await;
    app.with_conn(|c| {
        let id = db::users::by_username(c, "dora").unwrap().unwrap().id;
        db::users::set_active(c, id, false).unwrap();
    })
    .await;
    let st = state(&app);
    Digests {
        smtp,
        app,
        s,
        admin,
        st,
    }
}

/// `digest_people` after the 07:29 and 07:30 (Auckland) runs: north's
/// digest and main's went out; returns the 07:30 run's result.
async fn both_digests_sent() -> (Digests, Vec<SiteResult>) {
    let d = digest_people().await;
    run_due(&d.st, at(&d.s, 0, 7, 29)).await;
    let r = run_due(&d.st, at(&d.s, 0, 7, 30)).await;
    (d, r)
}

#[tokio::test]
async fn the_digest_goes_out_at_the_local_digest_time_of_each_site() {
    // `_app` keeps the server and its database alive while `st` is used
    // (a field left to `..` is dropped at the end of this statement).
    let Digests {
        smtp,
        s,
        st,
        app: _app,
        ..
    } = digest_people().await;
    // 07:29 in Auckland is 18:29 the evening before in London: north is
    // due (the roller's min of 20 holds there too, with nothing on the
    // shelf) and goes to the admin and north's manager.
    let r = run_due(&st, at(&s, 0, 7, 29)).await;
    assert_eq!(
        sent_to(&r),
        vec![(
            "north".to_string(),
            vec![
                "\"Maria Person\" <maria@clinic.example>".to_string(),
                "\"Nils Person\" <nils@clinic.example>".to_string()
            ]
        )]
    );
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn the_digest_goes_to_the_admin_and_the_sites_manager_with_the_alerts() {
    let (Digests { smtp, app, s, .. }, r) = both_digests_sent().await;
    // 07:30 local: main's digest, to the admin and main's manager only.
    assert_eq!(
        sent_to(&r),
        vec![(
            "main".to_string(),
            vec![
                "\"Maria Person\" <maria@clinic.example>".to_string(),
                "\"Mona Person\" <mona@clinic.example>".to_string()
            ]
        )]
    );
    let got = smtp.messages();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].to, ["maria@clinic.example", "mona@clinic.example"]);
    let m = got[1].parsed();
    let site_name = app
        .with_conn(|c| db::sites::by_code(c, "main").unwrap().unwrap().name)
        .await;
    assert_eq!(
        m.subject,
        format!("Our clinic: 7 stock alerts at {site_name} on {}", s.d)
    );
    let text = m.text.clone().unwrap().replace("\r\n", "\n");
    let zone = s.clock.abbreviation(at(&s, 0, 7, 30));
    for line in [
        format!("Stock alerts for {site_name} (main) on {}", s.d),
        format!("Prepared at 07:30 {zone} (Pacific/Auckland). 7 to look at:"),
        format!("{}/alerts?site=main", app.base),
        format!(
            "- Product R-150 (R-150): 17 each usable, min 20, 20 on order\n  {}/products/{}",
            app.base, s.roller
        ),
        format!(
            "- Product R-150 (R-150) lot A1 at store: 5 each, use by {} (yesterday)\n  {}/lots/{}",
            s.d - Duration::days(1),
            app.base,
            s.a1
        ),
        format!(
            "- Product SER-1 (SER-1) lot B1 at store: 5 ml, discard by {} (yesterday)",
            s.d - Duration::days(1)
        ),
        format!("{}/orders/{}", app.base, s.o1),
    ] {
        assert!(text.contains(&line), "{line}\n---\n{text}");
    }
    let doc = m.html_doc();
    assert_eq!(
        crate::access_sites_world::attrs(&doc, "#expiring tr[data-lot]", "data-lot"),
        [s.a2, s.c2, s.a3].map(|i| i.to_string())
    );
    assert_eq!(
        crate::access_sites_world::attrs(&doc, "#alerts-link", "href"),
        [format!("{}/alerts?site=main", app.base)]
    );
    let run = run_row(&app, s.d).await;
    assert_eq!(
        (run.status.as_str(), run.attempts, run.alerts),
        ("sent", 1, 7)
    );
    assert_eq!(run.sent_at, Some(at(&s, 0, 7, 30)));
}

#[tokio::test]
async fn the_digest_goes_out_once_a_day_even_after_a_restart() {
    let (
        Digests {
            smtp,
            app,
            s,
            admin,
            st,
        },
        _,
    ) = both_digests_sent().await;
    // Later the same day, and after a restart: nothing more.
    assert_eq!(run_due(&st, at(&s, 0, 7, 31)).await, vec![]);
    let restarted = another_server(&app, &smtp).await;
    // (Noon in Auckland: still the evening before in London.)
    assert_eq!(run_due(&restarted, at(&s, 0, 12, 0)).await, vec![]);
    assert_eq!(smtp.messages().len(), 2);
    assert_eq!(smtp.attempts(), 2);

    // The audit log names the digests.
    let (status, v) = app.api_get(&admin, "/api/v1/audit?entity=digest").await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["total"], 2, "{v}");
    assert_eq!(v["items"][0]["action"], "sent");
    assert_eq!(v["items"][0]["actor"], "(digest)");
    assert!(
        v["items"][0]["summary"]
            .as_str()
            .unwrap_or("")
            .contains("mona@clinic.example")
            || v.to_string().contains("mona@clinic.example"),
        "{v}"
    );
}

#[tokio::test]
async fn nothing_to_send_sends_no_mail_and_nobody_to_send_to_neither() {
    let smtp = SmtpServer::start();
    let app = TestApp::with_mail(&smtp.url()).await;
    let clock = app.set_zone("Pacific/Auckland").await;
    let d = clock.today(db::now());
    let eight = |day: chrono::NaiveDate| clock.to_utc(day.and_hms_opt(8, 0, 0).unwrap()).unwrap();
    person(
        &app,
        "mona",
        Role::Manager,
        Some("main"),
        Some("mona@clinic.example"),
        true,
    )
    .await;
    let st = state(&app);
    let r = run_due(&st, eight(d)).await;
    assert_eq!(
        r,
        vec![SiteResult {
            site: "main".into(),
            outcome: Outcome::Empty
        }]
    );
    assert_eq!(run_row(&app, d).await.status, "empty");
    assert_eq!(run_due(&st, eight(d) + Duration::hours(1)).await, vec![]);

    // The next day an expired lot is on the shelf, but mona turned the
    // digest off: alerts, nobody to tell, no mail.
    let p = app.product("GLV").create().await;
    app.stock(&p, "G1", d - Duration::days(1), "10").await;
    app.with_conn(|c| {
        diesel::update(users::table.filter(users::username.eq("mona")))
            .set(users::digest_enabled.eq(false))
            .execute(c)
            .unwrap();
    })
    .await;
    let r = run_due(&st, eight(d + Duration::days(1))).await;
    assert_eq!(
        r,
        vec![SiteResult {
            site: "main".into(),
            outcome: Outcome::NoRecipients { alerts: 1 }
        }]
    );
    assert_eq!(smtp.attempts(), 0, "no SMTP conversation at all");
}

#[tokio::test]
async fn a_refused_digest_is_not_marked_sent_and_goes_out_on_a_later_try() {
    let smtp = SmtpServer::start();
    smtp.set_mode(Mode::RefuseRcpt);
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
    let st = state(&app);

    let r = run_due(&st, at(&s, 0, 7, 30)).await;
    assert!(
        matches!(
            &r[..],
            [SiteResult {
                outcome: Outcome::Failed { .. },
                ..
            }]
        ),
        "{r:?}"
    );
    assert!(smtp.messages().is_empty());
    let run = run_row(&app, s.d).await;
    assert_eq!(
        (run.status.as_str(), run.attempts, run.sent_at),
        ("failed", 1, None)
    );
    assert!(
        run.error.as_deref().unwrap_or("").contains("refused"),
        "{run:?}"
    );

    // Not again before the retry delay, then again, and it goes out.
    smtp.set_mode(Mode::Accept);
    let tries = smtp.attempts();
    assert_eq!(run_due(&st, at(&s, 0, 7, 39)).await, vec![]);
    assert_eq!(smtp.attempts(), tries);
    let r = run_due(&st, at(&s, 0, 7, 40)).await;
    assert_eq!(sent_to(&r).len(), 1, "{r:?}");
    assert_eq!(smtp.messages().len(), 1);
    let run = run_row(&app, s.d).await;
    assert_eq!(
        (run.status.as_str(), run.attempts, run.error),
        ("sent", 2, None)
    );
    assert_eq!(run_due(&st, at(&s, 0, 8, 30)).await, vec![]);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn two_servers_on_one_database_send_one_digest_a_day() {
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
    let servers = [state(&app), another_server(&app, &smtp).await];
    for day in 0..3 {
        let now = at(&s, day, 7, 30);
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (st, b) = (servers[i % 2].clone(), barrier.clone());
                std::thread::spawn(move || {
                    b.wait();
                    digest::run_due(&st, now).unwrap()
                })
            })
            .collect();
        let sent: usize = handles
            .into_iter()
            .map(|h| sent_to(&h.join().unwrap()).len())
            .sum();
        assert_eq!(sent, 1, "day {day}");
        assert_eq!(smtp.messages().len(), day as usize + 1, "day {day}");
    }
}
