//! The daily digest's bookkeeping (issue 11.4), without the mail itself
//! (composed and sent by the top-level `digest` module): which sites are
//! due, claiming a site's local day in the database before anything is
//! sent, who receives it, and recording how it ended (with an audit row).
//!
//! Exactly once per site per local day: the claim is a row of
//! `digest_runs` (UNIQUE per site and day), so of several servers on one
//! database, or a server restarted the same day, one claimer sends. A
//! failed send is recorded with its error and claimed again after
//! [`RETRY_AFTER`]; a claim that never finished (its process died while
//! sending) after [`STALE_AFTER`] — far longer than an SMTP conversation
//! may take, so a live claimer has always finished by then.

use chrono::{Duration, NaiveDate, NaiveDateTime};

use crate::db::{self, DbConn, digest as runs, models::Site};
use crate::domain::clock::parse_hhmm;
use crate::error::{ServiceError, ServiceResult};
use crate::services::audit::{self, Changes, Who};

/// A failed send is tried again this long after it was claimed.
pub const RETRY_AFTER: Duration = Duration::minutes(10);
/// A claim without a result this old is taken over.
pub const STALE_AFTER: Duration = Duration::minutes(30);
/// When a site's digest time cannot be read.
pub const DEFAULT_DIGEST_TIME: &str = "07:30";

/// The audit log's name for the server sending the digest by itself.
pub const SCHEDULER: &str = "(digest)";

/// A site whose digest is due: its local time is at or past its digest
/// time, on local day `day`.
#[derive(Debug, Clone)]
pub struct Due {
    pub site: Site,
    pub day: NaiveDate,
}

/// Sites whose local time at `now` (UTC) is at or past their digest time.
/// Whether the day is already done is the claim's business.
pub fn due_sites(conn: &mut DbConn, now: NaiveDateTime) -> ServiceResult<Vec<Due>> {
    let fallback = parse_hhmm(DEFAULT_DIGEST_TIME)
        .map_err(|e| ServiceError::Internal(format!("digest time: {e}")))?;
    Ok(db::sites::list(conn)?
        .into_iter()
        .filter_map(|site| {
            let local = site.clock().local(now);
            let at = parse_hhmm(&site.digest_time).unwrap_or(fallback);
            (local.time() >= at).then(|| Due {
                day: local.date(),
                site,
            })
        })
        .collect())
}

/// The day's digest for one site, held by this claimer until finished.
#[derive(Debug, Clone)]
pub struct Claim {
    pub run_id: i64,
    pub attempt: i32,
    pub site: Site,
    pub day: NaiveDate,
}

/// Claims `site`'s digest of local day `day` at `now`: the first claim of
/// the day, or a failed run at least `retry_after` old, or an abandoned
/// one. `None`: the day is done, being sent, or waiting for its retry.
pub fn claim(
    conn: &mut DbConn,
    site: &Site,
    day: NaiveDate,
    now: NaiveDateTime,
    retry_after: Duration,
) -> ServiceResult<Option<Claim>> {
    let inserted = db::write_tx(conn, |c| runs::insert_claim(c, site.id, day, now));
    let run_id = match inserted {
        Ok(id) => Some(id),
        Err(e) if db::is_unique_violation(&e) => None,
        Err(e) => return Err(e.into()),
    };
    let claimed = match run_id {
        Some(id) => Some((id, 1)),
        None => db::write_tx(conn, |c| {
            let won = runs::reclaim(c, site.id, day, now, now - retry_after, now - STALE_AFTER)?;
            if won != 1 {
                return Ok::<_, diesel::result::Error>(None);
            }
            Ok(runs::run_of(c, site.id, day)?.map(|r| (r.id, r.attempts)))
        })?,
    };
    Ok(claimed.map(|(run_id, attempt)| Claim {
        run_id,
        attempt,
        site: site.clone(),
        day,
    }))
}

/// Someone who receives a site's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub username: String,
    pub name: String,
    pub email: String,
}

/// Active managers and admins with an e-mail address and the digest on:
/// managers bound to a site for their site only; managers without a site
/// and admins for every site.
pub fn recipients(conn: &mut DbConn, site_id: i64) -> ServiceResult<Vec<Recipient>> {
    Ok(runs::recipients(conn, site_id)?
        .into_iter()
        .map(|(username, display, email)| Recipient {
            name: display
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| username.clone()),
            username,
            email,
        })
        .collect())
}

/// How a claimed digest ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Mailed to these addresses.
    Sent { to: Vec<String>, alerts: usize },
    /// No alerts: no mail.
    Empty,
    /// Alerts, but nobody to send them to.
    NoRecipients { alerts: usize },
    /// The mail server refused or could not be reached; tried again later.
    Failed { error: String, alerts: usize },
}

impl Outcome {
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Sent { .. } => "sent",
            Outcome::Empty => "empty",
            Outcome::NoRecipients { .. } => "no_recipients",
            Outcome::Failed { .. } => runs::FAILED,
        }
    }
}

/// Records how the claim ended, with an audit row for a mail sent or
/// failed, in one transaction. `false` when the claim had been lost (taken
/// over as abandoned): nothing is written.
pub fn finish(
    conn: &mut DbConn,
    claim: &Claim,
    outcome: &Outcome,
    who: &str,
    now: NaiveDateTime,
) -> ServiceResult<bool> {
    let (to, error, alerts) = match outcome {
        Outcome::Sent { to, alerts } => (Some(to.join(", ")), None, *alerts),
        Outcome::Empty => (None, None, 0),
        Outcome::NoRecipients { alerts } => (None, None, *alerts),
        Outcome::Failed { error, alerts } => (None, Some(audit::clean(error, 1000)), *alerts),
    };
    let f = runs::Finish {
        status: outcome.status(),
        sent_at: matches!(outcome, Outcome::Sent { .. }).then_some(now),
        error: error.as_deref(),
        recipients: to.as_deref(),
        alerts: i32::try_from(alerts).unwrap_or(i32::MAX),
    };
    db::write_tx(conn, |c| {
        if runs::finish(c, claim.run_id, claim.attempt, &f)? != 1 {
            return Ok(false);
        }
        if matches!(outcome, Outcome::Sent { .. } | Outcome::Failed { .. }) {
            let who = Who {
                user_id: None,
                name: who.to_string(),
                site_id: Some(claim.site.id),
                address: None,
            };
            let summary = match outcome {
                Outcome::Failed { error, .. } => format!(
                    "digest of {} for {} not sent (attempt {}): {error}",
                    claim.site.code, claim.day, claim.attempt
                ),
                _ => format!(
                    "digest of {} for {} sent to {}",
                    claim.site.code,
                    claim.day,
                    to.as_deref().unwrap_or("")
                ),
            };
            let changes = Changes::new()
                .set("status", f.status)
                .set("local_date", claim.day.to_string())
                .set("alerts", f.alerts);
            audit::record(
                c,
                &who,
                f.status,
                "digest",
                Some(claim.run_id),
                &summary,
                &changes,
            )?;
        }
        Ok(true)
    })
}

/// The run of a site's local day, if claimed (tests, the command line).
pub fn run_of(
    conn: &mut DbConn,
    site_id: i64,
    day: NaiveDate,
) -> ServiceResult<Option<runs::DigestRun>> {
    Ok(runs::run_of(conn, site_id, day)?)
}
