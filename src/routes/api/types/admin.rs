//! Bodies of `/api/v1/audit` and `GET /health`.

use serde::Serialize;
use utoipa::ToSchema;

use super::Time;
use crate::services::audit::AuditEntry;

/// One audit entry: who changed what, when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditOut {
    pub id: i64,
    pub at: Time,
    /// Who did it (login).
    pub actor: String,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub summary: String,
    /// `{"field": [old, new]}`, as stored.
    #[schema(value_type = Object)]
    pub changes: serde_json::Map<String, serde_json::Value>,
    pub site_id: Option<i64>,
    pub client_address: Option<String>,
}

impl From<&AuditEntry> for AuditOut {
    fn from(e: &AuditEntry) -> Self {
        let r = &e.row;
        AuditOut {
            id: r.id,
            at: Time(r.at),
            actor: r.actor_name.clone(),
            actor_id: r.actor_id,
            action: r.action.clone(),
            entity: r.entity.clone(),
            entity_id: r.entity_id.clone(),
            summary: r.summary.clone(),
            changes: e.changes.clone(),
            site_id: r.site_id,
            client_address: r.client_address.clone(),
        }
    }
}

/// `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthOut {
    /// `ok`, `read_only` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    pub writable: bool,
}
