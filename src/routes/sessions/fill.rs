//! Choosing a protocol and changing the needle length on the session form
//! (issue 14 item 4). The lines block carries, in hidden fields, what the
//! last protocol filled (`filled_*`) and the needle length the lines were
//! matched to (`lines_needle`). A newly chosen protocol replaces exactly
//! what the previous one filled — indication, needle length, add-ons and
//! its lines — and keeps what the person typed or added (a field that no
//! longer holds the protocol's value is the person's). The same works with
//! and without JavaScript: both post the whole form.

use crate::app::AppState;
use crate::domain::NeedleLength;
use crate::routes::pages::PageError;
use crate::services::sessions::LineDraft;
use crate::services::sessions::hints;
use crate::views::sessions::Filled;

use super::form::{SessionForm, is_blank};

fn same_needle(a: &str, b: &str) -> bool {
    match (NeedleLength::parse(a), NeedleLength::parse(b)) {
        (Ok(x), Ok(y)) => x.0 == y.0,
        _ => a.trim() == b.trim(),
    }
}

/// A field still holds what the last protocol put there, or nothing.
fn untouched(current: &str, filled: &str, same: fn(&str, &str) -> bool) -> bool {
    current.trim().is_empty() || (!filled.trim().is_empty() && same(current, filled))
}

fn same_text(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

/// The rows the person added: the non-blank rows, less one row per product
/// the last protocol filled (while the row still holds that product).
fn own_rows(rows: Vec<LineDraft>, filled: &[String]) -> Vec<LineDraft> {
    let mut left: Vec<&str> = filled.iter().map(|s| s.trim()).collect();
    rows.into_iter()
        .filter(|r| !is_blank(r))
        .filter(|r| {
            let p = r.product_id.as_deref().unwrap_or("").trim();
            match left.iter().position(|f| *f == p) {
                Some(i) => {
                    left.remove(i);
                    false
                }
                None => true,
            }
        })
        .collect()
}

/// `action=use_protocol`: the protocol's lines, needle length, indication
/// and add-ons in place of the previous protocol's; typed values kept.
pub(super) async fn use_protocol(
    state: &AppState,
    form: &mut SessionForm,
    rows: Vec<LineDraft>,
    pid: i64,
) -> Result<Vec<LineDraft>, PageError> {
    let typed_needle = !untouched(&form.needle_length_mm, &form.filled_needle, same_needle);
    let needle = if typed_needle {
        NeedleLength::parse(&form.needle_length_mm)
            .ok()
            .map(|n| n.0)
    } else {
        None
    };
    let Some(fill) = state
        .run(move |conn| hints::fill_from_protocol(conn, pid, needle))
        .await?
    else {
        return Ok(rows);
    };
    if typed_needle {
        form.filled_needle.clear();
    } else {
        form.needle_length_mm = fill.needle_mm.clone().unwrap_or_default();
        form.filled_needle = form.needle_length_mm.clone();
    }
    if untouched(&form.indication, &form.filled_indication, same_text) {
        form.indication = fill.protocol.indication.code().to_string();
        form.filled_indication = form.indication.clone();
    } else {
        form.filled_indication.clear();
    }
    let own_addons: Vec<String> = form
        .addons
        .iter()
        .filter(|a| !form.filled_addons.contains(a))
        .cloned()
        .collect();
    form.filled_addons = fill
        .addons
        .iter()
        .filter(|a| !own_addons.contains(a))
        .cloned()
        .collect();
    form.addons = own_addons;
    form.addons.extend(form.filled_addons.iter().cloned());
    let own = own_rows(rows, &form.filled_line);
    form.filled_line = fill
        .lines
        .iter()
        .filter_map(|l| l.product_id.clone())
        .collect();
    let mut out = fill.lines;
    out.extend(own);
    Ok(out)
}

/// The needle length differs from the one the lines were matched to:
/// rollers and cartridges take the same kind of product with the new length.
pub(super) async fn needle_changed(
    state: &AppState,
    form: &mut SessionForm,
    rows: Vec<LineDraft>,
) -> Result<Vec<LineDraft>, PageError> {
    let before = form.lines_needle.trim();
    let Ok(now) = NeedleLength::parse(&form.needle_length_mm) else {
        return Ok(rows);
    };
    if before.is_empty() || same_needle(before, &form.needle_length_mm) {
        return Ok(rows);
    }
    let old = rows.clone();
    let swapped = state
        .run(move |conn| hints::swap_needle(conn, &old, now.0))
        .await?;
    // The protocol's rows stay the protocol's after the swap.
    for (a, b) in rows.iter().zip(&swapped) {
        if a.product_id != b.product_id
            && let (Some(from), Some(to)) = (&a.product_id, &b.product_id)
            && let Some(f) = form
                .filled_line
                .iter_mut()
                .find(|f| f.trim() == from.trim())
        {
            *f = to.clone();
        }
    }
    Ok(swapped)
}

/// The hidden fields to render: what the protocol filled that is still on
/// the form.
pub(super) fn filled(form: &SessionForm, rows: &[LineDraft]) -> Filled {
    let mut present: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.product_id.as_deref())
        .map(str::trim)
        .collect();
    let lines = form
        .filled_line
        .iter()
        .filter(|f| match present.iter().position(|p| *p == f.trim()) {
            Some(i) => {
                present.remove(i);
                true
            }
            None => false,
        })
        .cloned()
        .collect();
    Filled {
        needle: form.filled_needle.clone(),
        indication: form.filled_indication.clone(),
        addons: form.filled_addons.clone(),
        lines,
        lines_needle: form.lines_needle.clone(),
    }
}
