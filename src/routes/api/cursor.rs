//! `?limit=&offset=&cursor=` and the `next` link of the lists that page by
//! cursor (ledger, sessions, audit; `domain::page`). `next` is the request's
//! own path and query with `offset` dropped and `cursor` set to the last
//! row's key, or null on the last page; `total` counts every page.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use super::ApiError;
use crate::domain::page::{self, CursorKey, PageStart};
use crate::error::ServiceError;

/// `?limit=&offset=&cursor=` (limit default 100, max 1000; `cursor` from a
/// `next` link, not together with an offset).
#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorParams {
    /// Rows per page (1–1000, default 100).
    pub limit: Option<i64>,
    /// Rows to skip (default 0); not with `cursor`.
    pub offset: Option<i64>,
    /// The cursor of a `next` link: the page after it.
    pub cursor: Option<String>,
}

impl CursorParams {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(100).clamp(1, 1000)
    }

    /// Where the page starts; a cursor that is not one, or a cursor with an
    /// offset, is a 422 naming the parameter.
    pub fn start<K: CursorKey>(&self) -> Result<PageStart<K>, ApiError> {
        page::start(self.offset, self.cursor.as_deref())
            .map_err(|(field, message)| ApiError(ServiceError::invalid(field, message)))
    }
}

/// One page read with one row more than asked: the extra row only says that
/// a next page exists.
pub fn respond<T, R: Serialize, K: CursorKey>(
    req: &HttpRequest,
    mut rows: Vec<T>,
    total: i64,
    limit: i64,
    key: impl Fn(&T) -> K,
    out: impl Fn(&T) -> R,
) -> HttpResponse {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    let next = match rows.last() {
        Some(last) if more => Some(next_link(req, &key(last).to_cursor())),
        _ => None,
    };
    #[derive(Serialize)]
    struct CursorPage<R> {
        items: Vec<R>,
        total: i64,
        next: Option<String>,
    }
    HttpResponse::Ok().json(CursorPage {
        items: rows.iter().map(out).collect(),
        total,
        next,
    })
}

/// The request's path and query with `offset` and `cursor` replaced by the
/// new cursor.
fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    pairs.retain(|(k, _)| k != "offset" && k != "cursor");
    pairs.push(("cursor".into(), cursor.into()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{}?{}", req.path(), query)
}
