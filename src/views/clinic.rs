//! Who the clinic is, as printed on paper (issue 11.2): the after-care
//! sheet's header and "Questions? Call …" line, and the delivery and
//! invoice block of a purchase order. Built from the site's own name,
//! address, phone and e-mail (each site is a clinic with its own identity;
//! the installation-wide `clinic_name` setting is not printed here).

use crate::db::models::Site;

/// A clinic's name and contact details, ready for a template
/// (`templates/partials/clinic.html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicBlock {
    /// The clinic's name: the site's display name.
    pub name: String,
    pub address_lines: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// How a client reaches the clinic with a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Questions {
    /// "Call" or "E-mail".
    pub verb: &'static str,
    /// The number or address as printed.
    pub value: String,
    /// `tel:` or `mailto:` link.
    pub href: String,
    /// The e-mail address too, when both exist ("or e-mail …").
    pub also_email: Option<String>,
}

fn set(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl ClinicBlock {
    pub fn new(site: &Site) -> ClinicBlock {
        ClinicBlock {
            name: site.name.trim().to_string(),
            address_lines: site
                .address
                .as_deref()
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            phone: set(&site.phone),
            email: set(&site.email),
        }
    }

    /// True when there is anything to print besides the name.
    pub fn has_contact(&self) -> bool {
        !self.address_lines.is_empty() || self.phone.is_some() || self.email.is_some()
    }

    /// "Questions? Call <phone>", else "Questions? E-mail <address>", else
    /// nothing (no "call us" without a number).
    pub fn questions(&self) -> Option<Questions> {
        match (&self.phone, &self.email) {
            (Some(phone), email) => Some(Questions {
                verb: "Call",
                href: format!("tel:{}", tel(phone)),
                value: phone.clone(),
                also_email: email.clone(),
            }),
            (None, Some(email)) => Some(Questions {
                verb: "E-mail",
                href: format!("mailto:{email}"),
                value: email.clone(),
                also_email: None,
            }),
            (None, None) => None,
        }
    }
}

/// A phone number for a `tel:` link: digits and a leading `+`.
fn tel(phone: &str) -> String {
    phone
        .chars()
        .enumerate()
        .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '+'))
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str, phone: Option<&str>, email: Option<&str>) -> Site {
        Site {
            id: 1,
            code: "main".into(),
            name: name.into(),
            created_at: chrono::NaiveDateTime::default(),
            time_zone: "UTC".into(),
            address: Some("12 Queen St\n\nAuckland 1010".into()),
            phone: phone.map(str::to_string),
            email: email.map(str::to_string),
            digest_time: "07:30".into(),
        }
    }

    #[test]
    fn name_and_address_lines_of_the_site() {
        let b = ClinicBlock::new(&site(" Lumen Ponsonby ", None, None));
        assert_eq!(b.name, "Lumen Ponsonby");
        assert_eq!(b.address_lines, ["12 Queen St", "Auckland 1010"]);
        assert!(b.has_contact());
    }

    #[test]
    fn questions_go_to_the_phone_else_the_mail_else_nowhere() {
        let both = ClinicBlock::new(&site("C", Some("+64 9 555 0142"), Some("a@b.example")));
        let q = both.questions();
        assert_eq!(q.as_ref().map(|q| q.verb), Some("Call"));
        assert_eq!(q.as_ref().map(|q| q.href.as_str()), Some("tel:+6495550142"));
        assert_eq!(q.and_then(|q| q.also_email).as_deref(), Some("a@b.example"));
        let mail = ClinicBlock::new(&site("C", Some(" "), Some("a@b.example")));
        assert_eq!(mail.questions().map(|q| q.verb), Some("E-mail"));
        assert_eq!(ClinicBlock::new(&site("C", None, None)).questions(), None);
    }
}
