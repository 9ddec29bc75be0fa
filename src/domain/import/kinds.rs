//! The kinds of import file (API.md "Import") and their columns: canonical
//! names, whether a column must be in the header, and the header names people
//! use for it in their spreadsheets (matched case-insensitively, with spaces,
//! dashes and underscores treated alike).

/// One column of an import file.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The canonical name: used in messages (`line 14: expiry: …`) and exports.
    pub name: &'static str,
    /// Must appear in the header row.
    pub required: bool,
    /// Other header names accepted for it (already normalised).
    pub synonyms: &'static [&'static str],
}

const fn col(name: &'static str, required: bool, synonyms: &'static [&'static str]) -> Column {
    Column {
        name,
        required,
        synonyms,
    }
}

const SKU: &[&str] = &[
    "item_code",
    "itemcode",
    "item",
    "code",
    "product_code",
    "article",
    "article_number",
    "ref",
    "reference",
    "part_number",
];

const SUPPLIERS: &[Column] = &[
    col(
        "name",
        true,
        &["supplier", "supplier_name", "vendor", "company"],
    ),
    col("email", false, &["e_mail", "mail", "email_address"]),
    col(
        "lead_time_days",
        false,
        &[
            "lead_time",
            "lead_days",
            "lead_time_(days)",
            "delivery_days",
        ],
    ),
];

const PRODUCTS: &[Column] = &[
    col("sku", true, SKU),
    col(
        "name",
        true,
        &["product", "product_name", "description", "item_name"],
    ),
    col("category", true, &["type", "product_type", "group"]),
    col("unit", true, &["uom", "unit_of_measure", "units"]),
    col(
        "pack_size",
        true,
        &[
            "pack",
            "pack_qty",
            "units_per_pack",
            "per_pack",
            "pack_quantity",
        ],
    ),
    col(
        "needle_length_mm",
        false,
        &[
            "needle_length",
            "needle",
            "needle_mm",
            "needle_length_(mm)",
            "length_mm",
        ],
    ),
    col("gtin", false, &["barcode", "ean", "upc", "ean13", "gtin14"]),
    col("supplier", false, &["supplier_name", "vendor"]),
    col(
        "unit_cost",
        false,
        &[
            "cost",
            "price",
            "unit_price",
            "cost_per_unit",
            "unit_cost_price",
        ],
    ),
    col(
        "min_level",
        false,
        &["min", "minimum", "reorder_level", "min_stock"],
    ),
    col(
        "max_level",
        false,
        &["max", "maximum", "max_stock", "par_level"],
    ),
    col("lead_time_days", false, &["lead_time", "lead_days"]),
    col("max_per_session", false, &["max_session"]),
    col(
        "use_within_days_of_opening",
        false,
        &["use_within_days", "days_after_opening"],
    ),
    col("max_contact_minutes", false, &["max_contact_time"]),
    col("active", false, &["status"]),
];

const STOCK: &[Column] = &[
    col("sku", true, SKU),
    col(
        "lot",
        true,
        &[
            "lot_number",
            "lot_no",
            "batch",
            "batch_number",
            "batch_no",
            "lot_code",
        ],
    ),
    col(
        "expiry",
        true,
        &[
            "use_by",
            "exp",
            "expiry_date",
            "expires",
            "exp_date",
            "expiration",
            "expiration_date",
            "best_before",
            "use_before",
        ],
    ),
    col(
        "quantity",
        true,
        &[
            "qty",
            "on_hand",
            "stock",
            "amount",
            "count",
            "quantity_on_hand",
        ],
    ),
    col(
        "location",
        false,
        &["store", "room", "place", "location_code"],
    ),
    col("site", false, &["clinic", "site_code"]),
];

const PROTOCOLS: &[Column] = &[
    col("name", true, &["protocol", "protocol_name"]),
    col("indication", true, &["treats", "condition"]),
    col(
        "needle_min_mm",
        true,
        &["needle_min", "min_needle", "min_needle_mm", "needle_from"],
    ),
    col(
        "needle_max_mm",
        true,
        &["needle_max", "max_needle", "max_needle_mm", "needle_to"],
    ),
    col("sku", true, SKU),
    col("quantity", true, &["qty", "amount"]),
    col("addons", false, &["add_ons", "add_on"]),
    col("notes", false, &["note", "comments"]),
    col("active", false, &["status"]),
];

const LOCATIONS: &[Column] = &[
    col("site", true, &["site_code", "clinic"]),
    col("code", true, &["location", "location_code"]),
    col("name", true, &["location_name", "description"]),
    col("site_name", false, &["clinic_name"]),
];

/// What a file brings in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Suppliers,
    Products,
    Stock,
    Protocols,
    /// Sites and their locations (admin only): what an export needs first so
    /// that its stock file finds its locations.
    Locations,
}

impl ImportKind {
    /// In the order a whole export is imported.
    pub const ALL: &'static [ImportKind] = &[
        ImportKind::Locations,
        ImportKind::Suppliers,
        ImportKind::Products,
        ImportKind::Protocols,
        ImportKind::Stock,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Suppliers => "suppliers",
            ImportKind::Products => "products",
            ImportKind::Stock => "stock",
            ImportKind::Protocols => "protocols",
            ImportKind::Locations => "locations",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ImportKind::Suppliers => "Suppliers",
            ImportKind::Products => "Products",
            ImportKind::Stock => "Opening stock",
            ImportKind::Protocols => "Protocols",
            ImportKind::Locations => "Sites and locations",
        }
    }

    pub fn parse(s: &str) -> Option<ImportKind> {
        ImportKind::ALL
            .iter()
            .copied()
            .find(|k| k.code().eq_ignore_ascii_case(s.trim()))
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            ImportKind::Suppliers => SUPPLIERS,
            ImportKind::Products => PRODUCTS,
            ImportKind::Stock => STOCK,
            ImportKind::Protocols => PROTOCOLS,
            ImportKind::Locations => LOCATIONS,
        }
    }

    /// The file a template or an export of this kind is called.
    pub fn file_name(self) -> String {
        format!("{}.csv", self.code())
    }

    /// A header and two example rows (the downloadable template).
    pub fn template(self) -> &'static str {
        match self {
            ImportKind::Suppliers => {
                "name,email,lead_time_days\n\
                 DermaSupply Ltd,orders@dermasupply.example,7\n\
                 Skin Serums Co,sales@skinserums.example,14\n"
            }
            ImportKind::Products => {
                "sku,name,category,unit,pack_size,needle_length_mm,gtin,supplier,unit_cost,min_level,max_level\n\
                 RL-15,Derma roller 1.5 mm,roller,each,10,1.5,,DermaSupply Ltd,4.20,20,60\n\
                 LID-30,Lidocaine cream 5% 30 g,anesthetic,g,30,,,DermaSupply Ltd,0.35,60,180\n"
            }
            ImportKind::Stock => {
                "sku,lot,expiry,quantity,location\n\
                 RL-15,L24117,2027-06-30,40,store\n\
                 LID-30,A5521,03/2027,90,store\n"
            }
            ImportKind::Protocols => {
                "name,indication,needle_min_mm,needle_max_mm,sku,quantity\n\
                 Acne scars 1.5 mm face,acne_scars,1.0,2.0,RL-15,1\n\
                 Acne scars 1.5 mm face,acne_scars,1.0,2.0,LID-30,4\n"
            }
            ImportKind::Locations => {
                "site,code,name,site_name\n\
                 main,store,Store room,Main clinic\n\
                 main,room1,Treatment room 1,Main clinic\n"
            }
        }
    }
}

/// A header cell as compared: lower case, trimmed, runs of spaces, dashes
/// and dots as one underscore ("Use by" → "use_by", "E-mail" → "e_mail").
pub fn normalise_header(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let mut gap = false;
    for c in h.trim().trim_start_matches('\u{feff}').chars() {
        if c.is_whitespace() || matches!(c, '-' | '_' | '.' | '/') {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push('_');
        }
        gap = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// The column a header cell names, if any.
pub fn column_for(kind: ImportKind, header: &str) -> Option<&'static Column> {
    let h = normalise_header(header);
    let h = h.strip_suffix("_*").unwrap_or(&h);
    kind.columns()
        .iter()
        .find(|c| c.name == h || c.synonyms.contains(&h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_case_insensitively_with_synonyms() {
        let k = ImportKind::Stock;
        assert_eq!(column_for(k, "SKU").unwrap().name, "sku");
        assert_eq!(column_for(k, "Item code").unwrap().name, "sku");
        assert_eq!(column_for(k, " Use by ").unwrap().name, "expiry");
        assert_eq!(column_for(k, "Exp").unwrap().name, "expiry");
        assert_eq!(column_for(k, "\u{feff}Lot-Number").unwrap().name, "lot");
        assert!(column_for(k, "colour").is_none());
        assert_eq!(
            column_for(ImportKind::Products, "Needle length (mm)")
                .unwrap()
                .name,
            "needle_length_mm"
        );
        assert_eq!(
            column_for(ImportKind::Suppliers, "E-mail").unwrap().name,
            "email"
        );
    }

    #[test]
    fn every_kind_parses_its_code_and_has_a_template_with_its_required_columns() {
        for k in ImportKind::ALL {
            assert_eq!(ImportKind::parse(k.code()), Some(*k));
            let header = k.template().lines().next().unwrap();
            for c in k.columns().iter().filter(|c| c.required) {
                assert!(header.split(',').any(|h| h == c.name), "{k:?} {}", c.name);
            }
            assert_eq!(k.template().lines().count(), 3);
        }
    }
}
