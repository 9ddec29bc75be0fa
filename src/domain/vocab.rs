//! The fixed vocabularies of the domain, each stored as a lowercase code and
//! shown with a label: product categories and units, roles, ledger kinds,
//! adjustment reasons, indications, add-ons, side effects and their
//! severity, order statuses.

/// Declares a closed set of codes with labels: `ALL`, `code()`, `label()`, `parse()`.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($code => Some($name::$variant),)+ _ => None }
            }

            /// "a, b or c" for error messages.
            pub fn choices() -> String {
                let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                codes.join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

vocabulary!(
    /// Product category.
    Category {
        Roller => ("roller", "Roller"),
        Cartridge => ("cartridge", "Pen cartridge"),
        Anesthetic => ("anesthetic", "Anaesthetic"),
        Serum => ("serum", "Serum"),
        Spf => ("spf", "SPF"),
        Disposable => ("disposable", "Disposable"),
        Other => ("other", "Other"),
    }
);

impl Category {
    /// Rollers and cartridges carry a needle length; nothing else does.
    pub fn has_needle(self) -> bool {
        matches!(self, Category::Roller | Category::Cartridge)
    }
}

vocabulary!(
    /// The unit a product is counted in.
    Unit {
        Each => ("each", "each"),
        Gram => ("g", "g"),
        Millilitre => ("ml", "ml"),
    }
);

vocabulary!(
    /// What a user may do; ordered practitioner < manager < admin.
    Role {
        Practitioner => ("practitioner", "Practitioner"),
        Manager => ("manager", "Manager"),
        Admin => ("admin", "Admin"),
    }
);

impl Role {
    /// True when this role has at least the rights of `other`.
    pub fn at_least(self, other: Role) -> bool {
        self >= other
    }
}

vocabulary!(
    /// The kind of a ledger row.
    LedgerKind {
        Receive => ("receive", "Received"),
        Consume => ("consume", "Used in session"),
        Adjust => ("adjust", "Adjusted"),
        Transfer => ("transfer", "Transfer"),
        Count => ("count", "Count"),
        Void => ("void", "Session voided"),
    }
);

vocabulary!(
    /// Why a manager adjusted stock.
    AdjustReason {
        Waste => ("waste", "Waste"),
        Damaged => ("damaged", "Damaged"),
        Expired => ("expired", "Expired"),
        Count => ("count", "Count correction"),
        Return => ("return", "Returned to supplier"),
        Found => ("found", "Found"),
        Other => ("other", "Other"),
    }
);

vocabulary!(
    /// What a CIT session treats.
    Indication {
        FineLines => ("fine_lines", "Fine lines / wrinkles"),
        AcneScars => ("acne_scars", "Acne scars"),
        BurnScars => ("burn_scars", "Burn scars"),
        StretchMarks => ("stretch_marks", "Stretch marks"),
        LooseSkin => ("loose_skin", "Loose skin"),
        AgedHands => ("aged_hands", "Aged hands"),
        EnlargedPores => ("enlarged_pores", "Enlarged pores"),
        Pigmentation => ("pigmentation", "Pigmentation"),
        HairLoss => ("hair_loss", "Hair loss"),
        Other => ("other", "Other"),
    }
);

impl Indication {
    /// The usual needle range in hundredths of a mm as DOMAIN.md gives it
    /// (the demo clinic picks lengths from it). Sessions warn from the
    /// admin-editable table instead (`services::needle_ranges`).
    pub fn usual_range(self) -> (i32, i32) {
        match self {
            Indication::FineLines => (50, 100),
            Indication::AcneScars => (50, 200),
            Indication::BurnScars | Indication::StretchMarks => (100, 200),
            Indication::LooseSkin
            | Indication::AgedHands
            | Indication::EnlargedPores
            | Indication::Pigmentation
            | Indication::HairLoss => (50, 150),
            Indication::Other => (25, 250),
        }
    }
}

vocabulary!(
    /// Treatments that go with CIT.
    Addon {
        Radiofrequency => ("radiofrequency", "Radiofrequency"),
        LightTherapy => ("light_therapy", "Light therapy"),
        VitaminSerum => ("vitamin_serum", "Vitamin serum"),
        Prp => ("prp", "PRP"),
        Minoxidil => ("minoxidil", "Minoxidil"),
    }
);

vocabulary!(
    /// Side effects recorded after a session.
    SideEffect {
        Redness => ("redness", "Redness"),
        Bleeding => ("bleeding", "Bleeding"),
        Scabbing => ("scabbing", "Scabbing"),
        DrySkin => ("dry_skin", "Dry skin"),
        Milia => ("milia", "Milia"),
        Other => ("other", "Other"),
    }
);

vocabulary!(
    /// How bad a side effect seen at a follow-up is; ordered mild < moderate < severe.
    Severity {
        Mild => ("mild", "Mild"),
        Moderate => ("moderate", "Moderate"),
        Severe => ("severe", "Severe"),
    }
);

vocabulary!(
    /// Purchase order life cycle.
    OrderStatus {
        Draft => ("draft", "Draft"),
        Sent => ("sent", "Sent"),
        Partial => ("partial", "Partly received"),
        Received => ("received", "Received"),
        Cancelled => ("cancelled", "Cancelled"),
    }
);

/// Parses a comma-separated list of codes, refusing unknown ones.
pub fn parse_list<T: Copy>(
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match parse(part) {
            Some(v) => out.push(v),
            None => return Err(format!("unknown value '{part}'")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()), Some(*c));
        }
        assert!(Role::Admin.at_least(Role::Manager));
        assert!(!Role::Practitioner.at_least(Role::Manager));
        assert_eq!(
            parse_list("redness, milia", SideEffect::parse).unwrap(),
            vec![SideEffect::Redness, SideEffect::Milia]
        );
        assert!(parse_list("redness,nope", SideEffect::parse).is_err());
        assert_eq!(Severity::parse("moderate"), Some(Severity::Moderate));
        assert!(Severity::Mild < Severity::Severe);
        assert_eq!(Severity::parse("awful"), None);
    }
}
