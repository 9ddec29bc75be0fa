//! The words a person sees for a field that a message is about. Services
//! name fields as forms and the API do (`password2`, `client_ref`,
//! `lines[0].product_id`, `packs_12`); pages show those names only through
//! [`label`], so that a message reads "Password again: the two passwords
//! differ" or "Line 1, product: choose a product", never an internal name.
//! Names not in the table read as words ("expiry_date" → "Expiry date").

/// Field name → the label on the form (first match wins).
const LABELS: &[(&str, &str)] = &[
    ("password2", "Password again"),
    ("repeat_password", "Password again"),
    ("current_password", "Current password"),
    ("new_password", "New password"),
    ("username", "User name"),
    ("client_ref", "Client code"),
    ("product_id", "Product"),
    ("product", "Product"),
    ("supplier_id", "Supplier"),
    ("lot_id", "Lot"),
    ("location_id", "Location"),
    ("from_location_id", "From"),
    ("to_location_id", "To"),
    ("to_location", "To"),
    ("protocol_id", "Protocol"),
    ("practitioner_id", "Practitioner"),
    ("sent_on", "Sent on"),
    ("email_text", "E-mail text"),
    ("email", "E-mail"),
    ("needle_length_mm", "Needle length (mm)"),
    ("needle_min_mm", "Shortest needle (mm)"),
    ("needle_max_mm", "Longest needle (mm)"),
    ("performed_at", "Date and time"),
    ("received_at", "Received on"),
    ("observed_on", "Noticed on"),
    ("expires_on", "Expires on"),
    ("pack_cost", "Pack cost"),
    ("pack_cost_cents", "Pack cost"),
    ("cost", "Pack cost"),
    ("unit_cost", "Unit cost"),
    ("unit_cost_cents", "Unit cost"),
    ("pack_size", "Pack size"),
    ("packs", "Packs"),
    ("min_level", "Min level"),
    ("max_level", "Max level"),
    ("max_per_session", "Most per session"),
    ("lead_time_days", "Lead time (days)"),
    ("use_within_days_of_opening", "Use within (days of opening)"),
    ("gtin", "GTIN"),
    ("sku", "SKU"),
    ("delta", "Change"),
    ("time_zone", "Time zone"),
    ("side_effect_other", "Other side effect"),
    ("open_new", "New tube opened"),
    ("pick", "Order"),
    ("csrf", "Form"),
];

/// The label a person sees for field `name`.
pub fn label(name: &str) -> String {
    if name.is_empty() {
        return String::new();
    }
    // `lines[0].product_id` → "Line 1, product".
    if let Some(rest) = name.strip_prefix("lines[")
        && let Some((n, field)) = rest.split_once("].")
        && let Ok(i) = n.parse::<usize>()
    {
        return format!("Line {}, {}", i + 1, lower_first(&label(field)));
    }
    if let Some((_, l)) = LABELS.iter().find(|(k, _)| *k == name) {
        return (*l).to_string();
    }
    // A per-line input of a form (`packs_12`, `cost_12`, `product_12`),
    // or the "add a line" inputs (`add_packs`).
    if let Some((field, id)) = name.rsplit_once('_')
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_digit())
    {
        return label(field);
    }
    if let Some(field) = name.strip_prefix("add_") {
        return format!("New line, {}", lower_first(&label(field)));
    }
    words(name)
}

/// `expiry_date` → "Expiry date"; a trailing `_id` is dropped.
fn words(name: &str) -> String {
    let base = name.strip_suffix("_id").unwrap_or(name);
    let spaced = base.replace(['_', '.'], " ");
    let mut c = spaced.trim().chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The label inside a sentence ("Password not changed: password again:
/// …"): first letter small, acronyms kept.
pub fn label_in_text(name: &str) -> String {
    lower_first(&label(name))
}

fn lower_first(s: &str) -> String {
    // Keep acronyms ("GTIN", "SKU") as they are.
    if s.chars().take(2).all(char::is_uppercase) {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_people_read() {
        assert_eq!(label("password2"), "Password again");
        assert_eq!(label("client_ref"), "Client code");
        assert_eq!(label("lines[0].product_id"), "Line 1, product");
        assert_eq!(label("lines[2].quantity"), "Line 3, quantity");
        assert_eq!(label("packs_12"), "Packs");
        assert_eq!(label("add_pack_cost"), "New line, pack cost");
        assert_eq!(label("lines[0].gtin"), "Line 1, GTIN");
        assert_eq!(label("expiry_date"), "Expiry date");
        assert_eq!(label("site_id"), "Site");
        assert_eq!(label(""), "");
        assert_eq!(super::label_in_text("display_name"), "display name");
        assert_eq!(super::label_in_text("gtin"), "GTIN");
    }
}
