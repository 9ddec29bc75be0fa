//! The daily digest as a message: subject, plain text and HTML (askama
//! templates under `templates/mail/`), from one site's alerts. Local times
//! carry the zone; every item links to its page on the server.

use askama::Template;
use chrono::NaiveDateTime;

use super::alerts::SiteAlerts;
use crate::services::alerts::Alerts;

/// What both parts of the message show.
#[derive(Debug, Clone)]
pub struct DigestMail {
    pub clinic: String,
    pub subject: String,
    /// The server's address people open (no trailing slash).
    pub base: String,
    /// `07:30 NZDT`: when it was prepared, at the site.
    pub prepared: String,
    pub s: SiteAlerts,
}

impl DigestMail {
    pub fn new(a: &Alerts, clinic: &str, base: &str, now: NaiveDateTime) -> DigestMail {
        let clock = a.site.clock();
        let count = a.count();
        let s = SiteAlerts::new(a);
        DigestMail {
            clinic: clinic.to_string(),
            subject: format!(
                "{clinic}: {count} stock alert{} at {} on {}",
                if count == 1 { "" } else { "s" },
                a.site.name,
                a.as_of
            ),
            base: base.trim_end_matches('/').to_string(),
            prepared: format!("{} {}", clock.format_time(now), clock.abbreviation(now)),
            s,
        }
    }

    /// `BASE/alerts?site=CODE`
    pub fn alerts_link(&self) -> String {
        format!("{}/alerts?site={}", self.base, self.s.code)
    }

    pub fn text(&self) -> Result<String, askama::Error> {
        DigestText {
            m: self,
            s: &self.s,
        }
        .render()
    }

    pub fn html(&self) -> Result<String, askama::Error> {
        DigestHtml {
            m: self,
            s: &self.s,
        }
        .render()
    }
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    m: &'a DigestMail,
    s: &'a SiteAlerts,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    m: &'a DigestMail,
    s: &'a SiteAlerts,
}
