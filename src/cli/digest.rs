//! `clinic-stock digest [--site CODE] [--send]`: today's alert digest of
//! each site as it would be mailed (subject, recipients, the plain text),
//! or sent now through the scheduler's claim (`crate::digest::send_now`).

use crate::app::AppState;
use crate::db::{self, DbConn, models::Site};
use crate::digest::{self, SendNow};
use crate::error::ServiceError;
use crate::services::digest::Outcome;

/// Returns the exit code: 0 done (also "nothing to send"), 1 a site that
/// does not exist or a send that failed, 2 mail not set up for `--send`.
pub fn run(state: &AppState, conn: &mut DbConn, site: Option<&str>, send: bool) -> i32 {
    let sites = match sites(conn, site) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", e.public_message());
            return 1;
        }
    };
    if send && state.mailer.is_none() {
        eprintln!(
            "error: mail is not set up: set CLINIC_STOCK_SMTP_URL and CLINIC_STOCK_MAIL_FROM"
        );
        return 2;
    }
    let now = db::now();
    let mut code = 0;
    for s in &sites {
        let day = s.clock().today(now);
        let result = if send {
            digest::send_now(state, s, now).map(|r| report(s, day, &r))
        } else {
            print(conn, state, s, now).map(|()| true)
        };
        match result {
            Ok(true) => {}
            Ok(false) => code = 1,
            Err(e) => {
                eprintln!("error: {}: {e}", s.code);
                code = 1;
            }
        }
    }
    code
}

fn sites(conn: &mut DbConn, code: Option<&str>) -> Result<Vec<Site>, ServiceError> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Ok(vec![db::sites::by_code(conn, c)?.ok_or_else(|| {
            ServiceError::invalid("site", format!("no site with code {c}"))
        })?]),
        None => Ok(db::sites::list(conn)?),
    }
}

fn print(
    conn: &mut DbConn,
    state: &AppState,
    s: &Site,
    now: chrono::NaiveDateTime,
) -> Result<(), ServiceError> {
    match digest::compose(conn, s, &state.config.public_url, now)? {
        None => println!(
            "{}: nothing to send on {} (no alerts)\n",
            s.code,
            s.clock().today(now)
        ),
        Some(c) => {
            let to = if c.outgoing.to.is_empty() {
                "(nobody: no manager or admin with an e-mail address and the digest on)".into()
            } else {
                c.outgoing.to.join(", ")
            };
            println!(
                "Subject: {}\nTo: {to}\n\n{}\n",
                c.outgoing.subject, c.outgoing.text
            );
        }
    }
    Ok(())
}

/// Prints what `--send` did; `false` when it failed.
fn report(s: &Site, day: chrono::NaiveDate, r: &SendNow) -> bool {
    match r {
        SendNow::Done(Outcome::Sent { to, alerts }) => {
            println!(
                "{}: digest of {day} ({alerts} alerts) sent to {}",
                s.code,
                to.join(", ")
            );
            true
        }
        SendNow::Done(Outcome::Empty) => {
            println!("{}: nothing to send on {day} (no alerts)", s.code);
            true
        }
        SendNow::Done(Outcome::NoRecipients { alerts }) => {
            println!(
                "{}: {alerts} alerts on {day} but nobody to send them to",
                s.code
            );
            true
        }
        SendNow::Done(Outcome::Failed { error, .. }) => {
            eprintln!("{}: digest of {day} not sent: {error}", s.code);
            false
        }
        SendNow::AlreadyDone(status) => {
            let what = match status.as_str() {
                "sent" => "was sent already",
                "sending" => "is being sent",
                "empty" => "was done already (nothing to send)",
                "no_recipients" => "was done already (nobody to send it to)",
                _ => "is waiting for its retry",
            };
            println!("{}: the digest of {day} {what}; not sent again", s.code);
            true
        }
    }
}
