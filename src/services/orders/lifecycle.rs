//! An order's life after drafting: sent (a date and the e-mail text to copy)
//! or cancelled.

use chrono::NaiveDateTime;

use super::drafts::not_draft;
use super::{OrderView, load, load_seen, text};
use crate::db::{self, DbConn};
use crate::domain::access::{Action, Actor};
use crate::domain::quantity::{fmt_money, fmt_qty};
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit;

#[derive(Debug, Clone, Default)]
pub struct SendDraft {
    /// `YYYY-MM-DD`
    pub sent_on: Option<String>,
    pub email_text: Option<String>,
}

/// Marks a draft as sent.
pub fn send(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &SendDraft,
    now: NaiveDateTime,
) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    let sent_at = sent_at(conn, actor, id, d, now)?;
    db::write_tx(conn, |conn| {
        let view = load_seen(conn, actor, id)?;
        let email = text(&d.email_text).map(str::to_string);
        mark_sent(conn, actor, view, sent_at, email)
    })
}

/// Checks the sending fields; the moment to record as sent (an earlier
/// day is recorded at noon there, the day being a day at the order's site).
pub(super) fn sent_at(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    d: &SendDraft,
    now: NaiveDateTime,
) -> ServiceResult<NaiveDateTime> {
    let clock = load_seen(conn, actor, id)?.site.clock();
    let today = clock.today(now);
    let mut p = Problems::new();
    let sent_on = match text(&d.sent_on) {
        Some(t) => match crate::services::receiving::parse_date(t) {
            Ok(day) if day > today => {
                p.add("sent_on", "cannot be in the future");
                None
            }
            Ok(day) => Some(day),
            Err(e) => {
                p.add("sent_on", e);
                None
            }
        },
        None => Some(today),
    };
    if text(&d.email_text).is_some_and(|t| t.chars().count() > 20_000) {
        p.add("email_text", "up to 20,000 characters");
    }
    p.finish()?;
    let sent_on = sent_on.unwrap_or(today);
    Ok(if sent_on == today {
        now
    } else {
        sent_on
            .and_hms_opt(12, 0, 0)
            .and_then(|t| clock.to_utc(t).ok())
            .unwrap_or(now)
    })
}

/// Inside a write transaction: marks the draft `view` as sent with the
/// e-mail text (none: the generated one).
pub(super) fn mark_sent(
    conn: &mut DbConn,
    actor: &Actor,
    view: OrderView,
    sent_at: NaiveDateTime,
    email: Option<String>,
) -> ServiceResult<OrderView> {
    if !view.is_draft() {
        return Err(not_draft(&view));
    }
    if view.lines.is_empty() {
        return Err(ServiceError::conflict(
            ErrorCode::OrderEmpty,
            format!("{} has no lines; add what to order first", view.number()),
        ));
    }
    let email = match email {
        Some(t) => t,
        None => {
            let settings = crate::services::settings::load(conn)?;
            email_text(
                &view,
                &settings.clinic_name,
                &settings.currency,
                &actor.username,
            )
        }
    };
    let id = view.order.id;
    if db::orders::mark_sent(conn, id, sent_at, &email)? != 1 {
        return Err(not_draft(&view));
    }
    let after = load(conn, id)?;
    audit::order_changed(conn, actor, "send", Some(&view), &after)?;
    Ok(after)
}

/// Cancels a draft, sent or partly received order.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    id: i64,
    reason: &Option<String>,
) -> ServiceResult<OrderView> {
    actor.require(Action::ManageOrders)?;
    db::write_tx(conn, |conn| {
        let view = load_seen(conn, actor, id)?;
        if !view.can_cancel() {
            return Err(ServiceError::conflict(
                ErrorCode::OrderClosed,
                format!(
                    "{} is already {}",
                    view.number(),
                    view.status.label().to_lowercase()
                ),
            ));
        }
        let changed =
            db::orders::move_status(conn, id, &["draft", "sent", "partial"], "cancelled", true)?;
        if changed != 1 {
            return Err(ServiceError::conflict(
                ErrorCode::OrderClosed,
                format!("{} changed meanwhile; reload it", view.number()),
            ));
        }
        if let Some(r) = text(reason) {
            let note = match &view.order.note {
                Some(n) => format!("{n}\nCancelled: {r}"),
                None => format!("Cancelled: {r}"),
            };
            db::orders::set_note(conn, id, Some(&note))?;
        }
        let after = load(conn, id)?;
        audit::order_changed(conn, actor, "cancel", Some(&view), &after)?;
        Ok(after)
    })
}

/// The e-mail a manager copies into their mail program.
pub fn email_text(view: &OrderView, clinic: &str, currency: &str, sender: &str) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "Subject: Purchase order {} from {clinic}\n\n",
        view.number()
    ));
    s.push_str(&format!("Dear {},\n\n", view.supplier.name));
    s.push_str(&format!(
        "please deliver the following to {clinic} ({}):\n\n",
        view.site.name
    ));
    for l in &view.lines {
        let gtin = l
            .product
            .gtin
            .as_deref()
            .map(|g| format!(", GTIN {g}"))
            .unwrap_or_default();
        s.push_str(&format!(
            "- {} × pack of {} {} — {} {}{gtin} — {} {currency} per pack\n",
            l.line.packs,
            fmt_qty(l.line.pack_size),
            l.product.unit,
            l.product.sku,
            l.product.name,
            fmt_money(l.line.pack_cost_cents),
        ));
    }
    s.push_str(&format!(
        "\nOrder total: {} {currency}\n\n",
        fmt_money(view.total_cents())
    ));
    s.push_str(
        "Please confirm the delivery date, and put lot numbers and expiry dates on the delivery note.\n\n",
    );
    s.push_str(&format!("Kind regards,\n{sender}\n{clinic}\n"));
    s
}
