//! What the receive form shows before saving: a scanned GS1 string moved
//! into the form's fields (GTIN → product, lot, expiry), the parsed values
//! for confirmation, an unknown GTIN (to offer creating the product), the
//! packs ⇄ units conversion, and the refusals saving would meet (expired
//! lot, lot recorded with another expiry, archived product). Reads only.

use crate::db::{self, DbConn, models::Product};
use crate::domain::access::{Action, Actor};
use crate::domain::fefo::is_expired;
use crate::domain::gs1::{self, Gs1Data};
use crate::domain::quantity::{Quantity, fmt_qty};
use crate::domain::vocab::Unit;
use crate::error::{FieldError, ServiceResult};

use super::receiving::{ReceiveDraft, parse_date};

#[derive(Debug, Clone, Default)]
pub struct Preview {
    /// The draft with the scan moved into its fields (`gs1` cleared).
    pub draft: ReceiveDraft,
    /// What the scan carried, when one was read.
    pub scanned: Option<Gs1Data>,
    /// The scan in the bracketed human-readable form.
    pub scanned_text: Option<String>,
    pub product: Option<Product>,
    /// A scanned or typed GTIN that no product has.
    pub unknown_gtin: Option<String>,
    /// "3 packs = 30 each".
    pub conversion: Option<String>,
    /// Problems at fields that saving would refuse.
    pub problems: Vec<FieldError>,
}

impl Preview {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// "3 packs = 30 each" / "25 each = 2.5 packs of 10"; None when the
/// quantity does not parse.
pub fn conversion(p: &Product, quantity: &str, in_packs: bool) -> Option<String> {
    let unit = p.unit;
    if in_packs {
        let packs = Quantity::parse_positive(quantity, Unit::Each).ok()?.0 / 1000;
        let total = packs.checked_mul(p.pack_size)?;
        let word = if packs == 1 { "pack" } else { "packs" };
        Some(format!(
            "{packs} {word} = {} {}",
            fmt_qty(total),
            unit.code()
        ))
    } else {
        let q = Quantity::parse_positive(quantity, unit).ok()?.0;
        let packs = q.checked_mul(1000)? / p.pack_size.max(1);
        let exact = q.checked_mul(1000)? % p.pack_size.max(1) == 0;
        let word = if packs == 1000 { "pack" } else { "packs" };
        Some(format!(
            "{} {} = {}{} {word} of {}",
            fmt_qty(q),
            unit.code(),
            if exact { "" } else { "about " },
            fmt_qty(packs),
            fmt_qty(p.pack_size)
        ))
    }
}

/// Moves what a scan carries into the draft's fields (pure); the scanned
/// GTIN, if it had one. A scan that does not read is a problem at `gs1`.
fn read_scan(out: &mut Preview, scan: &str, separator: Option<char>) -> Option<String> {
    let mut gtin = None;
    match gs1::parse(scan, separator) {
        Ok(data) => {
            if let Some(g) = &data.gtin {
                gtin = Some(g.clone());
                out.draft.product_id = None;
            }
            if let Some(l) = &data.lot {
                out.draft.lot = Some(l.clone());
            }
            if let Some(e) = data.expiry {
                out.draft.expiry = Some(e.to_string());
            }
            out.draft.gs1 = None;
            out.scanned_text = Some(gs1::format_human(&data));
            out.scanned = Some(data);
        }
        Err(e) => out.problem("gs1", e.message),
    }
    gtin
}

/// The product the draft names by id, else by GTIN; an unknown or bad GTIN
/// is a problem at `gs1` (and an unknown one is offered for creation).
fn product_of(
    conn: &mut DbConn,
    out: &mut Preview,
    gtin: Option<&str>,
) -> ServiceResult<Option<Product>> {
    Ok(match (text(&out.draft.product_id), gtin) {
        (Some(id), _) => match id.parse::<i64>() {
            Ok(id) => db::catalog::product_by_id(conn, id)?,
            Err(_) => None,
        },
        (None, Some(g)) => match gs1::normalize_gtin(g) {
            Ok(g) => {
                let found = db::catalog::product_by_gtin(conn, &g)?;
                if found.is_none() {
                    out.unknown_gtin = Some(g.clone());
                    out.problem(
                        "gs1",
                        format!("no product has GTIN {g}; create it, or choose the product below"),
                    );
                }
                found
            }
            Err(e) => {
                out.problem("gs1", e.message);
                None
            }
        },
        (None, None) => None,
    })
}

/// Reads the scan (if any) into the draft and checks what can be checked
/// without writing.
pub fn preview(conn: &mut DbConn, actor: &Actor, d: &ReceiveDraft) -> ServiceResult<Preview> {
    let today = match text(&d.site) {
        // Another site's place is refused (403) before anything is shown.
        Some(_) => super::scope::one_site(conn, actor, Action::ReceiveStock, text(&d.site))?,
        None => super::sites::by_code_or_default(conn, None)?,
    }
    .today();
    let mut out = Preview {
        draft: d.clone(),
        ..Preview::default()
    };
    let mut gtin = text(&d.gtin).map(str::to_string);
    if let Some(scan) = text(&d.gs1) {
        let separator = super::settings::load(conn)?.gs1_separator;
        if let Some(g) = read_scan(&mut out, scan, separator) {
            gtin = Some(g);
        }
    }
    out.draft.gtin = None;
    let product = product_of(conn, &mut out, gtin.as_deref())?;
    if let Some(p) = &product {
        out.draft.product_id = Some(p.id.to_string());
        if !p.active {
            out.problem(
                "product_id",
                format!("{} is archived; reactivate it before receiving", p.name),
            );
        }
        if let Some(q) = text(&d.quantity) {
            let in_packs = matches!(text(&d.quantity_in), Some("packs"));
            out.conversion = conversion(p, q, in_packs);
        }
    }
    let expiry = text(&out.draft.expiry).and_then(|e| parse_date(e).ok());
    if let Some(e) = expiry
        && is_expired(e, today)
    {
        out.problem(
            "expiry",
            format!("expired on {e}; expired stock cannot be received"),
        );
    }
    if let (Some(p), Some(lot), Some(e)) = (&product, text(&out.draft.lot), expiry)
        && let Some(existing) = db::lots::find(conn, p.id, lot)?
        && existing.expiry != e
    {
        out.problem(
            "expiry",
            format!(
                "lot {lot} of {} is already recorded with expiry {}, not {e}; check the label",
                p.name, existing.expiry
            ),
        );
    }
    out.product = product;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unwrap_used)]
    fn product(unit: &str, pack: i64) -> Product {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Product {
            id: 1,
            sku: "X".into(),
            name: "X".into(),
            category: crate::domain::vocab::Category::Roller,
            unit: crate::domain::vocab::Unit::parse(unit).unwrap(),
            pack_size: pack,
            needle_length: None,
            gtin: None,
            supplier_id: None,
            unit_cost_cents: None,
            lead_time_days: None,
            min_level: None,
            max_level: None,
            max_per_session: None,
            use_within_days: None,
            max_contact_minutes: None,
            active: true,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn shows_packs_and_units() {
        let p = product("each", 10_000);
        assert_eq!(conversion(&p, "3", true).unwrap(), "3 packs = 30 each");
        assert_eq!(conversion(&p, "1", true).unwrap(), "1 pack = 10 each");
        assert_eq!(
            conversion(&p, "30", false).unwrap(),
            "30 each = 3 packs of 10"
        );
        assert_eq!(
            conversion(&p, "25", false).unwrap(),
            "25 each = 2.5 packs of 10"
        );
        let g = product("g", 30_000);
        assert_eq!(
            conversion(&g, "10", false).unwrap(),
            "10 g = about 0.333 packs of 30"
        );
        assert!(conversion(&p, "x", false).is_none());
        assert!(conversion(&p, "1.5", true).is_none());
    }

    #[test]
    fn a_scan_fills_the_form_and_a_bad_one_is_a_problem() {
        let mut out = Preview {
            draft: ReceiveDraft {
                product_id: Some("7".into()),
                gs1: Some("x".into()),
                ..ReceiveDraft::default()
            },
            ..Preview::default()
        };
        let gtin = read_scan(&mut out, "(01)09506000134352(17)201231(10)ABC123", None);
        assert_eq!(gtin.as_deref(), Some("09506000134352"));
        assert_eq!(out.draft.product_id, None);
        assert_eq!(out.draft.lot.as_deref(), Some("ABC123"));
        assert_eq!(out.draft.expiry.as_deref(), Some("2020-12-31"));
        assert_eq!(out.draft.gs1, None);
        assert!(out.scanned.is_some() && out.problems.is_empty());

        let mut out = Preview::default();
        assert_eq!(read_scan(&mut out, "not a barcode", None), None);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].field, "gs1");
    }
}
