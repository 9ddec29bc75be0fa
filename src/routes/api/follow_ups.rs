//! `POST /api/v1/sessions/{id}/follow-ups` (API.md "Follow-ups"): side
//! effects seen after a session → 201 with the follow-up. They are listed
//! under `"follow_ups"` in `GET /api/v1/sessions/{id}`.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::types::sessions::{FollowUpBody, FollowUpOut};
use super::{ApiJson, ApiResult};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::sessions;

/// `POST /api/v1/sessions/{id}/follow-ups`
#[utoipa::path(
    post,
    path = "/api/v1/sessions/{id}/follow-ups",
    operation_id = "record_follow_up",
    tag = "sessions",
    params(("id" = i64, Path, description = "the id")),
    request_body = FollowUpBody,
    responses((status = 201, description = "The follow-up", body = FollowUpOut)),
)]
pub async fn create_follow_up(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::RecordFollowUp)?;
    let draft = super::typed::<FollowUpBody>(body.0)?.draft();
    let actor = user.0.clone();
    let id = id.into_inner();
    let f = state
        .run(move |conn| sessions::follow_up::record(conn, &actor, id, &draft))
        .await?;
    Ok(HttpResponse::Created().json(FollowUpOut::from(&f)))
}
