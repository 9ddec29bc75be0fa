//! A scanned pouch on the session form (issue 15, part 7): the GS1 string
//! the camera (or a keyboard-wedge scanner) read names the exact lot of a
//! line: the product by its GTIN (01), the lot by its number (10) and, when
//! the scan carries one, its expiry (17). The lot must be one the line may
//! be taken from at the form's site today (usable, on hand); anything else
//! is a field error at `gs1` saying why. Read-only.

use crate::db::{
    self, DbConn,
    models::{Lot, Product},
};
use crate::domain::access::{Action, Actor, Scope};
use crate::domain::gs1::{self, Gs1Data};
use crate::error::{ServiceError, ServiceResult};
use crate::services::sessions::{LineDraft, SessionDraft, hints};

/// What a scan names for a session line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedLot {
    pub product_id: i64,
    pub sku: String,
    pub product_name: String,
    /// The lot row the line takes from (an opened container of the lot when
    /// that is what is on hand).
    pub lot_id: i64,
    pub lot_number: String,
    pub expiry: chrono::NaiveDate,
    /// The line's lot choice label ("LOT · exp … · store · 4 each").
    pub label: String,
}

fn refuse(message: impl Into<String>) -> ServiceError {
    ServiceError::invalid("gs1", message)
}

/// Reads a scanned code (pure): what it carries and its GTIN, normalised.
fn read_code(code: &str, separator: Option<char>) -> ServiceResult<(Gs1Data, String)> {
    let code = code.trim();
    if code.is_empty() {
        return Err(refuse("nothing was scanned"));
    }
    let data = gs1::parse(code, separator)
        .map_err(|e| refuse(format!("not a GS1 code the app can read: {}", e.message)))?;
    let Some(gtin) = data.gtin.as_deref() else {
        return Err(refuse(
            "the code carries no GTIN (01): scan the GS1 barcode on the pouch",
        ));
    };
    let gtin = gs1::normalize_gtin(gtin).map_err(|e| refuse(e.message))?;
    Ok((data, gtin))
}

/// The received lot the code names (its expiry, when the code has one,
/// must be the one it was received with).
fn scanned_lot(conn: &mut DbConn, product: &Product, data: &Gs1Data) -> ServiceResult<Lot> {
    let Some(lot_number) = data.lot.as_deref() else {
        return Err(refuse(format!(
            "the code names {} but no lot (10): choose the lot by hand",
            product.name
        )));
    };
    let lot = db::lots::find(conn, product.id, lot_number)?.ok_or_else(|| {
        refuse(format!(
            "lot {lot_number} of {} was never received",
            product.name
        ))
    })?;
    if let Some(e) = data.expiry
        && e != lot.expiry
    {
        return Err(refuse(format!(
            "the code says lot {lot_number} expires {e}, but it was received with expiry {}",
            lot.expiry
        )));
    }
    Ok(lot)
}

/// Resolves `code` for a session at `site` (the actor's or default site
/// when empty). Another site's form is refused (403).
pub fn session_lot(
    conn: &mut DbConn,
    actor: &Actor,
    site: Option<&str>,
    code: &str,
) -> ServiceResult<ScannedLot> {
    actor.require(Action::LogSession)?;
    let site = super::sites::resolve_site(conn, actor, site)?;
    actor.check(Action::LogSession, Scope::Site(site.id))?;
    let separator = super::settings::load(conn)?.gs1_separator;
    let (data, gtin) = read_code(code, separator)?;
    let product = db::catalog::product_by_gtin(conn, &gtin)?
        .ok_or_else(|| refuse(format!("no product has GTIN {gtin}")))?;
    let lot = scanned_lot(conn, &product, &data)?;
    let lot_number = &lot.lot_number;
    let family: Vec<i64> = db::lots::family(conn, lot.id)?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let draft = SessionDraft {
        site: Some(site.code.clone()),
        ..SessionDraft::default()
    };
    let row = LineDraft {
        product_id: Some(product.id.to_string()),
        ..LineDraft::default()
    };
    let hint = hints::hints(conn, actor, &draft, std::slice::from_ref(&row))?;
    let choice = hint
        .lines
        .into_iter()
        .next()
        .and_then(|h| {
            h.lot_choices
                .into_iter()
                .find(|c| family.contains(&c.lot_id))
        })
        .ok_or_else(|| {
            refuse(format!(
                "lot {lot_number} of {} is not usable at {} today (none on hand, expired or quarantined)",
                product.name, site.name
            ))
        })?;
    Ok(ScannedLot {
        product_id: product.id,
        sku: product.sku,
        product_name: product.name,
        lot_id: choice.lot_id,
        lot_number: lot.lot_number,
        expiry: lot.expiry,
        label: choice.label,
    })
}

#[cfg(test)]
mod read_code_tests {
    use super::*;

    fn message(r: ServiceResult<(Gs1Data, String)>) -> String {
        match r {
            Err(ServiceError::Invalid { errors, .. }) => {
                assert_eq!(errors[0].field, "gs1");
                errors[0].message.clone()
            }
            other => panic!("not refused at gs1: {other:?}"),
        }
    }

    #[test]
    fn a_code_must_carry_a_gtin() {
        let (data, gtin) = read_code(" (01)09506000134352(10)ABC123 ", None).unwrap();
        assert_eq!(gtin, "09506000134352");
        assert_eq!(data.lot.as_deref(), Some("ABC123"));
        assert!(message(read_code("  ", None)).contains("nothing was scanned"));
        assert!(message(read_code("(10)ABC123", None)).contains("no GTIN"));
        assert!(message(read_code("hello", None)).contains("not a GS1 code"));
    }
}
