//! A draft order's lines form: "Save lines", and "Mark as sent", which
//! posts the same form (the sending fields belong to it with `form=`), so
//! that line edits typed before sending are saved with the send instead of
//! being dropped (`services::orders::save_send`).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{order_page, refused, value};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::FieldError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, Posted, flash_redirect};
use crate::services::orders::{self, LineDraft, SaveAndSend, SendDraft, SendOutcome};
use crate::views::orders::FormState;

/// The lines as typed on the page, in page order, then the added one; with
/// each line's name (`{line id}` or `add`) for naming fields in errors.
async fn typed_lines(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &[(String, String)],
) -> Result<(Vec<LineDraft>, Vec<String>), PageError> {
    let mut line_ids: Vec<i64> = form
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("packs_")?.parse().ok())
        .collect();
    line_ids.dedup();
    let actor = user.actor.clone();
    let products: Vec<(i64, i64)> = state
        .run(move |conn| {
            let v = orders::get(conn, &actor, id)?;
            Ok(line_ids
                .iter()
                .filter_map(|lid| {
                    v.lines
                        .iter()
                        .find(|l| l.line.id == *lid)
                        .map(|l| (*lid, l.product.id))
                })
                .collect())
        })
        .await?;
    let mut drafts = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (lid, pid) in &products {
        if value(form, &format!("remove_{lid}")).is_some() {
            continue;
        }
        drafts.push(LineDraft {
            product_id: Some(pid.to_string()),
            packs: value(form, &format!("packs_{lid}")),
            pack_cost_cents: None,
            pack_cost: value(form, &format!("cost_{lid}")),
        });
        names.push(lid.to_string());
    }
    if let Some(p) = value(form, "add_product") {
        drafts.push(LineDraft {
            product_id: Some(p),
            packs: value(form, "add_packs"),
            pack_cost_cents: None,
            pack_cost: value(form, "add_cost"),
        });
        names.push("add".into());
    }
    Ok((drafts, names))
}

/// Names line `i`'s field as the page's inputs are named.
fn field_namer(names: Vec<String>) -> impl Fn(usize, &str) -> String + Send + 'static {
    move |i: usize, name: &str| -> String {
        let name = match name {
            "pack_cost" => "cost",
            other => other,
        };
        match names.get(i).map(String::as_str) {
            Some("add") => format!("add_{}", if name == "cost" { "pack_cost" } else { name }),
            Some(lid) if name == "product_id" => format!("product_{lid}"),
            Some(lid) => format!("{name}_{lid}"),
            None => name.to_string(),
        }
    }
}

pub(super) async fn save_lines(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let (drafts, names) = typed_lines(&state, &user, id, &form).await?;
    let note = value(&form, "note");
    let actor = user.actor.clone();
    let field = field_namer(names);
    match state
        .run(move |conn| orders::replace_lines(conn, &actor, id, &note, Some(&drafts), &field))
        .await
    {
        Ok(v) => {
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{id}"),
                format!("{} saved.", v.number()),
            )
            .await
        }
        Err(e) => refused(&state, &user, id, &form, e).await,
    }
}

/// "Mark as sent". With the page's lines (`packs_…` fields): saves them and
/// sends in one go. Without (an older page, a script): sends as saved.
pub(super) async fn send(
    state: web::Data<AppState>,
    id: web::Path<i64>,
    posted: Posted<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let Posted { user, form } = posted;
    user.require(Action::ManageOrders)?;
    let id = id.into_inner();
    let send = SendDraft {
        sent_on: Some(value(&form, "sent_on").unwrap_or_default()),
        email_text: Some(value(&form, "email_text").unwrap_or_default()),
    };
    let with_lines =
        form.iter().any(|(k, _)| k.starts_with("packs_")) || value(&form, "add_product").is_some();
    let actor = user.actor.clone();
    let outcome = if with_lines {
        let (lines, names) = typed_lines(&state, &user, id, &form).await?;
        let note = value(&form, "note");
        let sender = user.shown_name().to_string();
        state
            .run(move |conn| {
                let field = field_namer(names);
                let d = SaveAndSend {
                    note,
                    lines,
                    field: &field,
                    send,
                    sender,
                };
                orders::save_and_send(conn, &actor, id, &d, crate::db::now())
            })
            .await
    } else {
        state
            .run(move |conn| orders::send(conn, &actor, id, &send, crate::db::now()))
            .await
            .map(SendOutcome::Sent)
    };
    match outcome {
        Ok(SendOutcome::Sent(v)) => {
            flash_redirect(
                &state,
                &user,
                &format!("/orders/{id}"),
                format!("{} marked as sent; copy the e-mail text below.", v.number()),
            )
            .await
        }
        Ok(SendOutcome::SavedCheckText(v)) => {
            // The lines are saved: show them as saved, keep the sending fields.
            let kept: Vec<(String, String)> = form
                .into_iter()
                .filter(|(k, _)| k == "sent_on" || k == "email_text")
                .collect();
            let mut fs = FormState::from_pairs(&kept);
            fs.errors.push(FieldError {
                field: String::new(),
                message: format!(
                    "{} saved with your changed lines, but not sent: the e-mail text you edited \
                     lists the lines as they were. Check it, then press Mark as sent again.",
                    v.number()
                ),
            });
            order_page(&state, &user, id, fs, StatusCode::CONFLICT).await
        }
        Err(e) => refused(&state, &user, id, &form, e).await,
    }
}

/// Before "Send to supplier" (which posts the lines form too): saves the
/// page's lines when they were posted. `Some(page)` when they were refused
/// (the page with what was typed and what is wrong; nothing is sent).
pub(super) async fn save_posted_lines(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: &[(String, String)],
) -> Result<Option<HttpResponse>, PageError> {
    let with_lines =
        form.iter().any(|(k, _)| k.starts_with("packs_")) || value(form, "add_product").is_some();
    if !with_lines {
        return Ok(None);
    }
    let (drafts, names) = typed_lines(state, user, id, form).await?;
    let note = value(form, "note");
    let actor = user.actor.clone();
    let field = field_namer(names);
    match state
        .run(move |conn| orders::replace_lines(conn, &actor, id, &note, Some(&drafts), &field))
        .await
    {
        Ok(_) => Ok(None),
        Err(e) => refused(state, user, id, form, e).await.map(Some),
    }
}
