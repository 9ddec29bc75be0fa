//! "Mark as sent" from the order page, which posts the lines as they stand
//! on the page: the edits are saved first, then the order is sent, in one
//! transaction, so that an edit typed before pressing it is never lost.
//!
//! The e-mail text on the page was written for the lines as they were
//! saved. When the lines change with the send: an untouched (or empty) text
//! is written again for the new lines; a text the person changed is kept
//! and not sent — the lines are saved and the page asks to check the text
//! ([`SendOutcome::SavedCheckText`]), since it may list the old packs.

use chrono::NaiveDateTime;

use super::drafts::replace_lines_of;
use super::lifecycle::{mark_sent, sent_at};
use super::{LineDraft, OrderView, SendDraft, email_text, load_seen, text};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::error::ServiceResult;

/// What the order page posts with "Mark as sent".
pub struct SaveAndSend<'a> {
    pub note: Option<String>,
    pub lines: Vec<LineDraft>,
    /// Names line `i`'s field `name` as the page does.
    pub field: &'a dyn Fn(usize, &str) -> String,
    pub send: SendDraft,
    /// The name the page's e-mail text was signed with.
    pub sender: String,
}

/// What happened.
#[derive(Debug)]
pub enum SendOutcome {
    /// Saved (when edited) and sent.
    Sent(OrderView),
    /// The lines changed and were saved; the e-mail text the person edited
    /// was written for the old lines, so the order was not sent.
    SavedCheckText(OrderView),
}

/// Line content that matters to the supplier: (product, packs, pack cost).
fn content(v: &OrderView) -> Vec<(i64, i64, i64)> {
    let mut c: Vec<_> = v
        .lines
        .iter()
        .map(|l| (l.product.id, l.line.packs, l.line.pack_cost_cents))
        .collect();
    c.sort_unstable();
    c
}

/// Text as compared: line ends as `\n`, no surrounding blank space.
fn normal(t: &str) -> String {
    t.replace("\r\n", "\n").trim().to_string()
}

/// Saves the page's lines, then sends the order (see the module).
pub fn save_and_send(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &SaveAndSend,
    now: NaiveDateTime,
) -> ServiceResult<SendOutcome> {
    actor.require(Action::ManageOrders)?;
    let sent_at = sent_at(conn, actor, id, &d.send, now)?;
    db::write_tx(conn, |conn| {
        let before = load_seen(conn, actor, id)?;
        let settings = crate::services::settings::load(conn)?;
        let write =
            |v: &OrderView| email_text(v, &settings.clinic_name, &settings.currency, &d.sender);
        let old_text = write(&before);
        let changed_from = content(&before);
        let after = replace_lines_of(conn, actor, before, &d.note, &d.lines, d.field)?;
        let typed = text(&d.send.email_text);
        let email = if content(&after) == changed_from {
            typed.map(str::to_string)
        } else if typed.is_none_or(|t| normal(t) == normal(&old_text)) {
            Some(write(&after))
        } else {
            return Ok(SendOutcome::SavedCheckText(after));
        };
        mark_sent(conn, actor, after, sent_at, email).map(SendOutcome::Sent)
    })
}
