//! `follow-ups.csv` of the export: side effects noticed after sessions
//! (issue 15), one row per follow-up by id, for reading (not imported).

use std::io::Write;

use super::csv_err;
use super::history::utc;
use crate::csv_cell::{Cell, CsvOut};
use crate::db::{self, DbConn};
use crate::domain::access::Actor;
use crate::error::ServiceResult;

/// Rows read per query.
const PAGE: i64 = 5_000;

pub fn follow_ups(conn: &mut DbConn, _: &Actor, w: &mut dyn Write) -> ServiceResult<()> {
    let mut out = CsvOut::new(w);
    out.header(&[
        "id",
        "session_id",
        "observed_on",
        "side_effects",
        "side_effect_other",
        "severity",
        "note",
        "user_id",
        "recorded_by",
        "created_at",
    ])
    .map_err(csv_err)?;
    let mut after = 0;
    loop {
        let page = db::follow_ups::after(conn, after, PAGE)?;
        for r in &page {
            let f = &r.follow_up;
            out.row([
                Cell::int(f.id),
                Cell::int(f.session_id),
                Cell::text(f.observed_on.to_string()),
                Cell::text(f.side_effects.text()),
                Cell::text(f.side_effect_other.clone().unwrap_or_default()),
                Cell::text(f.severity.code()),
                Cell::text(f.note.clone().unwrap_or_default()),
                Cell::int(f.user_id),
                Cell::text(r.username.as_str()),
                Cell::text(utc(f.created_at)),
            ])
            .map_err(csv_err)?;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = last.follow_up.id,
            _ => break,
        }
    }
    out.into_inner().map_err(csv_err).map(drop)
}
