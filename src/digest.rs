//! The daily digest by e-mail (issue 11.4): the background thread `serve`
//! starts when mail is configured, and the one step it takes every minute,
//! [`run_due`], which tests and the command line call with a clock of
//! their own.
//!
//! For each site whose local time is at or past its `digest_time`, the
//! site's local day is claimed in the database (`services::digest::claim`)
//! before anything is sent, so that it is mailed once per site per local
//! day, whatever the number of servers on the database and however often
//! they restart. The claimer computes the alerts (`services::alerts`), and
//! with none records the day as done without a mail; otherwise it mails
//! text + HTML to the site's recipients and records the result. An SMTP
//! failure is recorded with its error and tried again after
//! `services::digest::RETRY_AFTER`. Sending never happens inside a
//! database transaction.

use std::time::Duration as StdDuration;

use chrono::{Duration, NaiveDateTime};

use crate::app::AppState;
use crate::db::{self, DbConn, models::Site};
use crate::error::{ServiceError, ServiceResult};
use crate::mail::{Mailer, Outgoing};
use crate::services::digest::{self as runs, Claim, Outcome};
use crate::services::{alerts, settings};
use crate::views::digest::DigestMail;

/// How often the thread looks at the clock.
pub const TICK: StdDuration = StdDuration::from_secs(60);

/// What happened to one site's digest in a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteResult {
    pub site: String,
    pub outcome: Outcome,
}

/// One step of the scheduler at `now` (UTC): every due site whose day can
/// be claimed is handled. Returns what was done (sites skipped because the
/// day is done, being sent elsewhere, or waiting for a retry are left out).
pub fn run_due(state: &AppState, now: NaiveDateTime) -> ServiceResult<Vec<SiteResult>> {
    let Some(mailer) = &state.mailer else {
        return Ok(Vec::new());
    };
    let mut conn = connection(state)?;
    let mut done = Vec::new();
    for due in runs::due_sites(&mut conn, now)? {
        let Some(claim) = runs::claim(&mut conn, &due.site, due.day, now, runs::RETRY_AFTER)?
        else {
            continue;
        };
        // Whatever went wrong is recorded, so the day is tried again later.
        let outcome =
            deliver(&mut conn, mailer, state, &claim, now).unwrap_or_else(|e| Outcome::Failed {
                error: e.to_string(),
                alerts: 0,
            });
        runs::finish(&mut conn, &claim, &outcome, runs::SCHEDULER, now)?;
        done.push(SiteResult {
            site: due.site.code,
            outcome,
        });
    }
    Ok(done)
}

fn connection(state: &AppState) -> ServiceResult<crate::db::PooledConn> {
    state
        .pool
        .get()
        .map_err(|e| ServiceError::Internal(format!("database pool: {e}")))
}

/// The digest of a claimed day: composed and sent (or not), not recorded.
fn deliver(
    conn: &mut DbConn,
    mailer: &Mailer,
    state: &AppState,
    claim: &Claim,
    now: NaiveDateTime,
) -> ServiceResult<Outcome> {
    let Some(message) = compose(conn, &claim.site, &state.config.public_url, now)? else {
        return Ok(Outcome::Empty);
    };
    let alerts = message.alerts;
    if message.outgoing.to.is_empty() {
        return Ok(Outcome::NoRecipients { alerts });
    }
    Ok(match mailer.send(&message.outgoing) {
        Ok(()) => Outcome::Sent {
            to: message.outgoing.to,
            alerts,
        },
        Err(e) => Outcome::Failed {
            error: e.to_string(),
            alerts,
        },
    })
}

/// A composed digest.
#[derive(Debug, Clone)]
pub struct Composed {
    pub outgoing: Outgoing,
    pub alerts: usize,
}

/// The digest of `site` at `now` with its recipients; `None` when there
/// is nothing to send (no alerts).
pub fn compose(
    conn: &mut DbConn,
    site: &Site,
    base_url: &str,
    now: NaiveDateTime,
) -> ServiceResult<Option<Composed>> {
    let a = alerts::for_site(conn, site.clone(), now)?;
    if a.is_empty() {
        return Ok(None);
    }
    let clinic = settings::load(conn)?.clinic_name;
    let to = runs::recipients(conn, site.id)?
        .into_iter()
        .map(|r| format!("{} <{}>", quoted(&r.name), r.email))
        .collect();
    let m = DigestMail::new(&a, &clinic, base_url, now);
    let template = |e: askama::Error| ServiceError::Internal(format!("digest template: {e}"));
    Ok(Some(Composed {
        outgoing: Outgoing {
            to,
            subject: m.subject.clone(),
            text: m.text().map_err(template)?,
            html: Some(m.html().map_err(template)?),
            ..Outgoing::default()
        },
        alerts: a.count(),
    }))
}

/// A display name as a mailbox's phrase: quoted, without characters that
/// would end the quote.
fn quoted(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !matches!(c, '"' | '\\' | '<' | '>') && !c.is_control())
        .collect();
    format!("\"{}\"", clean.trim())
}

/// Sends `site`'s digest of today now (`clinic-stock digest --send`),
/// through the same claim as the scheduler: a day already sent (or being
/// sent) is not sent again; a failed one is tried again at once.
pub fn send_now(state: &AppState, site: &Site, now: NaiveDateTime) -> ServiceResult<SendNow> {
    let Some(mailer) = &state.mailer else {
        return Err(ServiceError::BadRequest(
            "mail is not set up: set CLINIC_STOCK_SMTP_URL and CLINIC_STOCK_MAIL_FROM".into(),
        ));
    };
    let mut conn = connection(state)?;
    let day = site.clock().today(now);
    let Some(claim) = runs::claim(&mut conn, site, day, now, Duration::zero())? else {
        let run = runs::run_of(&mut conn, site.id, day)?;
        return Ok(SendNow::AlreadyDone(
            run.map(|r| r.status).unwrap_or_default(),
        ));
    };
    let outcome = deliver(&mut conn, mailer, state, &claim, now)?;
    let who = crate::services::accounts::command_line_actor(&mut conn)?.username;
    runs::finish(&mut conn, &claim, &outcome, &who, now)?;
    Ok(SendNow::Done(outcome))
}

/// What `digest --send` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendNow {
    Done(Outcome),
    /// The day was claimed already: its status (`sent`, `sending`, `empty`, …).
    AlreadyDone(String),
}

/// Starts the scheduler thread: a step at once, then one a minute. Errors
/// are logged and the next step tries again.
pub fn spawn(state: AppState) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("digest".into())
        .spawn(move || {
            loop {
                match run_due(&state, db::now()) {
                    Ok(done) => {
                        for r in done {
                            tracing::info!(site = %r.site, outcome = ?r.outcome, "daily digest");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "daily digest step failed"),
                }
                std::thread::sleep(TICK);
            }
        })
}
