//! The indications' usual needle ranges (issue 15 part 4): an admin list
//! (`Action::ManageClinicalLists`; set, change, remove; each change
//! audited) that the session warning `needle_outside_indication` reads.
//! Seeded with DOMAIN.md's ranges; an indication without a range (e.g.
//! "other") never warns.

use crate::db::{self, DbConn, needle_ranges::IndicationRange};
use crate::domain::NeedleLength;
use crate::domain::access::{Action, Actor};
use crate::domain::needle::fmt_needle;
use crate::domain::session_warnings::Range;
use crate::domain::vocab::Indication;
use crate::error::{ErrorCode, Problems, ServiceError, ServiceResult};
use crate::services::audit::{self, Changes};

/// One indication on the admin page: its range, if it has one.
#[derive(Debug, Clone)]
pub struct RangeLine {
    pub indication: Indication,
    pub range: Option<IndicationRange>,
}

/// A range as typed (mm, text).
#[derive(Debug, Clone, Default)]
pub struct RangeDraft {
    pub indication: Option<String>,
    pub needle_min_mm: Option<String>,
    pub needle_max_mm: Option<String>,
}

/// Every indication, in the vocabulary's order, with its range.
pub fn list(conn: &mut DbConn, actor: &Actor) -> ServiceResult<Vec<RangeLine>> {
    actor.require(Action::ManageClinicalLists)?;
    let ranges = db::needle_ranges::all(conn)?;
    Ok(Indication::ALL
        .iter()
        .map(|i| RangeLine {
            indication: *i,
            range: ranges.iter().find(|r| r.indication == *i).cloned(),
        })
        .collect())
}

/// The usual range of an indication (what the warning compares with).
pub fn usual_range(conn: &mut DbConn, indication: Indication) -> ServiceResult<Option<Range>> {
    Ok(
        db::needle_ranges::by_indication(conn, indication)?.map(|r| Range {
            name: indication.label().to_string(),
            min: r.needle_min,
            max: r.needle_max,
        }),
    )
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn needle(p: &mut Problems, field: &str, v: &Option<String>) -> Option<i32> {
    match text(v) {
        Some(t) => p.take(field, NeedleLength::parse(t)).map(|n| n.0),
        None => {
            p.add(field, "enter a needle length in mm");
            None
        }
    }
}

/// Both bounds: 0.1–3.0 mm, at most 2 decimals, the minimum not above the
/// maximum. Every problem at once (422 at its field).
pub fn parse_bounds(d: &RangeDraft) -> ServiceResult<(i32, i32)> {
    let mut p = Problems::new();
    let min = needle(&mut p, "needle_min_mm", &d.needle_min_mm);
    let max = needle(&mut p, "needle_max_mm", &d.needle_max_mm);
    if let (Some(a), Some(b)) = (min, max)
        && b < a
    {
        p.add(
            "needle_max_mm",
            format!(
                "the maximum ({} mm) must not be below the minimum ({} mm)",
                fmt_needle(b),
                fmt_needle(a)
            ),
        );
    }
    p.finish()?;
    match (min, max) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(ServiceError::Internal("validated bounds missing".into())),
    }
}

fn mm(h: i32) -> String {
    format!("{} mm", fmt_needle(h))
}

/// Gives an indication without a range its usual range.
pub fn add(conn: &mut DbConn, actor: &Actor, d: &RangeDraft) -> ServiceResult<IndicationRange> {
    actor.require(Action::ManageClinicalLists)?;
    let indication = match text(&d.indication) {
        None => Err(ServiceError::invalid("indication", "choose an indication")),
        Some(t) => Indication::parse(t).ok_or_else(|| {
            ServiceError::invalid(
                "indication",
                format!("unknown indication (one of {})", Indication::choices()),
            )
        }),
    };
    let bounds = parse_bounds(d);
    let (indication, (min, max)) = match (indication, bounds) {
        (Ok(i), Ok(b)) => (i, b),
        (Err(a), Err(b)) => return Err(merge(a, b)),
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    db::write_tx(conn, |conn| {
        if db::needle_ranges::by_indication(conn, indication)?.is_some() {
            return Err(ServiceError::invalid(
                "indication",
                format!(
                    "{} already has a range: change it in its row",
                    indication.label()
                ),
            ));
        }
        let id = db::needle_ranges::insert(conn, indication, min, max)?;
        audit::record(
            conn,
            &actor.into(),
            "create",
            "indication_range",
            Some(id),
            &format!(
                "set the usual needle range of {} to {}–{}",
                indication.label(),
                fmt_needle(min),
                mm(max)
            ),
            &Changes::new()
                .set("indication", indication.code())
                .set("needle_min", mm(min))
                .set("needle_max", mm(max)),
        )?;
        existing(conn, id)
    })
}

/// Both refusals' field errors in one.
fn merge(a: ServiceError, b: ServiceError) -> ServiceError {
    let mut errors = a.field_errors().to_vec();
    errors.extend(b.field_errors().iter().cloned());
    ServiceError::Invalid {
        code: ErrorCode::ValidationFailed,
        errors,
    }
}

fn existing(conn: &mut DbConn, id: i64) -> ServiceResult<IndicationRange> {
    db::needle_ranges::by_id(conn, id)?
        .ok_or_else(|| ServiceError::not_found(format!("no needle range {id}")))
}

/// Changes a range's bounds.
pub fn update(conn: &mut DbConn, actor: &Actor, id: i64, d: &RangeDraft) -> ServiceResult<()> {
    actor.require(Action::ManageClinicalLists)?;
    let (min, max) = parse_bounds(d)?;
    db::write_tx(conn, |conn| {
        let old = existing(conn, id)?;
        if (old.needle_min, old.needle_max) == (min, max) {
            return Ok(());
        }
        db::needle_ranges::update(conn, id, min, max)?;
        let mut changes = Changes::new();
        if old.needle_min != min {
            changes = changes.field("needle_min", mm(old.needle_min), mm(min));
        }
        if old.needle_max != max {
            changes = changes.field("needle_max", mm(old.needle_max), mm(max));
        }
        audit::record(
            conn,
            &actor.into(),
            "update",
            "indication_range",
            Some(id),
            &format!(
                "changed the usual needle range of {} from {}–{} to {}–{}",
                old.indication.label(),
                fmt_needle(old.needle_min),
                mm(old.needle_max),
                fmt_needle(min),
                mm(max)
            ),
            &changes,
        )
    })
}

/// Removes a range: that indication no longer warns.
pub fn remove(conn: &mut DbConn, actor: &Actor, id: i64) -> ServiceResult<IndicationRange> {
    actor.require(Action::ManageClinicalLists)?;
    db::write_tx(conn, |conn| {
        let old = existing(conn, id)?;
        db::needle_ranges::delete(conn, id)?;
        audit::record(
            conn,
            &actor.into(),
            "delete",
            "indication_range",
            Some(id),
            &format!(
                "removed the usual needle range of {} ({}–{})",
                old.indication.label(),
                fmt_needle(old.needle_min),
                mm(old.needle_max)
            ),
            &Changes::new()
                .field("needle_min", mm(old.needle_min), serde_json::Value::Null)
                .field("needle_max", mm(old.needle_max), serde_json::Value::Null),
        )?;
        Ok(old)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(min: &str, max: &str) -> RangeDraft {
        RangeDraft {
            indication: None,
            needle_min_mm: Some(min.into()),
            needle_max_mm: Some(max.into()),
        }
    }

    fn fields(e: ServiceError) -> Vec<String> {
        e.field_errors().iter().map(|f| f.field.clone()).collect()
    }

    #[test]
    fn bounds_are_lengths_in_order() {
        assert_eq!(parse_bounds(&draft("0.5", "1.0")).unwrap(), (50, 100));
        assert_eq!(parse_bounds(&draft("1", "1")).unwrap(), (100, 100));
        let e = parse_bounds(&draft("1.5", "1.0")).unwrap_err();
        assert_eq!(fields(e), vec!["needle_max_mm"]);
        let e = parse_bounds(&draft("0", "3.5")).unwrap_err();
        assert_eq!(fields(e), vec!["needle_min_mm", "needle_max_mm"]);
        let e = parse_bounds(&draft("", "x")).unwrap_err();
        assert_eq!(fields(e), vec!["needle_min_mm", "needle_max_mm"]);
    }
}
