//! What the session form shows before saving: for each line the lot(s) it
//! will come from with their expiry, the usable stock left after this
//! session, the lots a practitioner may name instead of FEFO, and problems
//! and warnings (not enough stock, expired lot, needle length). Read-only;
//! it uses the same checks and allocation as `record`. Also: filling the
//! lines from a protocol.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::allocate::{CheckedLine, SiteStock, named_lot_state, warnings};
use super::request::{LineDraft, SessionDraft, text};
use super::view::Warning;
use crate::db::{
    self, DbConn,
    catalog::ProductFilter,
    models::{Product, Protocol},
};
use crate::domain::access::{Action, Actor, Scope};
use crate::domain::clock::SiteClock;
use crate::domain::fefo::AllocError;
use crate::domain::needle::fmt_needle;
use crate::domain::quantity::fmt_qty;
use crate::domain::{NeedleLength, Quantity};
use crate::error::ServiceResult;
use crate::services::sites;

/// A lot a line may be taken from instead of FEFO.
#[derive(Debug, Clone)]
pub struct LotChoice {
    pub lot_id: i64,
    pub label: String,
}

/// Stock one line would take from one (lot, location).
#[derive(Debug, Clone)]
pub struct TakeHint {
    pub lot: String,
    pub expiry: NaiveDate,
    pub location: String,
    pub quantity: i64,
}

/// The preview of one form row (empty for a blank row).
#[derive(Debug, Clone, Default)]
pub struct LineHint {
    pub product: Option<Product>,
    pub takes: Vec<TakeHint>,
    /// Usable stock of the product left after the whole session.
    pub left_after: Option<i64>,
    pub problem: Option<String>,
    pub lot_choices: Vec<LotChoice>,
    /// "New tube opened" ticked: the sealed lot a tube will be opened from.
    pub opens: Option<String>,
}

impl LineHint {
    pub fn unit(&self) -> &str {
        self.product.as_ref().map(|p| p.unit.code()).unwrap_or("")
    }
}

#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub lines: Vec<LineHint>,
    pub warnings: Vec<Warning>,
}

/// The site's day the form's time falls on (today when empty or not readable).
fn day_of(d: &SessionDraft, clock: &SiteClock) -> NaiveDate {
    let at = text(&d.performed_at)
        .and_then(|t| clock.parse_time(t).ok())
        .unwrap_or_else(db::now);
    clock.local_date(at)
}

/// The site the form is for: the one asked for when the actor may log
/// sessions there, else the actor's own (or the default) site.
fn form_site(
    conn: &mut DbConn,
    actor: &Actor,
    d: &SessionDraft,
) -> ServiceResult<crate::db::models::Site> {
    match sites::resolve_site(conn, actor, text(&d.site)) {
        Ok(site) if actor.may(Action::LogSession, Scope::Site(site.id)) => Ok(site),
        _ => sites::resolve_site(conn, actor, None),
    }
}

/// Previews `rows` (the form's line rows, blanks included) for the session
/// in `d`, with the lots each line may name instead of FEFO.
pub fn hints(
    conn: &mut DbConn,
    actor: &Actor,
    d: &SessionDraft,
    rows: &[LineDraft],
) -> ServiceResult<Hints> {
    let site = form_site(conn, actor, d)?;
    preview(conn, &site, d, rows, true)
}

/// The lots a line of each product may name instead of FEFO (usable at the
/// site that day), labelled "LOT · exp … · location · quantity unit".
fn lot_choices(
    stock: &SiteStock,
    products: &HashMap<i64, Product>,
    ids: &[i64],
) -> HashMap<i64, Vec<LotChoice>> {
    ids.iter()
        .map(|id| {
            let unit = products
                .get(id)
                .map(|p| p.unit.code().to_string())
                .unwrap_or_default();
            let list = stock
                .usable_positions(*id)
                .into_iter()
                .filter_map(|(c, info)| {
                    info.map(|i| LotChoice {
                        lot_id: c.lot_id,
                        label: format!(
                            "{} · exp {} · {} · {} {unit}",
                            i.lot_number,
                            i.use_by,
                            i.location_code,
                            fmt_qty(c.available)
                        ),
                    })
                })
                .collect();
            (*id, list)
        })
        .collect()
}

/// Takes the line from the preview's stock (so later lines see what is
/// left): what it would take, lot by lot, or why it cannot.
fn take_hint(stock: &mut SiteStock, line: &CheckedLine, day: NaiveDate, hint: &mut LineHint) {
    let product_id = line.product.id;
    let result = match named_lot_state(line, day) {
        Some(e) => Err(e),
        None => stock.take(
            product_id,
            line.quantity,
            line.named_lot.as_ref().map(|l| l.id),
        ),
    };
    match result {
        Ok(allocations) => {
            hint.takes = allocations
                .iter()
                .filter_map(|a| {
                    stock.info(a.lot_id, a.location_id).map(|i| TakeHint {
                        lot: i.lot_number.clone(),
                        expiry: i.use_by,
                        location: i.location_code.clone(),
                        quantity: a.quantity,
                    })
                })
                .collect();
        }
        Err(e) => {
            hint.problem
                .get_or_insert_with(|| problem_text(&e, line, stock));
        }
    }
}

/// A line's hint before stock is looked at (pure): its product, the lots
/// it may name, a needle that is not the session's, and the quantity typed
/// (in the product's unit) or why it does not read.
fn row_hint(
    product: &Product,
    lot_choices: Vec<LotChoice>,
    needle: Option<i32>,
    quantity: Option<&str>,
) -> (LineHint, Option<i64>) {
    let mut hint = LineHint {
        product: Some(product.clone()),
        lot_choices,
        ..LineHint::default()
    };
    let unit = product.unit;
    let has_needle = product.category.has_needle();
    if let Some(n) = needle
        && has_needle
        && product.needle_length != Some(n)
    {
        hint.problem = Some(format!(
            "{} mm needle, but the session is {} mm",
            product.needle_length.map(fmt_needle).unwrap_or_default(),
            fmt_needle(n)
        ));
    }
    let quantity = match quantity.map(|q| Quantity::parse_positive(q, unit)) {
        Some(Ok(q)) => Some(q.0),
        Some(Err(e)) => {
            hint.problem.get_or_insert_with(|| e.to_string());
            None
        }
        None => None,
    };
    (hint, quantity)
}

/// The previews of `rows` at `site`; the lot choices only when `with_choices`
/// (the hints partial shows none).
fn preview(
    conn: &mut DbConn,
    site: &crate::db::models::Site,
    d: &SessionDraft,
    rows: &[LineDraft],
    with_choices: bool,
) -> ServiceResult<Hints> {
    let needle = text(&d.needle_length_mm)
        .and_then(|t| NeedleLength::parse(t).ok())
        .map(|n| n.0);
    let protocol: Option<Protocol> = match text(&d.protocol_id).and_then(|t| t.parse().ok()) {
        Some(id) => db::protocols::by_id(conn, id)?,
        None => None,
    };
    let day = day_of(d, &site.clock());
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| text(&r.product_id).and_then(|t| t.parse().ok()))
        .collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut stock = SiteStock::load(conn, site.id, &ids, day)?;
    let choices = if with_choices {
        lot_choices(&stock, &products, &ids)
    } else {
        HashMap::new()
    };
    let mut out = Vec::with_capacity(rows.len());
    let mut checked: Vec<CheckedLine> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        let Some(product) = text(&row.product_id)
            .and_then(|t| t.parse::<i64>().ok())
            .and_then(|id| products.get(&id))
        else {
            out.push(LineHint::default());
            continue;
        };
        let lot_choices = choices.get(&product.id).cloned().unwrap_or_default();
        let (mut hint, quantity) = row_hint(product, lot_choices, needle, text(&row.quantity));
        let named_lot = match text(&row.lot_id).and_then(|t| t.parse::<i64>().ok()) {
            Some(id) => db::lots::by_id(conn, id)?.filter(|l| l.product_id == product.id),
            None => None,
        };
        if let Some(quantity) = quantity {
            let line = CheckedLine {
                index,
                product: product.clone(),
                quantity,
                named_lot,
                open_new: row.open_new,
            };
            if line.open_new {
                open_hint(&mut hint, &line, &stock);
            }
            take_hint(&mut stock, &line, day, &mut hint);
            checked.push(line);
        }
        out.push(hint);
    }
    for h in &mut out {
        if let Some(p) = &h.product {
            h.left_after = Some(stock.usable(p.id));
        }
    }
    let indication = match text(&d.indication).and_then(crate::domain::vocab::Indication::parse) {
        Some(i) => crate::services::needle_ranges::usual_range(conn, i)?,
        None => None,
    };
    let contact = text(&d.anaesthetic_contact_minutes)
        .and_then(|t| crate::domain::session_facts::parse_contact_minutes(t).ok());
    let warned = warnings(protocol.as_ref(), indication, needle, contact, &checked);
    Ok(Hints {
        lines: out,
        warnings: warned,
    })
}

/// What ticking "new tube opened" will do: open a tube of the first sealed
/// lot (FEFO, or the named one) and take the line from it; or why it cannot.
fn open_hint(hint: &mut LineHint, line: &CheckedLine, stock: &SiteStock) {
    let p = &line.product;
    let Some(days) = p.use_within_days else {
        hint.problem
            .get_or_insert_with(|| format!("{} is not opened like a tube", p.name));
        return;
    };
    let named = line.named_lot.as_ref().map(|l| l.id);
    match stock
        .first_sealed(p.id, named)
        .and_then(|(lot, loc)| stock.info(lot, loc))
    {
        Some(i) => {
            hint.opens = Some(format!(
                "opens a new tube of lot {} ({}) · use within {days} days",
                i.lot_number, i.location_code
            ))
        }
        None => {
            hint.problem
                .get_or_insert_with(|| "no sealed stock to open a new tube from".into());
        }
    }
}

fn problem_text(e: &AllocError, line: &CheckedLine, stock: &SiteStock) -> String {
    let unit = &line.product.unit;
    let lot = line
        .named_lot
        .as_ref()
        .map(|l| l.lot_number.clone())
        .unwrap_or_default();
    match e {
        AllocError::Insufficient { available, .. } if line.named_lot.is_some() => format!(
            "not enough in lot {lot}: asked {} {unit}, {} {unit} there",
            fmt_qty(line.quantity),
            fmt_qty(*available)
        ),
        AllocError::Insufficient { .. } => format!(
            "not enough usable stock: asked {} {unit}, {} {unit} available",
            fmt_qty(line.quantity),
            fmt_qty(stock.usable(line.product.id))
        ),
        AllocError::LotNotFound { .. } => format!("lot {lot} has no stock at this site"),
        AllocError::LotExpired { expiry, .. } => format!("lot {lot} expired on {expiry}"),
        AllocError::LotUnusable { .. } => format!("lot {lot} is quarantined"),
        AllocError::InvalidQuantity => "must be more than zero".into(),
    }
}

/// What choosing a protocol puts into the form.
#[derive(Debug, Clone)]
pub struct ProtocolFill {
    pub protocol: Protocol,
    pub lines: Vec<LineDraft>,
    /// The needle length of the protocol's roller or cartridge, if any.
    pub needle_mm: Option<String>,
    pub addons: Vec<String>,
}

/// The protocol's default lines. When the session's needle length is known
/// and differs from the protocol's roller or cartridge, the line takes the
/// active product of the same category with the session's needle length
/// (if there is one), so the practitioner only adjusts quantities.
pub fn fill_from_protocol(
    conn: &mut DbConn,
    protocol_id: i64,
    needle: Option<i32>,
) -> ServiceResult<Option<ProtocolFill>> {
    let Some(protocol) = db::protocols::by_id(conn, protocol_id)? else {
        return Ok(None);
    };
    let lines = db::protocols::lines_of(conn, &[protocol.id])?;
    let ids: Vec<i64> = lines.iter().map(|l| l.product_id).collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut needle_mm = None;
    let mut out = Vec::new();
    for l in &lines {
        let mut product_id = l.product_id;
        if let Some(p) = products.get(&l.product_id)
            && p.category.has_needle()
        {
            match needle {
                Some(n) if p.needle_length != Some(n) => {
                    if let Some(s) = same_kind(conn, p, n)? {
                        product_id = s;
                    }
                }
                Some(_) => {}
                None => needle_mm = p.needle_length.map(fmt_needle),
            }
        }
        out.push(LineDraft {
            product_id: Some(product_id.to_string()),
            quantity: Some(Quantity(l.quantity).to_string()),
            lot_id: None,
            open_new: false,
        });
    }
    let addons = protocol
        .addons
        .iter()
        .map(|a| a.code().to_string())
        .collect();
    Ok(Some(ProtocolFill {
        protocol,
        lines: out,
        needle_mm,
        addons,
    }))
}

/// The active product of the same category as `p` with needle length `n`
/// (hundredths of a mm), if there is one.
fn same_kind(conn: &mut DbConn, p: &Product, n: i32) -> ServiceResult<Option<i64>> {
    let same = db::catalog::list_products(
        conn,
        &ProductFilter {
            category: Some(p.category),
            needle_length: Some(n),
            ..ProductFilter::default()
        },
        1,
        0,
    )?;
    Ok(same.first().map(|s| s.id))
}

/// The session's needle length changed: each roller or cartridge row of
/// another length takes the active product of the same category with the
/// new length (quantity kept, the named lot dropped: it was the old
/// product's). Rows without such a product are left as they are.
pub fn swap_needle(
    conn: &mut DbConn,
    rows: &[LineDraft],
    needle: i32,
) -> ServiceResult<Vec<LineDraft>> {
    let ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.product_id.as_deref()?.trim().parse().ok())
        .collect();
    let products: HashMap<i64, Product> = db::catalog::products_by_ids(conn, &ids)?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let mut row = r.clone();
        let product = r
            .product_id
            .as_deref()
            .and_then(|s| s.trim().parse::<i64>().ok())
            .and_then(|id| products.get(&id));
        if let Some(p) = product
            && p.category.has_needle()
            && p.needle_length != Some(needle)
            && let Some(s) = same_kind(conn, p, needle)?
        {
            row.product_id = Some(s.to_string());
            row.lot_id = None;
        }
        out.push(row);
    }
    Ok(out)
}

/// Everything the session form offers, with the preview of its rows.
#[derive(Debug, Clone)]
pub struct FormData {
    /// The site the session is logged at when none is chosen.
    pub site_code: String,
    /// That site's clock: the form's time is typed on it.
    pub clock: SiteClock,
    pub sites: Vec<crate::db::models::Site>,
    /// Active products, by category, needle length, name.
    pub products: Vec<Product>,
    pub protocols: Vec<crate::services::protocols::ProtocolView>,
    /// Treatment areas a session may name (not retired).
    pub areas: Vec<crate::db::areas::TreatmentArea>,
    pub hints: Hints,
}

/// What a page renders of the session form: each loads only what it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormPart {
    /// The whole form: sites, protocols, products, the rows and their previews.
    Whole,
    /// The lines block (htmx): products, the rows, previews and lot choices.
    Lines,
    /// The live hints (htmx): the rows' previews and the warnings only.
    Hints,
}

/// The active products the form offers, by category, needle length, name
/// (up to 1,000).
pub fn form_products(conn: &mut DbConn) -> ServiceResult<Vec<Product>> {
    Ok(db::catalog::list_products(
        conn,
        &ProductFilter::default(),
        1000,
        0,
    )?)
}

/// Loads what `part` renders and previews `rows`; what it does not render
/// is left empty.
pub fn form_data(
    conn: &mut DbConn,
    actor: &Actor,
    d: &SessionDraft,
    rows: &[LineDraft],
    part: FormPart,
) -> ServiceResult<FormData> {
    let site = form_site(conn, actor, d)?;
    let whole = part == FormPart::Whole;
    let sites = match actor.bound_site() {
        _ if !whole => Vec::new(),
        Some(_) => vec![site.clone()],
        None => sites::list(conn)?,
    };
    let products = match part {
        FormPart::Hints => Vec::new(),
        FormPart::Whole | FormPart::Lines => form_products(conn)?,
    };
    let protocols = match whole {
        true => crate::services::protocols::list(conn, true)?,
        false => Vec::new(),
    };
    let hints = preview(conn, &site, d, rows, part != FormPart::Hints)?;
    let areas = match whole {
        true => crate::services::areas::active(conn)?,
        false => Vec::new(),
    };
    Ok(FormData {
        areas,
        clock: site.clock(),
        site_code: site.code,
        sites,
        products,
        protocols,
        hints,
    })
}

/// The session a key recorded, if it was this user's (the form links to it).
pub fn session_for_key(conn: &mut DbConn, actor: &Actor, key: &str) -> ServiceResult<Option<i64>> {
    Ok(db::sessions::by_key(conn, key.trim())?
        .filter(|s| s.practitioner_id == actor.user_id)
        .map(|s| s.id))
}
