//! `GET /api/v1/audit?entity=&entity_id=&actor=&action=&from=&to=` (admins):
//! `{"items":[{"id","at","actor","action","entity","entity_id","summary",
//! "changes":{"field":[old,new]},"site_id","client_address"}],"total"}`.
//! A bad filter is a 422 naming it.

use actix_web::{HttpRequest, web};
use serde::Deserialize;

use super::ApiResult;
use super::cursor::{self, CursorParams};
use super::types::CursorPage;
use super::types::admin::AuditOut;
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::audit::{self, AuditQuery};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(audit_list));
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct AuditApiQuery {
    entity: Option<String>,
    entity_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<i64>,
    offset: Option<i64>,
    /// The cursor of a `next` link.
    cursor: Option<String>,
}

#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit",
    tag = "audit",
    params(AuditApiQuery),
    responses((status = 200, description = "A page of audit entries, newest first", body = CursorPage<AuditOut>)),
)]
async fn audit_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: ApiUser,
    q: web::Query<AuditApiQuery>,
) -> ApiResult {
    user.require(Action::ViewAudit)?;
    let q = q.into_inner();
    let page = CursorParams {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor.clone(),
    };
    let (limit, start) = (page.limit(), page.start::<i64>()?);
    let query = AuditQuery {
        entity: q.entity,
        entity_id: q.entity_id,
        actor: q.actor,
        action: q.action,
        from: q.from,
        to: q.to,
        page: None,
    };
    let actor = user.0.clone();
    let (items, total) = state
        .run(move |conn| {
            let f = audit::filter(conn, &query)?;
            audit::list(conn, &actor, &f, limit + 1, start)
        })
        .await?;
    Ok(cursor::respond(
        &req,
        items,
        total,
        limit,
        |e| e.row.id,
        |e| AuditOut::from(e),
    ))
}
