//! `POST /api/v1/sessions/{id}/follow-ups` (API.md "Follow-ups"): side
//! effects seen after a session → 201 with the follow-up. They are listed
//! under `"follow_ups"` in `GET /api/v1/sessions/{id}`.

use actix_web::{HttpResponse, web};
use serde_json::{Value, json};

use super::body::Fields;
use super::sessions::rfc3339;
use super::{ApiError, ApiJson, ApiResult};
use crate::app::AppState;
use crate::domain::access::Action;
use crate::routes::extract::ApiUser;
use crate::services::sessions::{self, FollowUpDraft, FollowUpView};

/// A follow-up as JSON.
pub fn follow_up_json(f: &FollowUpView) -> Value {
    json!({
        "id": f.id,
        "session_id": f.session_id,
        "observed_on": f.observed_on.to_string(),
        "side_effects": f.side_effects.iter().map(|e| e.code()).collect::<Vec<_>>(),
        "side_effect_other": f.side_effect_other,
        "severity": f.severity.map(|s| s.code()),
        "note": f.note,
        "recorded_by": f.recorded_by,
        "recorded_by_name": f.recorded_by_name,
        "created_at": rfc3339(f.created_at),
    })
}

fn draft(body: &Value) -> Result<FollowUpDraft, ApiError> {
    let f = Fields::of(body)?;
    Ok(FollowUpDraft {
        observed_on: f.text("observed_on")?,
        side_effects: f.codes("side_effects")?,
        side_effect_other: f.text("side_effect_other")?,
        severity: f.text("severity")?,
        note: f.text("note")?,
    })
}

/// `POST /api/v1/sessions/{id}/follow-ups`
pub async fn create_follow_up(
    state: web::Data<AppState>,
    user: ApiUser,
    id: web::Path<i64>,
    body: ApiJson<Value>,
) -> ApiResult {
    user.require(Action::RecordFollowUp)?;
    let draft = draft(&body.0)?;
    let actor = user.0.clone();
    let id = id.into_inner();
    let f = state
        .run(move |conn| sessions::follow_up::record(conn, &actor, id, &draft))
        .await?;
    Ok(HttpResponse::Created().json(follow_up_json(&f)))
}
