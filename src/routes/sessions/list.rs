//! `GET /sessions` (filters: date, practitioner, indication, client code,
//! void; paginated) and `GET /clients/{client_ref}` (a client's history,
//! with each session's follow-ups).

use crate::domain::page::PageStart;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::access::Action;
use crate::error::ServiceError;
use crate::routes::extract::CurrentUser;
use crate::routes::pages::{PageError, render, render_status, urlencode};
use crate::services::sessions::{self, query::ListQuery};
use crate::views::Frame;
use crate::views::follow_ups::FollowUpSummary;
use crate::views::sessions::{Choice, ClientPage, ListRow, SessionListPage, indication_opts};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct ListParams {
    #[serde(default)]
    site: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    practitioner: String,
    #[serde(default)]
    indication: String,
    #[serde(default)]
    client_ref: String,
    #[serde(default)]
    voided: String,
    #[serde(default)]
    page: Option<i64>,
}

impl ListParams {
    fn href(&self, page: i64) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("site", &self.site),
            ("from", &self.from),
            ("to", &self.to),
            ("practitioner", &self.practitioner),
            ("indication", &self.indication),
            ("client_ref", &self.client_ref),
            ("voided", &self.voided),
        ] {
            if !v.trim().is_empty() {
                parts.push(format!("{k}={}", urlencode(v.trim())));
            }
        }
        parts.push(format!("page={page}"));
        format!("/sessions?{}", parts.join("&"))
    }
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `GET /sessions`
pub async fn sessions(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewSessions)?;
    let p = q.into_inner();
    let page = p.page.unwrap_or(1).max(1);
    let query = ListQuery {
        site: some(&p.site),
        from: some(&p.from),
        to: some(&p.to),
        practitioner: some(&p.practitioner),
        indication: some(&p.indication),
        client_ref: some(&p.client_ref),
        voided: some(&p.voided),
        ..ListQuery::default()
    };
    let actor = user.actor.clone();
    let (result, practitioners) = state
        .run(move |conn| {
            let result = sessions::list(
                conn,
                &actor,
                &query,
                PAGE_SIZE,
                PageStart::Offset((page - 1) * PAGE_SIZE),
            );
            Ok((result, sessions::query::practitioners(conn, &actor)?))
        })
        .await?;
    let (rows, total, errors, status) = match result {
        Ok((rows, total)) => (rows, total, Vec::new(), StatusCode::OK),
        Err(ServiceError::Invalid { errors, .. }) => {
            (Vec::new(), 0, errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Err(e.into()),
    };
    let first = (page - 1) * PAGE_SIZE;
    let showing = if total == 0 {
        "No sessions.".to_string()
    } else {
        format!(
            "Sessions {}–{} of {total}, newest first.",
            first + 1,
            (first + rows.len() as i64).min(total)
        )
    };
    let mut who = vec![Choice::new("", "Everyone", p.practitioner.trim())];
    who.extend(
        practitioners
            .into_iter()
            .map(|(_, login, shown)| Choice::new(login, shown, p.practitioner.trim())),
    );
    let voided = p.voided.trim();
    let page_view = SessionListPage {
        frame: Frame::new(&user, "Sessions", "/sessions"),
        rows: rows.iter().map(ListRow::from_row).collect(),
        total,
        from: p.from.clone(),
        to: p.to.clone(),
        client_ref: p.client_ref.clone(),
        practitioners: who,
        indications: indication_opts(p.indication.trim(), "All indications"),
        voided: vec![
            Choice::new("", "All", voided),
            Choice::new("no", "Not void", voided),
            Choice::new("yes", "Void only", voided),
        ],
        errors: errors.into(),
        prev_href: (page > 1).then(|| p.href(page - 1)),
        next_href: (first + PAGE_SIZE < total).then(|| p.href(page + 1)),
        showing,
    };
    render_status(status, &page_view)
}

/// `GET /clients/{client_ref}`
pub async fn client(
    state: web::Data<AppState>,
    user: CurrentUser,
    client_ref: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    user.require(Action::ViewSessions)?;
    let actor = user.actor.clone();
    let client_ref = client_ref.into_inner();
    let (code, rows, follow_ups) = state
        .run(move |conn| {
            let (code, rows) = sessions::client_history(conn, &actor, &client_ref)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.session.id).collect();
            let follow_ups = sessions::follow_up::of_sessions(conn, &ids)?;
            Ok((code, rows, follow_ups))
        })
        .await?;
    let rows: Vec<ListRow> = rows
        .iter()
        .map(|r| {
            let mut row = ListRow::from_row(r);
            let mine: Vec<_> = follow_ups
                .iter()
                .filter(|f| f.session_id == row.id)
                .collect();
            row.follow_ups = FollowUpSummary::of(&mine);
            row
        })
        .collect();
    let active: Vec<&ListRow> = rows.iter().filter(|r| !r.voided).collect();
    let first = active
        .last()
        .map(|r| r.performed_at.chars().take(10).collect())
        .unwrap_or_default();
    let last = active
        .first()
        .map(|r| r.performed_at.chars().take(10).collect())
        .unwrap_or_default();
    // Newest first: the first one that is not void is the last session.
    let repeat = active
        .first()
        .map(|r| r.id)
        .filter(|_| user.may(Action::LogSession));
    render(&ClientPage {
        frame: Frame::new(&user, format!("Client {code}"), "/sessions"),
        repeat,
        active: active.len(),
        client_ref: code,
        rows,
        first,
        last,
        can_follow_up: user.may(Action::RecordFollowUp),
        can_repeat: user.may(Action::LogSession),
    })
}
