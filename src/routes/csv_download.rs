//! A CSV download streamed in keyset chunks: the header first, then one
//! chunk of rows per database round trip (constant memory for any size),
//! newest first. The service's `csv_chunk(conn, before_id)` gives the bytes
//! of the rows older than `before_id` and the id to continue from (`None`:
//! the last chunk). Used by the ledger and the audit log.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use futures_util::{StreamExt, stream};

use crate::app::AppState;
use crate::db::DbConn;
use crate::error::ServiceResult;

enum Next {
    Rows(Option<i64>),
    Done,
}

/// The streamed `text/csv` answer, downloaded as `file_name`.
pub fn keyset_csv<F>(
    state: Arc<AppState>,
    file_name: &'static str,
    header: Vec<u8>,
    chunk: F,
) -> HttpResponse
where
    F: Fn(&mut DbConn, Option<i64>) -> ServiceResult<(Vec<u8>, Option<i64>)>
        + Clone
        + Send
        + 'static,
{
    let chunks = stream::unfold(Next::Rows(None), move |next| {
        let state = state.clone();
        let chunk = chunk.clone();
        async move {
            let Next::Rows(before) = next else {
                return None;
            };
            match state.run(move |conn| chunk(conn, before)).await {
                Ok((bytes, Some(b))) => Some((Ok(web::Bytes::from(bytes)), Next::Rows(Some(b)))),
                Ok((bytes, None)) => Some((Ok(web::Bytes::from(bytes)), Next::Done)),
                Err(e) => {
                    tracing::error!(error = %e, file = file_name, "CSV export failed");
                    Some((
                        Err(actix_web::error::ErrorInternalServerError("export failed")),
                        Next::Done,
                    ))
                }
            }
        }
    });
    let body = stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from(header)) })
        .chain(chunks);
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(body)
}
